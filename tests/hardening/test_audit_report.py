"""The five attacks on the audit trail, made on a real Plant's SQLite file while it runs;
each time the audit run's report tells the truth: the trail's size, the first break's
sequence and kind, L0-05 failed and the score lowered for the entities the break leaves
unverified; and the tamper check of an entity whose entries were deleted says so.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

from tests.plant.test_audit_tampering import _recompute_without_the_key
from tests.support.plant_server import PlantServer, running_plant
from waooaw.services.common.db import sync_url
from waooaw.services.plant.seeded import INDUSTRY_MARKETING as INDUSTRY


@dataclass(frozen=True)
class Seeded:
    plant: PlantServer
    engine: Engine
    ids: dict[str, str]  # skill: entries 1-2, job role: 3-4, agent: 5-6


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Seeded]:
    with running_plant(tmp_path / "plant") as plant, httpx.Client(base_url=plant.base_url) as http:
        skill = http.post(
            "/api/v1/genesis/skills",
            json={"name": "Audit Skill", "category": "technical", "description": "A skill."},
        ).json()
        assert http.post(f"/api/v1/genesis/skills/{skill['id']}/certify").status_code == 200
        role = http.post(
            "/api/v1/genesis/job-roles",
            json={
                "name": "Writer",
                "description": "Writes.",
                "industry_id": INDUSTRY,
                "required_skills": [skill["id"]],
                "seniority": "mid",
            },
        ).json()
        assert http.post(f"/api/v1/genesis/job-roles/{role['id']}/certify").status_code == 200
        agent = http.post(
            "/api/v1/agents",
            json={
                "name": "Audited Agent",
                "industry_id": INDUSTRY,
                "job_role_id": role["id"],
                "skills": [skill["id"]],
                "governance_agent_id": "genesis",
                "trial_mode_sandbox_url": "https://sandbox.waooaw.com/agents/audited",
            },
        ).json()
        team = {"team_id": str(uuid.uuid4()), "role": "writer", "assigned_by": "alice"}
        assert http.post(f"/api/v1/agents/{agent['id']}/assign-team", json=team).is_success
        report = http.post("/api/v1/audit/run").json()
        assert report["overall_score"] == 100.0 and report["chain"]["entries"] == 6, report
        engine = create_engine(sync_url(plant.database_url))
        try:
            yield Seeded(
                plant, engine, {"skill": skill["id"], "role": role["id"], "agent": agent["id"]}
            )
        finally:
            engine.dispose()


def sql(*statements: str) -> Callable[[Seeded], None]:
    def attack(seeded: Seeded) -> None:
        with seeded.engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))

    return attack


def recompute(seeded: Seeded) -> None:
    _recompute_without_the_key(seeded.engine, resign_head=True)


ALL = ("skill", "role", "agent")
# attack -> (trail size after it, first break, kind, entities failing L0-05)
ATTACKS: dict[str, tuple[Callable[[Seeded], None], int, int, str, tuple[str, ...]]] = {
    "modification": (
        sql("UPDATE audit_entries SET actor = 'mallory' WHERE sequence = 5"),
        6,
        5,
        "modified",
        ("agent",),
    ),
    "deletion": (
        sql("DELETE FROM audit_entries WHERE sequence = 3"),
        5,
        3,
        "deleted",
        ("role", "agent"),
    ),
    "reordering": (
        sql(
            "UPDATE audit_entries SET sequence = 1000 WHERE sequence = 5",
            "UPDATE audit_entries SET sequence = 5 WHERE sequence = 6",
            "UPDATE audit_entries SET sequence = 6 WHERE sequence = 1000",
        ),
        6,
        5,
        "reordered",
        ("agent",),
    ),
    "tail truncation": (
        sql("DELETE FROM audit_entries WHERE sequence >= 5"),
        4,
        5,
        "truncated",
        ALL,
    ),
    "recomputed chain": (recompute, 6, 1, "forged", ALL),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_the_run_reports_each_attack(seeded: Seeded, attack: str) -> None:
    make, entries, sequence, kind, failing = ATTACKS[attack]
    make(seeded)
    with httpx.Client(base_url=seeded.plant.base_url) as http:
        response = http.post("/api/v1/audit/run")
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    chain = report["chain"]
    assert chain["intact"] is False
    assert chain["entries"] == entries
    assert (chain["first_broken_sequence"], chain["break_kind"]) == (sequence, kind)
    l0_05 = next(p for p in report["by_principle"] if p["principle_id"] == "L0-05")
    assert l0_05["failed"] == len(failing) and l0_05["status"] in ("fail", "partial")
    flagged = {v["entity_id"] for v in report["violations"] if v["principle_id"] == "L0-05"}
    assert flagged == {seeded.ids[name] for name in failing}
    assert report["overall_score"] == round(100.0 * (3 - len(failing)) / 3, 2)


def test_an_entity_whose_entries_were_deleted_is_not_reported_intact(seeded: Seeded) -> None:
    sql("DELETE FROM audit_entries WHERE sequence IN (3, 4)")(seeded)
    with httpx.Client(base_url=seeded.plant.base_url) as http:
        response = http.get(f"/api/v1/audit/tampering/{seeded.ids['role']}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["intact"] is False
    assert body["entries_checked"] == 0
    assert (body["first_broken_sequence"], body["break_kind"]) == (3, "deleted")
