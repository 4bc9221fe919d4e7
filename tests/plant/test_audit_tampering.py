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
        "first_broken_sequence": None,
        "break_kind": None,
        "detail": None,
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


async def _run_reports(
    client: httpx.AsyncClient, *, entries: int, sequence: int, kind: str, failing: set[str]
) -> None:
    """The audit run's report names the break, counts the whole trail, and fails L0-05 (and
    so the score) for exactly the entities the break leaves unverified."""
    report = (await client.post("/api/v1/audit/run")).json()
    chain = report["chain"]
    assert chain["intact"] is False
    assert chain["entries"] == entries
    assert (chain["first_broken_sequence"], chain["break_kind"]) == (sequence, kind)
    assert chain["detail"]
    l0_05 = next(p for p in report["by_principle"] if p["principle_id"] == "L0-05")
    assert l0_05["failed"] == len(failing) and l0_05["status"] != "pass", l0_05
    flagged = {v["entity_id"] for v in report["violations"] if v["principle_id"] == "L0-05"}
    assert flagged == failing
    assert report["overall_score"] == round(100.0 * (3 - len(failing)) / 3, 2)


async def test_untouched_trail_is_intact(client: httpx.AsyncClient, engine: Engine) -> None:
    ids = await _seed(client)
    assert _chain_break(engine) is None
    for entity in ids.values():
        assert await _entity_break(client, entity) == (None, None)
    report = (await client.post("/api/v1/audit/run")).json()
    assert report["overall_score"] == 100.0
    assert report["chain"]["first_broken_sequence"] is None
    assert report["chain"]["break_kind"] is None


async def test_a_modified_field_is_detected(client: httpx.AsyncClient, engine: Engine) -> None:
    ids = await _seed(client)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET actor = 'mallory' WHERE sequence = 5"))
    assert _chain_break(engine) == (5, "modified")
    assert await _entity_break(client, ids["agent"]) == (5, "modified")
    await _run_reports(client, entries=6, sequence=5, kind="modified", failing={ids["agent"]})


async def test_modified_data_is_detected(client: httpx.AsyncClient, engine: Engine) -> None:
    ids = await _seed(client)
    with engine.begin() as conn:
        conn.execute(
            text('UPDATE audit_entries SET payload = \'{"status":"rejected"}\' WHERE sequence = 2')
        )
    assert _chain_break(engine) == (2, "modified")
    assert await _entity_break(client, ids["skill"]) == (2, "modified")
    await _run_reports(client, entries=6, sequence=2, kind="modified", failing=set(ids.values()))


async def test_a_deleted_entry_is_detected(client: httpx.AsyncClient, engine: Engine) -> None:
    ids = await _seed(client)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE sequence = 1"))
    assert _chain_break(engine) == (1, "deleted")
    assert await _entity_break(client, ids["skill"]) == (2, "deleted")
    await _run_reports(client, entries=5, sequence=1, kind="deleted", failing=set(ids.values()))


async def test_two_swapped_entries_are_detected(client: httpx.AsyncClient, engine: Engine) -> None:
    ids = await _seed(client)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET sequence = 1000 WHERE sequence = 5"))
        conn.execute(text("UPDATE audit_entries SET sequence = 5 WHERE sequence = 6"))
        conn.execute(text("UPDATE audit_entries SET sequence = 6 WHERE sequence = 1000"))
    assert _chain_break(engine) == (5, "reordered")
    assert await _entity_break(client, ids["agent"]) == (5, "reordered")
    await _run_reports(client, entries=6, sequence=5, kind="reordered", failing={ids["agent"]})


async def test_deleting_the_newest_entries_is_detected(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    ids = await _seed(client)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE sequence >= 5"))
    assert _chain_break(engine) == (5, "truncated")
    assert await _entity_break(client, ids["skill"]) == (5, "truncated")
    # whose entries the cut tail held cannot be told: no entity's trail is vouched for
    await _run_reports(client, entries=4, sequence=5, kind="truncated", failing=set(ids.values()))


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
    await _run_reports(client, entries=6, sequence=1, kind="forged", failing=set(ids.values()))


async def test_recomputed_entries_under_the_old_head_are_detected(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    ids = await _seed(client)
    _recompute_without_the_key(engine, resign_head=False)
    assert _chain_break(engine) == (1, "forged")
    assert (await _entity_break(client, ids["role"]))[1] == "forged"
    await _run_reports(client, entries=6, sequence=1, kind="forged", failing=set(ids.values()))


async def test_an_entity_whose_entries_were_all_deleted_is_reported_deleted(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    ids = await _seed(client)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE sequence IN (1, 2)"))
    body = (await client.get(f"/api/v1/audit/tampering/{ids['skill']}")).json()
    assert body["intact"] is False
    assert body["entries_checked"] == 0
    assert (body["first_broken_sequence"], body["break_kind"]) == (1, "deleted")
    assert ids["skill"] in body["detail"]
    # an id that never existed is still a 404
    missing = await client.get(f"/api/v1/audit/tampering/{uuid.uuid4()}")
    assert missing.status_code == 404
    await _run_reports(client, entries=4, sequence=1, kind="deleted", failing=set(ids.values()))
