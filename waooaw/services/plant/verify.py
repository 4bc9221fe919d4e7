"""The ``plant`` target of ``waooaw verify``: Plant in process on a fresh database, or a
running Plant. ``waooaw.verify.targets`` imports this module when the target is first asked for.

Before a run, a certified skill, job role and agent (and pending ones) are created through
the API (``waooaw.services.plant.seeding``), and half the generated ids are theirs
(``Expectations.known_values``), so GET-by-id, certify, assign-team and the audit operations
reach real entities as well as the 404 paths. Against a running Plant (``--url``) the same
entities are created there.

Plant's expectations beyond its contract:

* ``DECLARED_422`` - operations whose contract declares a 422 for schema-valid input (L0
  rules, opaque cursors, ``until`` after ``since``, a reused Idempotency-Key).
* ``WORKFLOW_LINKS`` - the links the contract lacks, so that stateful runs go from a
  certified skill to a job role to an agent.
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

from waooaw.generated.plant.client import AsyncPlantClient, PlantAPIError, PlantTransportError
from waooaw.verify import (
    Declared422,
    Expectations,
    Link,
    Served,
    TargetError,
    TargetOptions,
    target,
)

from .seeded import GENESIS, GOVERNOR_MARKETING, INDUSTRY_MARKETING, INDUSTRY_SALES
from .seeding import Catalogue, agent_create, agent_json, seed_catalogue_async

if TYPE_CHECKING:
    from .config import PlantSettings

__all__ = [
    "DECLARED_422",
    "EXPECTATIONS",
    "PLANT_CONTRACT",
    "WORKFLOW_END",
    "WORKFLOW_LINKS",
    "WORKFLOW_OPERATIONS",
    "Seeded",
    "plant",
    "seed",
    "seed_app",
    "seed_url",
]

#: the contract Plant serves as /openapi.json (bundled by `waooaw gen`)
PLANT_CONTRACT = Path(str(files("waooaw.generated.plant").joinpath("openapi.json")))

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

EXPECTATIONS = Expectations(declared_422=DECLARED_422, links=WORKFLOW_LINKS, allow_nul=False)


@dataclass(frozen=True, slots=True)
class Seeded:
    """Entities created before a run, so that generated ids can name real ones."""

    skill: str  # certified
    pending_skill: str
    job_role: str  # certified, requires `skill`
    pending_job_role: str  # requires `pending_skill`
    agent: str
    agent_body: dict[str, Any]  # what created `agent`

    @classmethod
    def of(cls, catalogue: Catalogue) -> Seeded:
        if catalogue.pending_skill is None or catalogue.pending_job_role is None:
            raise ValueError("seed the catalogue with pending=True")
        skill_ids = [s.id for s in catalogue.skills]
        return cls(
            skill=str(skill_ids[0]),
            pending_skill=str(catalogue.pending_skill.id),
            job_role=str(catalogue.job_role.id),
            pending_job_role=str(catalogue.pending_job_role.id),
            agent=str(catalogue.agents[0].id),
            agent_body=agent_json(agent_create(catalogue.job_role, skill_ids, 0)),
        )

    def known_values(self) -> dict[str, tuple[str, ...]]:
        skills = (self.skill, self.pending_skill)
        roles = (self.job_role, self.pending_job_role)
        entities = (*skills, *roles, self.agent)
        industries = (INDUSTRY_MARKETING, INDUSTRY_SALES)
        governors = (GENESIS, GOVERNOR_MARKETING)
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


async def seed(client: AsyncPlantClient) -> Seeded:
    """Create the entities a run's generated ids are partly drawn from."""
    try:
        catalogue = await seed_catalogue_async(client, agents=1, skills=1, pending=True)
    except PlantTransportError:
        raise
    except PlantAPIError as exc:
        raise TargetError(f"seeding Plant at {client.base_url}: {exc}") from None
    return Seeded.of(catalogue)


def seed_app(settings: PlantSettings, headers: Mapping[str, str] | None = None) -> Seeded:
    """Seed Plant's (migrated) database through an app of its own, on an event loop of its own.

    The app under test then runs on schemathesis' loop; engines must not cross loops.
    """
    from . import create_app

    async def run() -> Seeded:
        app = create_app(settings)
        transport = httpx.ASGITransport(app=app)
        try:
            async with AsyncPlantClient(
                "http://plant", transport=transport, headers=headers
            ) as client:
                return await seed(client)
        finally:
            await app.state.context.db.dispose()

    return asyncio.run(run())


def seed_url(url: str, headers: Mapping[str, str] | None = None) -> Seeded:
    """Seed the Plant running at ``url``."""

    async def run() -> Seeded:
        async with AsyncPlantClient(url, timeout=30, headers=headers) as client:
            return await seed(client)

    try:
        return asyncio.run(run())
    except PlantTransportError as exc:
        raise TargetError(
            f"Plant at {url} did not answer ({exc}); start it with `waooaw serve plant`"
        ) from None


@target("plant", description="Plant in process on a temporary SQLite database (or --url)")
@contextmanager
def plant(options: TargetOptions) -> Iterator[Served]:
    if options.url is not None:
        url = options.url.rstrip("/")
        seeded = seed_url(url, options.headers)
        yield Served(
            name="plant",
            contract=PLANT_CONTRACT,
            base_url=url,
            expectations=EXPECTATIONS.with_known_values(seeded.known_values()),
        )
        return

    from schemathesis.python import asgi

    from ..common.db import run_migrations
    from . import PlantSettings, create_app
    from .api.context import MIGRATIONS

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
