"""The Plant API end to end, in process, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from waooaw.services.plant.seeded import GOVERNOR_MARKETING as GOVERNOR
from waooaw.services.plant.seeded import INDUSTRY_MARKETING, INDUSTRY_SALES
from waooaw.services.plant.storage.tables import idempotency_keys

from .conftest import agent_body, make_job_role, make_skill

pytestmark = pytest.mark.anyio
CONSTITUTIONAL = "https://waooaw.com/errors/constitutional-alignment"


async def test_genesis_to_agent_to_audit_flow(client: httpx.AsyncClient) -> None:
    copy = await make_skill(client, "Email Copywriting", certify=False)
    assert copy["status"] == "pending_certification" and copy["certified_at"] is None
    certified = await client.post(
        f"/api/v1/genesis/skills/{copy['id']}/certify", json={"certified_by": "genesis"}
    )
    assert certified.status_code == 200
    assert (
        certified.json()["status"] == "certified" and certified.json()["certified_by"] == "genesis"
    )
    ab = await make_skill(client, "A/B Testing")
    role = await make_job_role(client, [copy["id"], ab["id"]])
    assert role["status"] == "certified" and role["required_skills"] == [copy["id"], ab["id"]]

    created = await client.post("/api/v1/agents", json=agent_body(role, [copy["id"], ab["id"]]))
    assert created.status_code == 201, created.text
    agent = created.json()
    assert agent["status"] == "active"
    assert agent["constitutional_alignment"]["status"] == "compliant"
    assert [p["principle_id"] for p in agent["constitutional_alignment"]["principles"]] == [
        f"L0-0{i}" for i in range(1, 8)
    ]
    history = agent["amendment_history"]
    assert [h["event"] for h in history] == ["created"] and history[0]["version_hash"] == agent[
        "version_hash"
    ]

    fetched = await client.get(f"/api/v1/agents/{agent['id']}")
    assert fetched.json() == agent

    team = str(uuid.uuid4())
    assigned = await client.post(
        f"/api/v1/agents/{agent['id']}/assign-team",
        json={"team_id": team, "role": "writer", "assigned_by": "alice"},
    )
    assert assigned.status_code == 200, assigned.text
    after = assigned.json()
    assert after["team_id"] == team
    assert [h["event"] for h in after["amendment_history"]] == ["created", "team_assigned"]
    assert after["version_hash"] != agent["version_hash"]
    assert after["amendment_history"][1]["changes"]["team_id"] == {"from": None, "to": team}
    again = await client.post(
        f"/api/v1/agents/{agent['id']}/assign-team",
        json={"team_id": team, "role": "writer", "assigned_by": "alice"},
    )
    assert again.status_code == 409

    report = (await client.post("/api/v1/audit/run")).json()
    assert report["overall_score"] == 100.0
    assert report["chain"]["intact"] is True
    # 2 skills x (create, certify) + role (create, certify) + agent (create, team)
    assert report["chain"]["entries"] == 8
    by_type = {t["entity_type"]: t for t in report["by_entity_type"]}
    assert by_type["agent"]["checked"] == 1 and by_type["skill"]["checked"] == 2
    assert {p["principle_id"]: p["status"] for p in report["by_principle"]}["L0-01"] == "pass"

    tamper = (await client.get(f"/api/v1/audit/tampering/{agent['id']}")).json()
    assert tamper["intact"] is True and tamper["entries_checked"] == 2


async def test_certifying_twice_is_a_conflict(client: httpx.AsyncClient) -> None:
    skill = await make_skill(client)
    second = await client.post(f"/api/v1/genesis/skills/{skill['id']}/certify")
    assert second.status_code == 409
    assert second.headers["content-type"] == "application/problem+json"
    assert second.json()["status"] == 409


async def test_duplicate_skill_name_is_a_conflict(client: httpx.AsyncClient) -> None:
    await make_skill(client, "Python 3.11")
    response = await client.post(
        "/api/v1/genesis/skills",
        json={"name": "Python 3.11", "category": "technical", "description": "x"},
    )
    assert response.status_code == 409


async def test_job_role_needs_existing_skills_and_certified_skills(
    client: httpx.AsyncClient,
) -> None:
    missing = str(uuid.uuid4())
    response = await client.post(
        "/api/v1/genesis/job-roles",
        json={
            "name": "Writer",
            "description": "d",
            "industry_id": INDUSTRY_MARKETING,
            "required_skills": [missing],
            "seniority": "mid",
        },
    )
    assert response.status_code == 404 and missing in response.json()["detail"]
    pending = await make_skill(client, certify=False)
    role = await make_job_role(client, [pending["id"]], certify=False)
    refused = await client.post(f"/api/v1/genesis/job-roles/{role['id']}/certify")
    assert refused.status_code == 422
    body = refused.json()
    assert body["type"] == CONSTITUTIONAL
    assert body["violations"][0]["rule"] == "L0-04"


async def test_agent_references_must_exist(client: httpx.AsyncClient) -> None:
    skill = await make_skill(client)
    role = await make_job_role(client, [skill["id"]])
    ghost = str(uuid.uuid4())
    response = await client.post("/api/v1/agents", json=agent_body(role, [skill["id"], ghost]))
    assert response.status_code == 404
    assert ghost in response.json()["detail"]
    response = await client.post(
        "/api/v1/agents", json=agent_body(role, [skill["id"]], job_role_id=ghost)
    )
    assert response.status_code == 404


async def test_constitutional_violations_one_per_broken_principle(
    client: httpx.AsyncClient,
) -> None:
    good = await make_skill(client)
    pending = await make_skill(client, certify=False)
    role = await make_job_role(client, [good["id"]])
    body = agent_body(
        role,
        [good["id"], pending["id"]],
        governance_agent_id=str(uuid.uuid4()),  # unknown governor: L0-01
        industry_id=INDUSTRY_SALES,  # not the role's industry: L0-06
    )
    response = await client.post("/api/v1/agents", json=body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == CONSTITUTIONAL
    assert problem["title"] == "Constitutional Alignment Error"
    assert [v["rule"] for v in problem["violations"]] == ["L0-01", "L0-04", "L0-06"]
    assert {v["field"] for v in problem["violations"]} == {
        "body.governance_agent_id",
        "body.skills",
        "body.industry_id",
    }
    assert problem["correlation_id"] == response.headers["x-correlation-id"]
    listed = (await client.get("/api/v1/agents")).json()
    assert listed["items"] == [], "a rejected agent must not be stored"


async def test_missing_governor_is_an_l0_01_problem(client: httpx.AsyncClient) -> None:
    skill = await make_skill(client)
    role = await make_job_role(client, [skill["id"]])
    body = agent_body(role, [skill["id"]])
    del body["governance_agent_id"]
    response = await client.post("/api/v1/agents", json=body)
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == CONSTITUTIONAL
    assert problem["violations"][0]["rule"] == "L0-01"


async def test_governor_by_uuid_is_accepted_and_l0_03_is_advisory(
    client: httpx.AsyncClient,
) -> None:
    skill = await make_skill(client)
    role = await make_job_role(client, [skill["id"]])
    body = agent_body(role, [skill["id"]], governance_agent_id=GOVERNOR)
    del body["trial_mode_sandbox_url"]
    response = await client.post("/api/v1/agents", json=body)
    assert response.status_code == 201, response.text
    alignment = response.json()["constitutional_alignment"]
    assert alignment["status"] == "non_compliant"
    failing = [p["principle_id"] for p in alignment["principles"] if not p["passed"]]
    assert failing == ["L0-03"]
    report = (await client.post("/api/v1/audit/run", json={"entity_type": "agent"})).json()
    assert [v["principle_id"] for v in report["violations"]] == ["L0-03"]
    assert {p["principle_id"]: p["status"] for p in report["by_principle"]}["L0-03"] == "fail"
    assert report["overall_score"] == 0.0


async def test_list_filters_and_cursor_pagination(client: httpx.AsyncClient) -> None:
    skill = await make_skill(client)
    role = await make_job_role(client, [skill["id"]])
    ids = []
    for i in range(5):
        response = await client.post(
            "/api/v1/agents", json=agent_body(role, [skill["id"]], name=f"Agent {i}")
        )
        ids.append(response.json()["id"])
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, "job_role_id": role["id"]}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/api/v1/agents", params=params)).json()
        seen.extend(a["id"] for a in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids
    assert (await client.get("/api/v1/agents", params={"industry_id": INDUSTRY_SALES})).json()[
        "items"
    ] == []
    assert (
        len((await client.get("/api/v1/agents", params={"status": "active"})).json()["items"]) == 5
    )
    bad = await client.get("/api/v1/agents", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422 and bad.json()["violations"][0]["field"] == "query.cursor"
    pending = (
        await client.get("/api/v1/genesis/skills", params={"status": "pending_certification"})
    ).json()
    assert pending["items"] == []
    industries = (await client.get("/api/v1/genesis/industries")).json()["items"]
    assert {i["slug"] for i in industries} == {"marketing", "education", "sales"}


async def test_idempotency_key_replays_and_refuses_a_different_body(
    client: httpx.AsyncClient, plant_app: FastAPI
) -> None:
    body = {"name": "Analytics", "category": "analytical", "description": "Reads numbers."}
    first = await client.post(
        "/api/v1/genesis/skills", json=body, headers={"Idempotency-Key": "key-1"}
    )
    replay = await client.post(
        "/api/v1/genesis/skills", json=body, headers={"Idempotency-Key": "key-1"}
    )
    assert first.status_code == replay.status_code == 201
    assert first.json() == replay.json()
    assert len((await client.get("/api/v1/genesis/skills")).json()["items"]) == 1

    different = await client.post(
        "/api/v1/genesis/skills",
        json={**body, "name": "Other"},
        headers={"Idempotency-Key": "key-1"},
    )
    assert different.status_code == 422
    assert different.json()["type"].endswith("idempotency-key-reuse")

    # the same key on another operation is a different key (keys are scoped)
    role_skill = await make_skill(client)
    other_scope = await client.post(
        "/api/v1/genesis/job-roles",
        json={
            "name": "R",
            "description": "d",
            "industry_id": INDUSTRY_MARKETING,
            "required_skills": [role_skill["id"]],
            "seniority": "mid",
        },
        headers={"Idempotency-Key": "key-1"},
    )
    assert other_scope.status_code == 201

    # after 24 hours a key may be used afresh
    db = plant_app.state.context.db
    async with db.write() as conn:
        await conn.execute(
            update(idempotency_keys).values(created_at="2000-01-01T00:00:00.000000Z")
        )
    fresh = await client.post(
        "/api/v1/genesis/skills",
        json={**body, "name": "Other"},
        headers={"Idempotency-Key": "key-1"},
    )
    assert fresh.status_code == 201 and fresh.json()["id"] != first.json()["id"]


async def test_export_csv_and_jsonl_end_with_the_signed_head(client: httpx.AsyncClient) -> None:
    skill = await make_skill(client)
    await make_job_role(client, [skill["id"]])
    response = await client.get("/api/v1/audit/export")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="audit_export_')
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["record"] for r in rows] == ["entry"] * 4 + ["head"]
    assert [int(r["sequence"]) for r in rows[:-1]] == [1, 2, 3, 4]
    assert rows[1]["previous_hash"] == rows[0]["entry_hash"]
    assert rows[-1]["sequence"] == "4" and rows[-1]["entry_hash"] == rows[3]["entry_hash"]
    assert len(rows[-1]["signature"]) == 64
    assert json.loads(rows[0]["data"])["name"] == skill["name"]

    lines = (
        await client.get(
            "/api/v1/audit/export", params={"format": "jsonl", "entity_type": "job_role"}
        )
    ).text
    records = [json.loads(line) for line in lines.splitlines()]
    assert [r["record"] for r in records] == ["entry", "entry", "head"]
    assert {r["entity_type"] for r in records[:-1]} == {"job_role"}
    assert records[-1]["entries"] == 4

    since = rows[2]["timestamp"]
    window = (
        await client.get("/api/v1/audit/export", params={"format": "jsonl", "since": since})
    ).text
    assert [json.loads(line).get("sequence") for line in window.splitlines()][:-1] == [3, 4]

    bad = await client.get(
        "/api/v1/audit/export",
        params={"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
    )
    assert bad.status_code == 422
    # equal bounds: the half-open range [since, since) is empty, not an error
    empty = await client.get(
        "/api/v1/audit/export", params={"format": "jsonl", "since": since, "until": since}
    )
    assert empty.status_code == 200, empty.text
    assert [json.loads(line)["record"] for line in empty.text.splitlines()] == ["head"]


async def test_unknown_entities_are_404(client: httpx.AsyncClient) -> None:
    ghost = str(uuid.uuid4())
    for url in (
        f"/api/v1/agents/{ghost}",
        f"/api/v1/genesis/skills/{ghost}",
        f"/api/v1/genesis/job-roles/{ghost}",
        f"/api/v1/audit/tampering/{ghost}",
    ):
        response = await client.get(url)
        assert response.status_code == 404, url
        assert response.json()["status"] == 404
    assert (await client.post(f"/api/v1/genesis/skills/{ghost}/certify")).status_code == 404
    assert (await client.post("/api/v1/audit/run", json={"entity_id": ghost})).status_code == 404
