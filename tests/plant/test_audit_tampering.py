"""One test per attack on the audit trail; each is detected and named."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

from waooaw.services.common.db import sync_url
from waooaw.services.plant.storage.audit import AuditTrail

from .conftest import AUDIT_KEY, agent_body, make_job_role, make_skill

pytestmark = pytest.mark.anyio


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = create_engine(sync_url(database_url))
    yield eng
    eng.dispose()


async def _seed(client: httpx.AsyncClient) -> dict[str, Any]:
    """Six entries: skill 1-2, job role 3-4, agent 5-6."""
    skill = await make_skill(client)
    role = await make_job_role(client, [skill["id"]])
    agent = (await client.post("/api/v1/agents", json=agent_body(role, [skill["id"]]))).json()
    team = {"team_id": str(uuid.uuid4()), "role": "writer", "assigned_by": "alice"}
    assert (
        await client.post(f"/api/v1/agents/{agent['id']}/assign-team", json=team)
    ).status_code == 200
    report = (await client.post("/api/v1/audit/run")).json()
    assert report["chain"] == {
        "intact": True,
        "entries": 6,
        "head_hash": report["chain"]["head_hash"],
    }
    return {"skill": skill["id"], "role": role["id"], "agent": agent["id"]}


def _chain_break(engine: Engine) -> tuple[int, str] | None:
    with engine.connect() as conn:
        report = AuditTrail(AUDIT_KEY.encode()).verify_chain(conn)
    return (
        None
        if report.first_break is None
        else (report.first_break.sequence, report.first_break.kind)
    )


async def _entity_break(client: httpx.AsyncClient, entity_id: str) -> tuple[int | None, str | None]:
    body = (await client.get(f"/api/v1/audit/tampering/{entity_id}")).json()
    assert body["intact"] is (body["break_kind"] is None)
    return body["first_broken_sequence"], body["break_kind"]


async def _chain_reported_broken(client: httpx.AsyncClient) -> None:
    report = (await client.post("/api/v1/audit/run")).json()
    assert report["chain"]["intact"] is False


async def test_untouched_trail_is_intact(client: httpx.AsyncClient, engine: Engine) -> None:
    ids = await _seed(client)
    assert _chain_break(engine) is None
    for entity in ids.values():
        assert await _entity_break(client, entity) == (None, None)


async def test_a_modified_field_is_detected(client: httpx.AsyncClient, engine: Engine) -> None:
    ids = await _seed(client)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET actor = 'mallory' WHERE sequence = 5"))
    assert _chain_break(engine) == (5, "modified")
    assert await _entity_break(client, ids["agent"]) == (5, "modified")
    await _chain_reported_broken(client)


async def test_modified_data_is_detected(client: httpx.AsyncClient, engine: Engine) -> None:
    ids = await _seed(client)
    with engine.begin() as conn:
        conn.execute(
            text('UPDATE audit_entries SET payload = \'{"status":"rejected"}\' WHERE sequence = 2')
        )
    assert _chain_break(engine) == (2, "modified")
    assert await _entity_break(client, ids["skill"]) == (2, "modified")


async def test_a_deleted_entry_is_detected(client: httpx.AsyncClient, engine: Engine) -> None:
    ids = await _seed(client)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE sequence = 1"))
    assert _chain_break(engine) == (1, "deleted")
    assert await _entity_break(client, ids["skill"]) == (2, "deleted")
    await _chain_reported_broken(client)


async def test_two_swapped_entries_are_detected(client: httpx.AsyncClient, engine: Engine) -> None:
    ids = await _seed(client)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET sequence = 1000 WHERE sequence = 5"))
        conn.execute(text("UPDATE audit_entries SET sequence = 5 WHERE sequence = 6"))
        conn.execute(text("UPDATE audit_entries SET sequence = 6 WHERE sequence = 1000"))
    assert _chain_break(engine) == (5, "reordered")
    assert await _entity_break(client, ids["agent"]) == (5, "reordered")
    await _chain_reported_broken(client)


async def test_deleting_the_newest_entries_is_detected(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    ids = await _seed(client)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE sequence >= 5"))
    assert _chain_break(engine) == (5, "truncated")
    assert await _entity_break(client, ids["skill"]) == (5, "truncated")
    await _chain_reported_broken(client)


def _recompute_without_the_key(engine: Engine, *, resign_head: bool) -> None:
    forger = AuditTrail(b"the attacker does not know the key")
    with engine.begin() as conn:
        rows = [
            tuple(r) for r in conn.execute(text("SELECT * FROM audit_entries ORDER BY sequence"))
        ]
        prev: str | None = None
        last_by_entity: dict[str, str] = {}
        for r in rows:
            row = (
                r[0],
                r[1],
                r[2],
                r[3],
                "mallory",
                r[5],
                r[6],
                prev,
                last_by_entity.get(r[2]),
                "",
            )
            digest = forger.entry_hash(row)  # type: ignore[arg-type]
            conn.execute(
                text(
                    "UPDATE audit_entries SET actor = 'mallory', previous_hash = :p,"
                    " entity_previous_hash = :e, entry_hash = :h WHERE sequence = :s"
                ),
                {"p": prev, "e": last_by_entity.get(r[2]), "h": digest, "s": r[0]},
            )
            prev = digest
            last_by_entity[r[2]] = digest
        if resign_head:
            conn.execute(
                text("UPDATE audit_head SET last_hash = :h, signature = :s"),
                {"h": prev, "s": forger.sign_head(len(rows), prev)},
            )


async def test_a_chain_recomputed_without_the_key_is_detected(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    ids = await _seed(client)
    _recompute_without_the_key(engine, resign_head=True)
    assert _chain_break(engine) == (1, "forged")
    _, kind = await _entity_break(client, ids["agent"])
    assert kind == "forged"
    await _chain_reported_broken(client)


async def test_recomputed_entries_under_the_old_head_are_detected(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    ids = await _seed(client)
    _recompute_without_the_key(engine, resign_head=False)
    assert _chain_break(engine) == (1, "forged")
    assert (await _entity_break(client, ids["role"]))[1] == "forged"
