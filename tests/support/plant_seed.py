"""Populate a running Plant through its HTTP API with the generated client.

``seed_catalogue(client)`` creates and certifies skills and a job role and then agents on top
of them, the way an administrator would, and returns what it made. Services built over Plant
(PP, CP) use it in their tests and benchmarks; nothing is written to Plant's database directly.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from waooaw.generated.plant import models
from waooaw.generated.plant.client import AsyncPlantClient, PlantClient

__all__ = [
    "GOVERNOR_ID",
    "INDUSTRY_MARKETING",
    "INDUSTRY_SALES",
    "Catalogue",
    "agent_create",
    "seed_catalogue",
    "seed_catalogue_async",
]

# seeded by Plant's first migration
INDUSTRY_MARKETING = uuid.UUID("1d0f5c2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f")
INDUSTRY_SALES = uuid.UUID("3f2b7e40-5c6d-4e7f-a081-9c0d1e2f3041")
GOVERNOR_ID = "genesis"


@dataclass(frozen=True)
class Catalogue:
    skills: list[models.SkillResponse]
    job_role: models.JobRoleResponse
    agents: list[models.AgentResponse]


def _skill(i: int, tag: str) -> models.SkillCreate:
    return models.SkillCreate(
        name=f"Skill {tag} {i}",
        category=models.SkillCategory.TECHNICAL,
        description=f"Seeded skill {i}.",
    )


def _job_role(skill_ids: list[uuid.UUID], tag: str) -> models.JobRoleCreate:
    return models.JobRoleCreate.model_validate(
        {
            "name": f"Content Writer {tag}",
            "description": "Writes content.",
            "industry_id": str(INDUSTRY_MARKETING),
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
        "governance_agent_id": GOVERNOR_ID,
        "specialties": ["B2B SaaS", "Email"],
        "price_per_month": 12000 + 100 * i,
        "trial_mode_sandbox_url": f"https://sandbox.waooaw.com/agents/email-{i}",
        **overrides,
    }
    return models.AgentCreate.model_validate(values)


def seed_catalogue(client: PlantClient, *, agents: int = 1, skills: int = 2) -> Catalogue:
    """Certified skills, a certified job role and ``agents`` agents, through the API."""
    tag = uuid.uuid4().hex[:8]
    made = [client.create_skill(body=_skill(i, tag)) for i in range(skills)]
    certified = [client.certify_skill(skill_id=s.id) for s in made]
    ids = [s.id for s in certified]
    role = client.create_job_role(body=_job_role(ids, tag))
    role = client.certify_job_role(job_role_id=role.id)
    created = [client.create_agent(body=agent_create(role, ids, i)) for i in range(agents)]
    return Catalogue(certified, role, created)


async def seed_catalogue_async(
    client: AsyncPlantClient, *, agents: int = 1, skills: int = 2
) -> Catalogue:
    """:func:`seed_catalogue` with the async client."""
    tag = uuid.uuid4().hex[:8]
    made = [await client.create_skill(body=_skill(i, tag)) for i in range(skills)]
    certified = [await client.certify_skill(skill_id=s.id) for s in made]
    ids = [s.id for s in certified]
    role = await client.create_job_role(body=_job_role(ids, tag))
    role = await client.certify_job_role(job_role_id=role.id)
    created = [await client.create_agent(body=agent_create(role, ids, i)) for i in range(agents)]
    return Catalogue(certified, role, created)
