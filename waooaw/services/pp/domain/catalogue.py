"""Plant's catalogue and agents as PP shows them.

Everything keeps Plant's shape and names (certification is ``pending_certification`` /
``certified`` / ``rejected`` on both sides), and is validated again against PP's contract
on the way out.
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
    "skill",
]


def _with_status(entity: plant.SkillResponse | plant.JobRoleResponse) -> dict[str, Any]:
    data = entity.model_dump()
    data["status"] = pp.CertificationStatus(entity.status.value)
    return data


def skill(entity: plant.SkillResponse) -> pp.Skill:
    return pp.Skill.model_validate(_with_status(entity))


def job_role(entity: plant.JobRoleResponse) -> pp.JobRole:
    return pp.JobRole.model_validate(_with_status(entity))


# Same shape on both sides: read straight from Plant's model, which is about three times
# faster than dumping it to a dict first.


def industry(entity: plant.IndustryResponse) -> pp.Industry:
    return pp.Industry.model_validate(entity, from_attributes=True)


def agent(entity: plant.AgentResponse) -> pp.Agent:
    return pp.Agent.model_validate(entity, from_attributes=True)


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
