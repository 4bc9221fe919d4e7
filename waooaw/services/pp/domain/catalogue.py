"""Plant's catalogue and agents as PP shows them.

PP speaks of certification as ``pending`` / ``certified`` / ``rejected``; Plant's contract
says ``pending_certification`` for the first. Everything else keeps Plant's shape, and is
validated again against PP's contract on the way out.
"""

from __future__ import annotations

from typing import Any

from waooaw.generated.plant import models as plant
from waooaw.generated.pp import models as pp

__all__ = [
    "agent",
    "agent_summary",
    "industry",
    "job_role",
    "plant_status",
    "pp_status",
    "skill",
]

_TO_PLANT = {
    pp.CertificationStatus.PENDING: "pending_certification",
    pp.CertificationStatus.CERTIFIED: "certified",
    pp.CertificationStatus.REJECTED: "rejected",
}
_FROM_PLANT = {value: key for key, value in _TO_PLANT.items()}


def plant_status(status: pp.CertificationStatus) -> str:
    """The Plant status value PP's ``status`` filter stands for."""
    return _TO_PLANT[status]


def pp_status(status: str) -> pp.CertificationStatus:
    """PP's name for a Plant certification status."""
    return _FROM_PLANT[str(status)]


def _with_status(entity: plant.SkillResponse | plant.JobRoleResponse) -> dict[str, Any]:
    data = entity.model_dump()
    data["status"] = pp_status(entity.status)
    return data


def skill(entity: plant.SkillResponse) -> pp.Skill:
    return pp.Skill.model_validate(_with_status(entity))


def job_role(entity: plant.JobRoleResponse) -> pp.JobRole:
    return pp.JobRole.model_validate(_with_status(entity))


def industry(entity: plant.IndustryResponse) -> pp.Industry:
    return pp.Industry.model_validate(entity.model_dump())


def agent(entity: plant.AgentResponse) -> pp.Agent:
    return pp.Agent.model_validate(entity.model_dump())


def agent_summary(entity: plant.AgentResponse) -> pp.AgentSummary:
    return pp.AgentSummary(
        id=entity.id,
        name=entity.name,
        industry_id=entity.industry_id,
        job_role_id=entity.job_role_id,
        status=pp.AgentStatus(entity.status.value),
        governance_agent_id=entity.governance_agent_id,
        team_id=entity.team_id,
        alignment_status=pp.AlignmentStatus(entity.constitutional_alignment.status.value),
        created_at=entity.created_at,
    )
