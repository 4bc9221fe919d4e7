"""The plan's admin workflow (PP-002 to PP-004) through PP's HTTP API, against a real Plant.

PP runs here as it does in production: ``waooaw serve pp`` under uvicorn on 127.0.0.1,
configured through the environment, in front of ``waooaw serve plant``; the test speaks HTTP
to PP only. Create skill -> certify -> create job role -> certify -> agent form -> create
agent -> view -> list -> assign team -> run audit -> export CSV, each step checked against
what Plant recorded.
"""

from __future__ import annotations

import csv
import io
import itertools
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.support.plant_server import PlantServer
from tests.support.pp_server import JWT_SECRET, PPServer, running_pp
from waooaw.services.common.auth import JwtSettings, mint_token
from waooaw.services.plant.seeded import INDUSTRY_MARKETING

JWT = JwtSettings(secret=JWT_SECRET, environment="test")
CSV_COLUMNS = [
    "record",
    "sequence",
    "timestamp",
    "entity_type",
    "entity_id",
    "event",
    "actor",
    "data",
    "entry_hash",
    "previous_hash",
    "entity_previous_hash",
    "signature",
]


def bearer(role: str, sub: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(JWT, subject=sub, roles=[role])}"}


GENESIS = bearer("genesis", "alice")
GOVERNOR = bearer("governor", "bob")
VIEWER = bearer("viewer", "carol")


@pytest.fixture(scope="module")
def pp_server(plant: PlantServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PPServer]:
    with running_pp(tmp_path_factory.mktemp("pp"), plant.base_url) as server:
        yield server
    assert "unhandled" not in server.log_text().lower(), server.log_text()


@pytest.fixture
def http(pp_server: PPServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=pp_server.base_url, timeout=30.0) as client:
        yield client


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.url}: {response.text}"
    return response.json()


def ids(page: dict[str, Any]) -> set[str]:
    return {item["id"] for item in page["items"]}


def test_admin_workflow(http: httpx.Client) -> None:
    tag = uuid.uuid4().hex[:8]

    # -- PP-002: Genesis workflow ---------------------------------------------------------
    skills = []
    for name in ("Email Copywriting", "A/B Testing"):
        body = {"name": f"{name} {tag}", "category": "creative", "description": f"{name}."}
        skill = ok(http.post("/api/v1/genesis/skills", json=body, headers=GENESIS), 201)
        assert skill["status"] == "pending_certification"
        assert skill["certified_by"] is None
        skills.append(skill)
    skill_ids = [s["id"] for s in skills]
    queue = ok(
        http.get("/api/v1/genesis/skills?status=pending_certification&limit=100", headers=VIEWER)
    )  # the certification queue
    assert set(skill_ids) <= ids(queue)
    assert all(s["status"] == "pending_certification" for s in queue["items"])

    for skill_id in skill_ids:
        certified = ok(
            http.post(
                f"/api/v1/genesis/skills/{skill_id}/certify",
                json={"notes": "Reviewed."},
                headers=GENESIS,
            )
        )
        assert certified["status"] == "certified"
        assert certified["certified_by"] == "alice"
    queue = ok(
        http.get("/api/v1/genesis/skills?status=pending_certification&limit=100", headers=VIEWER)
    )
    assert not set(skill_ids) & ids(queue)
    done = ok(http.get("/api/v1/genesis/skills?status=certified&limit=100", headers=VIEWER))
    assert set(skill_ids) <= ids(done)
    rejected = ok(http.get("/api/v1/genesis/skills?status=rejected&limit=100", headers=VIEWER))
    assert all(s["status"] == "rejected" for s in rejected["items"])
    assert not set(skill_ids) & ids(rejected)

    role_body = {
        "name": f"Content Writer {tag}",
        "description": "Plans and writes marketing emails.",
        "industry_id": INDUSTRY_MARKETING,
        "required_skills": skill_ids,
        "seniority": "mid",
    }
    role = ok(http.post("/api/v1/genesis/job-roles", json=role_body, headers=GENESIS), 201)
    assert role["status"] == "pending_certification"
    pending_roles = ok(
        http.get("/api/v1/genesis/job-roles?status=pending_certification", headers=VIEWER)
    )
    assert role["id"] in ids(pending_roles)
    role = ok(http.post(f"/api/v1/genesis/job-roles/{role['id']}/certify", headers=GENESIS))
    assert (role["status"], role["certified_by"]) == ("certified", "alice")
    assert ok(http.get(f"/api/v1/genesis/job-roles/{role['id']}", headers=GOVERNOR)) == role

    # -- PP-003: agent management -----------------------------------------------------------
    form = ok(http.get(f"/api/v1/agent-form?industry_id={INDUSTRY_MARKETING}", headers=GOVERNOR))
    assert INDUSTRY_MARKETING in {i["id"] for i in form["industries"]}
    assert role["id"] in {r["id"] for r in form["job_roles"]}
    assert {r["industry_id"] for r in form["job_roles"]} == {INDUSTRY_MARKETING}
    assert set(skill_ids) <= {s["id"] for s in form["skills"]}
    assert all(s["status"] == "certified" for s in form["skills"])
    assert [g["id"] for g in form["governance_agents"]] == ["genesis"]
    assert form["truncated"] is False

    agent_body = {
        "name": f"Email Marketing Agent {tag}",
        "description": "Plans, writes and tests email campaigns.",
        "industry_id": INDUSTRY_MARKETING,
        "job_role_id": role["id"],
        "skills": skill_ids,
        "governance_agent_id": form["governance_agents"][0]["id"],
        "specialties": ["newsletters"],
        "price_per_month": 12000,
        "trial_mode_sandbox_url": "https://sandbox.waooaw.com/agents/email",
    }
    agent = ok(http.post("/api/v1/agents", json=agent_body, headers=GOVERNOR), 201)
    viewed = ok(http.get(f"/api/v1/agents/{agent['id']}", headers=VIEWER))
    assert viewed == agent
    alignment = viewed["constitutional_alignment"]
    assert alignment["status"] == "compliant"
    assert [p["principle_id"] for p in alignment["principles"]] == [f"L0-0{i}" for i in range(1, 8)]
    assert all(p["passed"] for p in alignment["principles"])
    history = viewed["amendment_history"]
    assert [(a["sequence"], a["event"]) for a in history] == [(1, "created")]
    assert viewed["version_hash"] == history[-1]["version_hash"]

    # a second agent without a sandbox: created (L0-03 is advisory) but non-compliant
    loose_body = {k: v for k, v in agent_body.items() if k != "trial_mode_sandbox_url"}
    loose_body["name"] = f"Loose Agent {tag}"
    loose = ok(http.post("/api/v1/agents", json=loose_body, headers=GOVERNOR), 201)
    assert loose["constitutional_alignment"]["status"] == "non_compliant"

    table = ok(http.get(f"/api/v1/agents?job_role_id={role['id']}&limit=1", headers=VIEWER))
    assert len(table["items"]) == 1 and table["next_cursor"] is not None
    rest = ok(
        http.get(
            "/api/v1/agents",
            params={"job_role_id": role["id"], "limit": 1, "cursor": table["next_cursor"]},
            headers=VIEWER,
        )
    )
    rows = {r["id"]: r for r in table["items"] + rest["items"]}
    assert set(rows) == {agent["id"], loose["id"]}
    assert rest["next_cursor"] is None
    assert rows[agent["id"]]["alignment_status"] == "compliant"
    assert rows[loose["id"]]["alignment_status"] == "non_compliant"
    assert rows[agent["id"]]["name"] == agent_body["name"]
    retired = ok(
        http.get(f"/api/v1/agents?job_role_id={role['id']}&status=retired", headers=VIEWER)
    )
    assert retired["items"] == []

    team = str(uuid.uuid4())
    assigned = ok(
        http.post(
            f"/api/v1/agents/{agent['id']}/assign-team",
            json={"team_id": team, "role": "Campaign Writer"},
            headers=GOVERNOR,
        )
    )
    assert assigned["team_id"] == team
    last = assigned["amendment_history"][-1]
    assert (last["sequence"], last["event"], last["actor"]) == (2, "team_assigned", "bob")
    assert assigned["version_hash"] == last["version_hash"] != agent["version_hash"]

    # -- PP-004: audit dashboard ------------------------------------------------------------
    started = datetime.now(UTC)
    dashboard = ok(http.post("/api/v1/audit/run?violations_limit=5", headers=VIEWER))
    assert dashboard["chain"]["intact"] is True
    by_type = {t["entity_type"]: t for t in dashboard["by_entity_type"]}
    assert set(by_type) == {"agent", "skill", "job_role"}
    assert dashboard["entities_checked"] == sum(t["checked"] for t in by_type.values())
    assert dashboard["compliant_entities"] == sum(t["compliant"] for t in by_type.values())
    assert (
        dashboard["compliant_entities"] + dashboard["non_compliant_entities"]
        == dashboard["entities_checked"]
    )
    assert dashboard["non_compliant_entities"] >= 1  # the loose agent
    principles = {p["principle_id"]: p for p in dashboard["by_principle"]}
    assert list(principles) == [f"L0-0{i}" for i in range(1, 8)]
    l003 = principles["L0-03"]
    assert l003["failed"] >= 1 and l003["status"] in ("partial", "fail")
    assert l003["score"] == round(100 * l003["passed"] / (l003["passed"] + l003["failed"]), 2)
    assert principles["L0-01"]["status"] == "pass" and principles["L0-01"]["score"] == 100.0
    assert dashboard["violations_total"] == sum(p["failed"] for p in principles.values())
    assert len(dashboard["recent_violations"]) == min(5, dashboard["violations_total"])
    scoped = ok(
        http.post(
            "/api/v1/audit/run",
            json={"entity_type": "agent", "entity_id": loose["id"]},
            headers=VIEWER,
        )
    )
    assert scoped["entities_checked"] == 1 and scoped["non_compliant_entities"] == 1
    assert [(v["entity_id"], v["principle_id"]) for v in scoped["recent_violations"]] == [
        (loose["id"], "L0-03")
    ]

    export = http.get("/api/v1/audit/export", headers=VIEWER)
    assert export.status_code == 200, export.text
    assert export.headers["content-type"].startswith("text/csv")
    today = datetime.now(UTC).date().isoformat()
    assert export.headers["content-disposition"] == (
        f'attachment; filename="audit_report_{today}.csv"'
    )
    rows_read = list(csv.DictReader(io.StringIO(export.text)))
    assert list(rows_read[0]) == CSV_COLUMNS
    entries, head = rows_read[:-1], rows_read[-1]
    assert head["record"] == "head" and all(r["record"] == "entry" for r in entries)
    assert [int(r["sequence"]) for r in entries] == list(range(1, len(entries) + 1))
    assert int(head["sequence"]) == len(entries) == dashboard["chain"]["entries"]
    assert head["entry_hash"] == entries[-1]["entry_hash"]
    for earlier, later in itertools.pairwise(entries):
        assert later["previous_hash"] == earlier["entry_hash"]

    def events(entity_id: str) -> list[tuple[str, str]]:
        return [(r["event"], r["actor"]) for r in entries if r["entity_id"] == entity_id]

    for skill_id in skill_ids:
        assert events(skill_id) == [("created", "genesis"), ("certified", "alice")]
    assert events(role["id"]) == [("created", "genesis"), ("certified", "alice")]
    assert events(agent["id"]) == [("created", "genesis"), ("team_assigned", "bob")]
    assert events(loose["id"]) == [("created", "genesis")]

    # the filters reach Plant: only agent entries, only from before the audit runs
    agents_only = http.get(
        "/api/v1/audit/export",
        params={"entity_type": "agent", "until": started.isoformat()},
        headers=VIEWER,
    )
    filtered = list(csv.DictReader(io.StringIO(agents_only.text)))
    assert {r["entity_type"] for r in filtered[:-1]} == {"agent"}
    assert {agent["id"], loose["id"]} <= {r["entity_id"] for r in filtered}


def test_the_plan_validation_example_l0_01(http: httpx.Client) -> None:
    """The plan's example: no governance_agent_id is a constitutional problem (L0-01)."""
    response = http.post(
        "/api/v1/agents",
        json={
            "name": "Ungoverned",
            "industry_id": INDUSTRY_MARKETING,
            "job_role_id": str(uuid.uuid4()),
            "skills": [str(uuid.uuid4())],
        },
        headers=GOVERNOR,
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "https://waooaw.com/errors/constitutional-alignment"
    assert [(v["rule"], v["field"]) for v in problem["violations"]] == [
        ("L0-01", "body.governance_agent_id")
    ]


def test_served_contract_is_the_generated_one(http: httpx.Client) -> None:
    from importlib.resources import files

    served = http.get("/openapi.json")
    assert served.status_code == 200
    assert served.content == files("waooaw.generated.pp").joinpath("openapi.json").read_bytes()
    assert http.get("/docs").status_code == 200
