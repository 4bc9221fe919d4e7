"""Genesis tag: the certification workflow for skills and job roles, carried out by Plant."""

from __future__ import annotations

from uuid import UUID

from waooaw.generated.plant import models as plant
from waooaw.generated.pp import models, server
from waooaw.runtime.security import Principal

from ..domain import catalogue
from .context import PPContext, actor, scoped_key

__all__ = ["GenesisService"]


def _certification(
    principal: Principal, body: models.CertificationRequest | None
) -> plant.CertificationRequest:
    values: dict[str, str] = {"certified_by": actor(principal)}
    if body is not None and body.notes is not None:
        values["notes"] = body.notes
    return plant.CertificationRequest.model_validate(values)


class GenesisService:
    def __init__(self, ctx: PPContext) -> None:
        self.plant = ctx.plant

    async def list_industries(
        self, *, cursor: str | None, limit: int, x_correlation_id: str | None, principal: Principal
    ) -> server.ListIndustriesResult:
        page = await self.plant.list_industries(cursor=cursor, limit=limit)
        body = models.IndustryList(
            items=[catalogue.industry(i) for i in page.items], next_cursor=page.next_cursor
        )
        return server.ListIndustries200Response(body=body)

    # -- skills ------------------------------------------------------------------------------

    async def list_skills(
        self,
        *,
        category: models.SkillCategory | None,
        cursor: str | None,
        limit: int,
        status: models.CertificationStatus | None,
        x_correlation_id: str | None,
        principal: Principal,
    ) -> server.ListSkillsResult:
        page = await self.plant.list_skills(
            category=None if category is None else plant.SkillCategory(category.value),
            cursor=cursor,
            limit=limit,
            status=None if status is None else plant.SkillStatus(status.value),
        )
        body = models.SkillList(
            items=[catalogue.skill(s) for s in page.items], next_cursor=page.next_cursor
        )
        return server.ListSkills200Response(body=body)

    async def create_skill(
        self,
        *,
        idempotency_key: str | None,
        x_correlation_id: str | None,
        principal: Principal,
        body: models.SkillCreate,
    ) -> server.CreateSkillResult:
        created = await self.plant.create_skill(
            body=plant.SkillCreate.model_validate(body.model_dump(mode="json")),
            idempotency_key=scoped_key(principal, idempotency_key),
        )
        return server.CreateSkill201Response(body=catalogue.skill(created))

    async def get_skill(
        self, *, skill_id: UUID, x_correlation_id: str | None, principal: Principal
    ) -> server.GetSkillResult:
        found = await self.plant.get_skill(skill_id=skill_id)
        return server.GetSkill200Response(body=catalogue.skill(found))

    async def certify_skill(
        self,
        *,
        skill_id: UUID,
        x_correlation_id: str | None,
        principal: Principal,
        body: models.CertificationRequest | None,
    ) -> server.CertifySkillResult:
        certified = await self.plant.certify_skill(
            skill_id=skill_id, body=_certification(principal, body)
        )
        return server.CertifySkill200Response(body=catalogue.skill(certified))

    # -- job roles ----------------------------------------------------------------------------

    async def list_job_roles(
        self,
        *,
        cursor: str | None,
        industry_id: UUID | None,
        limit: int,
        status: models.CertificationStatus | None,
        x_correlation_id: str | None,
        principal: Principal,
    ) -> server.ListJobRolesResult:
        page = await self.plant.list_job_roles(
            cursor=cursor,
            industry_id=industry_id,
            limit=limit,
            status=None if status is None else plant.JobRoleStatus(status.value),
        )
        body = models.JobRoleList(
            items=[catalogue.job_role(r) for r in page.items], next_cursor=page.next_cursor
        )
        return server.ListJobRoles200Response(body=body)

    async def create_job_role(
        self,
        *,
        idempotency_key: str | None,
        x_correlation_id: str | None,
        principal: Principal,
        body: models.JobRoleCreate,
    ) -> server.CreateJobRoleResult:
        created = await self.plant.create_job_role(
            body=plant.JobRoleCreate.model_validate(body.model_dump(mode="json")),
            idempotency_key=scoped_key(principal, idempotency_key),
        )
        return server.CreateJobRole201Response(body=catalogue.job_role(created))

    async def get_job_role(
        self, *, job_role_id: UUID, x_correlation_id: str | None, principal: Principal
    ) -> server.GetJobRoleResult:
        found = await self.plant.get_job_role(job_role_id=job_role_id)
        return server.GetJobRole200Response(body=catalogue.job_role(found))

    async def certify_job_role(
        self,
        *,
        job_role_id: UUID,
        x_correlation_id: str | None,
        principal: Principal,
        body: models.CertificationRequest | None,
    ) -> server.CertifyJobRoleResult:
        certified = await self.plant.certify_job_role(
            job_role_id=job_role_id, body=_certification(principal, body)
        )
        return server.CertifyJobRole200Response(body=catalogue.job_role(certified))
