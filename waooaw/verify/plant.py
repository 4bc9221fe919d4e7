"""The ``plant`` target: Plant in process on a fresh database, or a running Plant.

Before a run, a certified skill, job role and agent (and pending ones) are created through
the API (``seed``), and half the generated ids are theirs (``Expectations.known_values``),
so GET-by-id, certify, assign-team and the audit operations reach real entities as well as
the 404 paths. Against a running Plant (``--url``) the same entities are created there.

Plant's expectations beyond its contract:

* ``DECLARED_422`` - operations whose contract declares a 422 for schema-valid input (L0
  rules, opaque cursors, ``until`` after ``since``, a reused Idempotency-Key).
* ``WORKFLOW_LINKS`` - the links the contract lacks, so that stateful runs go from a
  certified skill to a job role to an agent.
* ``KNOWN_FAILURES`` - open bugs dropped from runs (none at present).
* no NUL in schema-valid strings: PostgreSQL cannot store it, so Plant answers such input
  with a 422 problem (tested in ``tests/plant/test_errors_and_cors.py``).
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from .checks import Declared422
from .expectations import Expectations, KnownFailure, Link
from .targets import Served, TargetError, TargetOptions, target

if TYPE_CHECKING:
    from waooaw.services.plant import PlantSettings

__all__ = [
    "DECLARED_422",
    "EXPECTATIONS",
    "GOVERNOR",
    "INDUSTRY_MARKETING",
    "INDUSTRY_SALES",
    "KNOWN_FAILURES",
    "PLANT_CONTRACT",
    "WORKFLOW_END",
    "WORKFLOW_LINKS",
    "WORKFLOW_OPERATIONS",
    "Seeded",
    "plant",
    "seed",
    "seed_app",
]

#: the contract Plant serves as /openapi.json (bundled by `waooaw gen`)
PLANT_CONTRACT = Path(str(files("waooaw.generated.plant").joinpath("openapi.json")))
# rows the first migration creates
INDUSTRY_MARKETING = "1d0f5c2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
INDUSTRY_SALES = "3f2b7e40-5c6d-4e7f-a081-9c0d1e2f3041"
GOVERNOR = "7c9e6679-7425-40de-944b-e07fc1f90ae7"

CONSTITUTIONAL = "https://waooaw.com/errors/constitutional-alignment"
_KEY_REUSE = "an Idempotency-Key reused with another body is a 422 (idempotency-key-reuse)"
_CURSOR = Declared422(
    "cursors are opaque: one this service did not issue is a 422 (shared Cursor parameter)",
    violation_fields=frozenset({"query.cursor"}),
)
#: operationId -> the 422 that schema-valid input may get there
DECLARED_422: dict[str, Declared422] = {
    "createAgent": Declared422(
        "L0-01/L0-04/L0-06 are checked on schema-valid bodies (constitutional problem); "
        + _KEY_REUSE,
        problem_types=frozenset({CONSTITUTIONAL, "idempotency-key-reuse"}),
    ),
    "createSkill": Declared422(_KEY_REUSE, problem_types=frozenset({"idempotency-key-reuse"})),
    "createJobRole": Declared422(_KEY_REUSE, problem_types=frozenset({"idempotency-key-reuse"})),
    "certifyJobRole": Declared422(
        "L0-04: a job role is certified only once all its skills are (constitutional problem)",
        problem_types=frozenset({CONSTITUTIONAL}),
    ),
    "listIndustries": _CURSOR,
    "listSkills": _CURSOR,
    "listJobRoles": _CURSOR,
    "listAgents": _CURSOR,
    "exportAudit": Declared422(
        "`until` must not be earlier than `since`", violation_fields=frozenset({"query.until"})
    ),
}

#: Links the contract lacks, which stop at certification: nothing links a certified skill
#: to a new job role, or a certified job role to a new agent.
WORKFLOW_LINKS = (
    Link(
        "/api/v1/genesis/skills/{skill_id}/certify",
        "post",
        "200",
        "CreateJobRoleRequiringIt",
        {
            "operationId": "createJobRole",
            "requestBody": {
                "name": "Linked role",
                "description": "Requires the certified skill.",
                "industry_id": INDUSTRY_MARKETING,
                "required_skills": ["$response.body#/id"],
                "seniority": "mid",
            },
            "x-schemathesis": {"merge_body": False},
        },
    ),
    Link(
        "/api/v1/genesis/job-roles/{job_role_id}/certify",
        "post",
        "200",
        "CreateAgentForIt",
        {
            "operationId": "createAgent",
            "requestBody": {
                "name": "Linked agent",
                "industry_id": "$response.body#/industry_id",
                "job_role_id": "$response.body#/id",
                "skills": "$response.body#/required_skills",
                "governance_agent_id": "genesis",
            },
            "x-schemathesis": {"merge_body": False},
        },
    ),
)
#: The workflow's operations: create skill -> certify -> create job role -> certify ->
#: create agent -> get agent.
WORKFLOW_OPERATIONS = frozenset(
    {"createSkill", "certifySkill", "createJobRole", "certifyJobRole", "createAgent", "getAgent"}
)
#: What a stateful run of the workflow reaches: an agent created, then read by its link.
WORKFLOW_END = frozenset({("POST /api/v1/agents", 201), ("GET /api/v1/agents/{agent_id}", 200)})

#: name -> open bug dropped from runs; each has a strict-xfail reproduction in
#: tests/plant/test_contract_schemathesis.py
KNOWN_FAILURES: dict[str, KnownFailure] = {}

EXPECTATIONS = Expectations(
    declared_422=DECLARED_422,
    links=WORKFLOW_LINKS,
    known_failures=KNOWN_FAILURES,
    allow_nul=False,
)


@dataclass(frozen=True, slots=True)
class Seeded:
    """Entities created before a run, so that generated ids can name real ones."""

    skill: str  # certified
    pending_skill: str
    job_role: str  # certified, requires `skill`
    pending_job_role: str  # requires `pending_skill`
    agent: str
    agent_body: dict[str, Any]  # what created `agent`

    def known_values(self) -> dict[str, tuple[str, ...]]:
        skills = (self.skill, self.pending_skill)
        roles = (self.job_role, self.pending_job_role)
        entities = (*skills, *roles, self.agent)
        industries = (INDUSTRY_MARKETING, INDUSTRY_SALES)
        governors = ("genesis", GOVERNOR)
        return {
            "path.skill_id": skills,
            "path.job_role_id": roles,
            "path.agent_id": (self.agent,),
            "path.entity_id": entities,
            "query.industry_id": industries,
            "query.job_role_id": roles,
            "body.industry_id": industries,
            "body.job_role_id": roles,
            "body.governance_agent_id": governors,
            "body.entity_id": entities,
        }


async def _created(http: httpx.AsyncClient, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
    response = await http.post(path, json=body)
    if response.status_code != 201:
        raise TargetError(
            f"seeding Plant: POST {path} answered {response.status_code}: {response.text}"
        )
    created: dict[str, Any] = response.json()
    return created


async def _certified(http: httpx.AsyncClient, path: str) -> dict[str, Any]:
    response = await http.post(path)
    if response.status_code != 200:
        raise TargetError(
            f"seeding Plant: POST {path} answered {response.status_code}: {response.text}"
        )
    certified: dict[str, Any] = response.json()
    return certified


async def seed(http: httpx.AsyncClient) -> Seeded:
    """Create the entities a run's generated ids are partly drawn from."""
    tag = secrets.token_hex(4)
    skills = "/api/v1/genesis/skills"
    roles = "/api/v1/genesis/job-roles"
    skill = await _created(
        http, skills, {"name": f"Skill {tag}", "category": "technical", "description": "A skill."}
    )
    skill = await _certified(http, f"{skills}/{skill['id']}/certify")
    pending_skill = await _created(
        http, skills, {"name": f"Pending {tag}", "category": "technical", "description": "A skill."}
    )
    role_body = {
        "name": "Content Writer",
        "description": "Writes content.",
        "industry_id": INDUSTRY_MARKETING,
        "seniority": "mid",
    }
    role = await _created(http, roles, {**role_body, "required_skills": [skill["id"]]})
    role = await _certified(http, f"{roles}/{role['id']}/certify")
    pending_role = await _created(
        http, roles, {**role_body, "required_skills": [pending_skill["id"]]}
    )
    body = {
        "name": "Email Marketing Agent",
        "description": "Writes and tests email campaigns.",
        "industry_id": role["industry_id"],
        "job_role_id": role["id"],
        "skills": [skill["id"]],
        "governance_agent_id": "genesis",
        "specialties": ["B2B SaaS"],
        "price_per_month": 12000,
        "trial_mode_sandbox_url": "https://sandbox.waooaw.com/agents/email",
    }
    agent = await _created(http, "/api/v1/agents", body)
    return Seeded(
        skill=skill["id"],
        pending_skill=pending_skill["id"],
        job_role=role["id"],
        pending_job_role=pending_role["id"],
        agent=agent["id"],
        agent_body=body,
    )


def seed_app(settings: PlantSettings, headers: Mapping[str, str] | None = None) -> Seeded:
    """Seed Plant's (migrated) database through an app of its own, on an event loop of its own.

    The app under test then runs on schemathesis' loop; engines must not cross loops.
    """
    from waooaw.services.plant import create_app

    async def run() -> Seeded:
        app = create_app(settings)
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(
                transport=transport, base_url="http://plant", headers=dict(headers or {})
            ) as http:
                return await seed(http)
        finally:
            await app.state.context.db.dispose()

    return asyncio.run(run())


def _seed_url(url: str, headers: Mapping[str, str]) -> Seeded:
    async def run() -> Seeded:
        async with httpx.AsyncClient(base_url=url, headers=dict(headers), timeout=30) as http:
            return await seed(http)

    try:
        return asyncio.run(run())
    except httpx.TransportError as exc:
        raise TargetError(
            f"Plant at {url} did not answer ({exc}); start it with `waooaw serve plant`"
        ) from None


@target("plant", description="Plant in process on a temporary SQLite database (or --url)")
@contextmanager
def plant(options: TargetOptions) -> Iterator[Served]:
    if options.url is not None:
        url = options.url.rstrip("/")
        seeded = _seed_url(url, options.headers)
        yield Served(
            name="plant",
            contract=PLANT_CONTRACT,
            base_url=url,
            expectations=EXPECTATIONS.with_known_values(seeded.known_values()),
        )
        return

    from schemathesis.python import asgi

    from waooaw.services.common.db import run_migrations
    from waooaw.services.plant import PlantSettings, create_app
    from waooaw.services.plant.api.context import MIGRATIONS

    with tempfile.TemporaryDirectory(prefix="waooaw-verify-") as folder:
        database_url = options.database_url or f"sqlite:///{Path(folder) / 'plant.db'}"
        run_migrations(MIGRATIONS, database_url)
        # one audit key for the seeding app and the app under test: one hash chain
        settings = PlantSettings.model_validate(
            {
                "environment": "test",
                "database_url": database_url,
                "audit_key": secrets.token_hex(16),
            }
        )
        seeded = seed_app(settings, options.headers)
        app = create_app(settings)
        try:
            yield Served(
                name="plant",
                contract=PLANT_CONTRACT,
                app=app,
                expectations=EXPECTATIONS.with_known_values(seeded.known_values()),
            )
        finally:
            # the app's lifespan (started by schemathesis on its event loop) disposes its
            # engines there, before the database folder goes
            asgi.shutdown_lifespans()
