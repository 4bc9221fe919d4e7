"""Storage records -> the contract's response models (the only place Plant maps them)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Row

from waooaw.generated.plant import models

from ...common.values import parse_ts
from ..storage.repo import AgentRecord, JobRoleRecord

__all__ = ["agent_model", "industry_model", "job_role_model", "skill_model"]


def _dt(value: str | None) -> Any:
    return None if value is None else parse_ts(value)


def industry_model(row: Row[Any]) -> models.IndustryResponse:
    return models.IndustryResponse.model_validate(
        {"id": row.id, "name": row.name, "slug": row.slug, "description": row.description}
    )


def skill_model(row: Row[Any]) -> models.SkillResponse:
    return models.SkillResponse.model_validate(
        {
            "id": row.id,
            "name": row.name,
            "category": row.category,
            "description": row.description,
            "status": row.status,
            "certified_at": _dt(row.certified_at),
            "certified_by": row.certified_by,
            "created_at": _dt(row.created_at),
            "updated_at": _dt(row.updated_at),
        }
    )


def job_role_model(record: JobRoleRecord) -> models.JobRoleResponse:
    r = record.row
    return models.JobRoleResponse.model_validate(
        {
            "id": r.id,
            "name": r.name,
            "description": r.description,
            "industry_id": r.industry_id,
            "required_skills": record.required_skills,
            "seniority": r.seniority,
            "status": r.status,
            "certified_at": _dt(r.certified_at),
            "certified_by": r.certified_by,
            "created_at": _dt(r.created_at),
            "updated_at": _dt(r.updated_at),
        }
    )


def agent_model(agent: AgentRecord) -> models.AgentResponse:
    """The response for an agent.

    Validated rather than built with ``model_construct``: pydantic-core checks and
    converts the whole tree (UUIDs, enums, nested models) in about half the time Python
    takes to build it unchecked (measured on the agent the benchmark seeds).
    """
    return models.AgentResponse.model_validate(
        {
            "id": agent.id,
            "name": agent.name,
            "description": agent.description,
            "industry_id": agent.industry_id,
            "job_role_id": agent.job_role_id,
            "skills": agent.skills,
            "governance_agent_id": agent.governance_agent_id,
            "specialties": agent.specialties,
            "price_per_month": agent.price_per_month,
            "trial_mode_sandbox_url": agent.trial_mode_sandbox_url,
            "team_id": agent.team_id,
            "status": agent.status,
            "constitutional_alignment": agent.alignment,
            "amendment_history": [
                {
                    "sequence": a.sequence,
                    "event": a.event,
                    "actor": a.actor,
                    "timestamp": parse_ts(a.timestamp),
                    "changes": a.changes,
                    "version_hash": a.version_hash,
                }
                for a in agent.amendments
            ],
            "version_hash": agent.version_hash,
            "created_at": parse_ts(agent.created_at),
            "updated_at": parse_ts(agent.updated_at),
        }
    )
