"""Populate a running Plant through its HTTP API with the generated client.

``seed_catalogue(client)`` creates and certifies skills and a job role, then agents on top of
them, the way an administrator would, and returns what it made; with ``pending=True`` it also
leaves a skill and a job role requiring it uncertified. Tests, benchmarks and the ``verify``
targets of Plant and the services over it use it; nothing is written to Plant's database
directly.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from waooaw.generated.plant import models
from waooaw.generated.plant.client import AsyncPlantClient, PlantClient

from .seeded import GENESIS, INDUSTRY_MARKETING

__all__ = ["Catalogue", "agent_create", "agent_json", "seed_catalogue", "seed_catalogue_async"]


@dataclass(frozen=True)
class Catalogue:
    skills: list[models.SkillResponse]  # certified
    job_role: models.JobRoleResponse  # certified, requires `skills`
    agents: list[models.AgentResponse]
    #: with ``pending=True``: an uncertified skill, and an uncertified job role requiring it
    pending_skill: models.SkillResponse | None = None
    pending_job_role: models.JobRoleResponse | None = None


def _skill(name: str, description: str) -> models.SkillCreate:
    return models.SkillCreate(
        name=name, category=models.SkillCategory.TECHNICAL, description=description
    )


def _job_role(skill_ids: list[uuid.UUID], name: str) -> models.JobRoleCreate:
    return models.JobRoleCreate.model_validate(
        {
            "name": name,
            "description": "Writes content.",
            "industry_id": INDUSTRY_MARKETING,
            "required_skills": [str(s) for s in skill_ids],
            "seniority": "mid",
        }
    )


def agent_create(
    role: models.JobRoleResponse, skill_ids: list[uuid.UUID], i: int = 0, **overrides: object
) -> models.AgentCreate:
    """A body Plant accepts: every L0 principle holds."""
    values: dict[str, object] = {
        "name": f"Email Marketing Agent {i}",
        "description": "Writes and tests email campaigns.",
        "industry_id": str(role.industry_id),
        "job_role_id": str(role.id),
        "skills": [str(s) for s in skill_ids],
        "governance_agent_id": GENESIS,
        "specialties": ["B2B SaaS", "Email"],
        "price_per_month": 12000 + 100 * i,
        "trial_mode_sandbox_url": f"https://sandbox.waooaw.com/agents/email-{i}",
        **overrides,
    }
    return models.AgentCreate.model_validate(values)


def agent_json(body: models.AgentCreate) -> dict[str, Any]:
    """``body`` as the JSON a client sends."""
    sent: dict[str, Any] = body.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return sent


def seed_catalogue(
    client: PlantClient, *, agents: int = 1, skills: int = 2, pending: bool = False
) -> Catalogue:
    """Certified skills, a certified job role and ``agents`` agents, through the API."""
    tag = uuid.uuid4().hex[:8]
    made = [
        client.create_skill(body=_skill(f"Skill {tag} {i}", f"Seeded skill {i}."))
        for i in range(skills)
    ]
    certified = [client.certify_skill(skill_id=s.id) for s in made]
    ids = [s.id for s in certified]
    role = client.create_job_role(body=_job_role(ids, f"Content Writer {tag}"))
    role = client.certify_job_role(job_role_id=role.id)
    created = [client.create_agent(body=agent_create(role, ids, i)) for i in range(agents)]
    if not pending:
        return Catalogue(certified, role, created)
    waiting = client.create_skill(body=_skill(f"Pending {tag}", "Waits for certification."))
    waiting_role = client.create_job_role(body=_job_role([waiting.id], f"Pending role {tag}"))
    return Catalogue(certified, role, created, waiting, waiting_role)


async def seed_catalogue_async(
    client: AsyncPlantClient, *, agents: int = 1, skills: int = 2, pending: bool = False
) -> Catalogue:
    """:func:`seed_catalogue` with the async client."""
    tag = uuid.uuid4().hex[:8]
    made = [
        await client.create_skill(body=_skill(f"Skill {tag} {i}", f"Seeded skill {i}."))
        for i in range(skills)
    ]
    certified = [await client.certify_skill(skill_id=s.id) for s in made]
    ids = [s.id for s in certified]
    role = await client.create_job_role(body=_job_role(ids, f"Content Writer {tag}"))
    role = await client.certify_job_role(job_role_id=role.id)
    created = [await client.create_agent(body=agent_create(role, ids, i)) for i in range(agents)]
    if not pending:
        return Catalogue(certified, role, created)
    waiting = await client.create_skill(body=_skill(f"Pending {tag}", "Waits for certification."))
    waiting_role = await client.create_job_role(body=_job_role([waiting.id], f"Pending role {tag}"))
    return Catalogue(certified, role, created, waiting, waiting_role)
