"""The service kit (``waooaw/services/common``, ``waooaw/runtime/http.py``) and the rules of
the constitution that creation relies on, each tested where it is defined."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import create_engine, insert
from sqlalchemy.exc import IntegrityError

from waooaw.runtime.http import install_http
from waooaw.runtime.server import ProblemError, install_problem_handlers
from waooaw.services.common.db import sync_url, unique_violation
from waooaw.services.common.pagination import decode_cursor, decode_position, encode_cursor
from waooaw.services.common.values import canonical_json, parse_ts, ts
from waooaw.services.cp.config import CpSettings
from waooaw.services.plant.config import PlantSettings
from waooaw.services.plant.domain.constitution import (
    PRINCIPLES,
    AgentFacts,
    AtCreation,
    StoredFacts,
    decide_creation,
    evaluate,
    malformed_input,
)
from waooaw.services.plant.storage.tables import idempotency_keys, skills
from waooaw.services.pp.config import PPSettings

# -- unique_violation, on the real databases -------------------------------------------------


def _skill(name: str) -> dict[str, Any]:
    at = ts(datetime.now(UTC))
    return {
        "id": str(uuid.uuid4()),
        "name": name,
        "category": "technical",
        "description": "A skill.",
        "status": "pending_certification",
        "certified_at": None,
        "certified_by": None,
        "created_at": at,
        "updated_at": at,
    }


def _violation(conn: Any, statement: Any) -> IntegrityError:
    with pytest.raises(IntegrityError) as caught, conn.begin_nested():
        conn.execute(statement)
    return caught.value


def test_unique_violation_names_the_key_broken(database_url: str) -> None:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as conn:
            conn.execute(insert(skills).values(**_skill("Writing")))
            duplicate_name = _violation(conn, insert(skills).values(**_skill("Writing")))
            assert unique_violation(duplicate_name, skills, "name")
            assert not unique_violation(duplicate_name, skills, "id")
            assert not unique_violation(duplicate_name, idempotency_keys, "name")

            key = {"scope": "s", "key": "k", "request_hash": "h", "status_code": 0}
            row = {**key, "response_body": "", "created_at": ts(datetime.now(UTC))}
            conn.execute(insert(idempotency_keys).values(**row))
            duplicate_key = _violation(conn, insert(idempotency_keys).values(**row))
            assert unique_violation(duplicate_key, idempotency_keys, "scope", "key")
            assert not unique_violation(duplicate_key, idempotency_keys, "scope")

            missing = _violation(conn, insert(skills).values(**{**_skill("Other"), "name": None}))
            assert not unique_violation(missing, skills, "name")
    finally:
        engine.dispose()


# -- the cursor scheme ---------------------------------------------------------------------


def _payload(cursor: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))


def test_position_cursors_keep_their_shape() -> None:
    assert _payload(encode_cursor(17)) == {"after": 17}
    assert decode_position(encode_cursor(17)) == 17
    assert decode_position(None) == 0


def test_scoped_cursors_belong_to_their_query() -> None:
    cursor = encode_cursor([4.5, 9], scope="rating desc")
    assert decode_cursor(cursor, scope="rating desc", types=(float, int)) == [4.5, 9]
    with pytest.raises(ProblemError, match="another query"):
        decode_cursor(cursor, scope="name asc", types=(float, int))
    with pytest.raises(ProblemError, match="another query"):
        decode_position(cursor)  # a scoped cursor is not a plain position
    with pytest.raises(ProblemError, match="another query"):
        decode_cursor(encode_cursor(3), scope="rating desc", types=(int,))


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64!",
        base64.urlsafe_b64encode(b'{"after": true}').decode(),
        base64.urlsafe_b64encode(b'{"after": -1}').decode(),
        base64.urlsafe_b64encode(b"[1]").decode(),
    ],
)
def test_malformed_cursors_are_422(cursor: str) -> None:
    with pytest.raises(ProblemError) as caught:
        decode_position(cursor)
    assert caught.value.status == 422
    assert caught.value.violations == [
        {"rule": "validation", "field": "query.cursor", "message": "malformed cursor"}
    ]


def test_scoped_cursor_values_are_typed() -> None:
    cursor = encode_cursor([True], scope="q")
    with pytest.raises(ProblemError, match="malformed"):
        decode_cursor(cursor, scope="q", types=(int,))


# -- values ----------------------------------------------------------------------------------


def test_timestamps_round_trip_and_sort_as_text() -> None:
    moment = datetime(2026, 1, 16, 10, 0, 0, 5, tzinfo=UTC)
    assert ts(moment) == "2026-01-16T10:00:00.000005Z"
    assert parse_ts(ts(moment)) == moment and parse_ts(ts(moment)).tzinfo is not None
    assert sorted([ts(moment), ts(datetime(2025, 12, 31, tzinfo=UTC))])[0].startswith("2025")


def test_canonical_json_refuses_what_is_not_json() -> None:
    assert canonical_json({"b": 1, "a": ["é"]}) == '{"a":["é"],"b":1}'
    with pytest.raises(TypeError):
        canonical_json({"at": datetime.now(UTC)})


# -- one settings base -------------------------------------------------------------------------


@pytest.mark.parametrize("settings", [PlantSettings, CpSettings, PPSettings])
def test_every_service_refuses_a_wildcard_origin(
    settings: type[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, *")
    with pytest.raises(ValidationError, match="may not contain"):
        settings()


@pytest.mark.parametrize("settings", [PlantSettings, CpSettings])
def test_database_url_is_checked_alike(
    settings: type[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://db/x")
    with pytest.raises(ValidationError, match="DATABASE_URL 'mysql://db/x' is not usable"):
        settings()


@pytest.mark.parametrize("settings", [CpSettings, PPSettings])
@pytest.mark.parametrize("url", ["ftp://plant", "http://", "http://plant/?x=1"])
def test_plant_url_is_checked_alike(
    settings: type[Any], url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANT_API_URL", url)
    with pytest.raises(ValidationError, match="PLANT_API_URL"):
        settings()


@pytest.mark.parametrize("settings", [CpSettings, PPSettings])
def test_plant_url_loses_its_trailing_slash(
    settings: type[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANT_API_URL", " https://plant.example/v1/ ")
    assert settings().plant_api_url == "https://plant.example/v1"


# -- problem handlers: one registration, no catch-all to remove --------------------------------


def test_install_http_leaves_unhandled_errors_to_its_middleware() -> None:
    bare = FastAPI()
    install_problem_handlers(bare)
    assert Exception in bare.exception_handlers
    served = FastAPI()
    install_http(served, cors_origins=["https://app.example"])
    assert Exception not in served.exception_handlers
    assert ProblemError in served.exception_handlers


@pytest.mark.anyio
async def test_an_unhandled_error_is_a_problem_with_cors_and_correlation() -> None:
    app = FastAPI()
    install_http(app, cors_origins=["https://app.example"])

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/boom", headers={"Origin": "https://app.example"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["access-control-allow-origin"] == "https://app.example"
    assert response.json()["correlation_id"] == response.headers["x-correlation-id"]


# -- the constitution at creation ---------------------------------------------------------------


def _facts(**changes: Any) -> AgentFacts:
    values: dict[str, Any] = {
        "governance_agent_id": "genesis",
        "governor_exists": False,
        "job_role_certified": True,
        "job_role_industry_id": "i",
        "industry_id": "i",
        "required_skill_ids": frozenset({"s"}),
        "skill_ids": ("s",),
        "trial_mode_sandbox_url": "https://sandbox.example",
        **changes,
    }
    return AgentFacts(**values)


def test_by_construction_principles_are_not_evaluated_at_creation() -> None:
    built = {p.id for p in PRINCIPLES if p.at_creation is AtCreation.BY_CONSTRUCTION}
    assert built == {"L0-02", "L0-05", "L0-07"}
    for principle in PRINCIPLES:
        if principle.id in built:
            with pytest.raises(ValueError, match="by construction"):
                principle.check(_facts())
    decision = decide_creation(_facts())
    assert all(r.passed for r in decision.results) and not decision.violations
    with pytest.raises(ValueError):
        decide_creation(_facts(stored=StoredFacts(("created",), 1, True)))


def test_the_audit_evaluates_them_on_stored_agents() -> None:
    stored = StoredFacts(
        amendment_events=("team_assigned",), audit_entries=0, version_hash_ok=False
    )
    failed = {r.principle.id for r in evaluate(_facts(stored=stored)) if not r.passed}
    assert failed == {"L0-02", "L0-05", "L0-07"}


def test_one_evaluation_gives_violations_and_alignment() -> None:
    decision = decide_creation(
        _facts(governor_exists=False, governance_agent_id="x", trial_mode_sandbox_url=None)
    )
    assert [r.principle.id for r in decision.violations] == ["L0-01"]  # L0-03 is advisory
    recorded = decision.alignment("2026-01-01T00:00:00.000000Z")
    assert recorded["status"] == "non_compliant"
    assert [p["principle_id"] for p in recorded["principles"] if not p["passed"]] == [
        "L0-01",
        "L0-03",
    ]


def test_only_l0_01_owns_the_shape_of_its_field() -> None:
    fields = [p.input_field for p in PRINCIPLES if p.input_field is not None]
    assert [p.id for p in malformed_input(fields)] == ["L0-01"]
    assert malformed_input(["skills", "name"]) == []
