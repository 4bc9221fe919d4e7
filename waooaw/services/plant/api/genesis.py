"""Genesis tag: industries, skills, job roles and their certification."""

from __future__ import annotations

import uuid
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from waooaw.generated.plant import models, server
from waooaw.runtime.server import ProblemError

from ...common.db import unique_violation
from ...common.errors import not_found
from ...common.idempotency import create_once
from ...common.pagination import decode_position, encode_cursor
from ...common.values import now_ts
from ..storage import repo
from ..storage.tables import idempotency_keys, industries, job_role_skills, job_roles, skills
from . import views
from .agents import CONSTITUTIONAL
from .context import PlantContext

__all__ = ["GenesisService"]


class GenesisService:
    def __init__(self, ctx: PlantContext) -> None:
        self.ctx = ctx

    # -- industries ------------------------------------------------------------------

    async def list_industries(
        self, *, cursor: str | None, limit: int, x_correlation_id: str | None
    ) -> server.ListIndustriesResult:
        async with self.ctx.db.read() as conn:
            rows, after = await repo.page(
                conn,
                select(industries),
                industries.c.seq,
                after=decode_position(cursor),
                limit=limit,
            )
        body = models.IndustryList(
            items=[views.industry_model(r) for r in rows],
            next_cursor=None if after is None else encode_cursor(after),
        )
        return server.ListIndustries200Response(body=body)

    # -- skills ------------------------------------------------------------------------

    async def list_skills(
        self,
        *,
        category: models.SkillCategory | None,
        cursor: str | None,
        limit: int,
        status: models.SkillStatus | None,
        x_correlation_id: str | None,
    ) -> server.ListSkillsResult:
        query = select(skills)
        if category is not None:
            query = query.where(skills.c.category == category.value)
        if status is not None:
            query = query.where(skills.c.status == status.value)
        async with self.ctx.db.read() as conn:
            rows, after = await repo.page(
                conn, query, skills.c.seq, after=decode_position(cursor), limit=limit
            )
        body = models.SkillList(
            items=[views.skill_model(r) for r in rows],
            next_cursor=None if after is None else encode_cursor(after),
        )
        return server.ListSkills200Response(body=body)

    async def create_skill(
        self, *, idempotency_key: str | None, x_correlation_id: str | None, body: models.SkillCreate
    ) -> server.CreateSkillResult:
        async def create(conn: AsyncConnection) -> models.SkillResponse:
            now = now_ts()
            skill_id = str(uuid.uuid4())
            values = {
                "id": skill_id,
                "name": body.name,
                "category": body.category.value,
                "description": body.description,
                "status": models.SkillStatus.PENDING_CERTIFICATION.value,
                "certified_at": None,
                "certified_by": None,
                "created_at": now,
                "updated_at": now,
            }
            try:
                async with conn.begin_nested():
                    await conn.execute(insert(skills).values(**values))
            except IntegrityError as exc:
                if unique_violation(exc, skills, "name"):
                    raise ProblemError(409, f"a skill named {body.name!r} already exists") from None
                raise
            await self.ctx.trail.append(
                conn,
                entity_type="skill",
                entity_id=skill_id,
                event="created",
                actor="genesis",
                data={k: v for k, v in values.items() if k not in ("created_at", "updated_at")},
                recorded_at=now,
            )
            row = (await conn.execute(select(skills).where(skills.c.id == skill_id))).one()
            return views.skill_model(row)

        created = await create_once(
            self.ctx.db,
            idempotency_keys,
            scope="createSkill",
            key=idempotency_key,
            body=body,
            model=models.SkillResponse,
            create=create,
        )
        return server.CreateSkill201Response(body=created)

    async def get_skill(
        self, *, skill_id: UUID, x_correlation_id: str | None
    ) -> server.GetSkillResult:
        async with self.ctx.db.read() as conn:
            row = (await conn.execute(select(skills).where(skills.c.id == str(skill_id)))).first()
        if row is None:
            raise not_found("skill", skill_id)
        return server.GetSkill200Response(body=views.skill_model(row))

    async def certify_skill(
        self,
        *,
        skill_id: UUID,
        x_correlation_id: str | None,
        body: models.CertificationRequest | None,
    ) -> server.CertifySkillResult:
        certifier = body.certified_by if body is not None and body.certified_by else "genesis"
        async with self.ctx.db.write() as conn:
            now = now_ts()
            changed = await conn.execute(
                update(skills)
                .where(skills.c.id == str(skill_id), skills.c.status == "pending_certification")
                .values(
                    status="certified", certified_at=now, certified_by=certifier, updated_at=now
                )
            )
            if changed.rowcount != 1:
                row = (
                    await conn.execute(select(skills.c.status).where(skills.c.id == str(skill_id)))
                ).first()
                if row is None:
                    raise not_found("skill", skill_id)
                raise ProblemError(
                    409, f"skill {skill_id} is {row.status}, not pending certification"
                )
            await self.ctx.trail.append(
                conn,
                entity_type="skill",
                entity_id=str(skill_id),
                event="certified",
                actor=certifier,
                data={"status": "certified", "notes": body.notes if body is not None else None},
                recorded_at=now,
            )
            row = (await conn.execute(select(skills).where(skills.c.id == str(skill_id)))).one()
        return server.CertifySkill200Response(body=views.skill_model(row))

    # -- job roles ------------------------------------------------------------------------

    async def list_job_roles(
        self,
        *,
        cursor: str | None,
        industry_id: UUID | None,
        limit: int,
        status: models.JobRoleStatus | None,
        x_correlation_id: str | None,
    ) -> server.ListJobRolesResult:
        query = select(job_roles)
        if industry_id is not None:
            query = query.where(job_roles.c.industry_id == str(industry_id))
        if status is not None:
            query = query.where(job_roles.c.status == status.value)
        async with self.ctx.db.read() as conn:
            rows, after = await repo.page(
                conn, query, job_roles.c.seq, after=decode_position(cursor), limit=limit
            )
            records = await repo.fetch_job_roles(conn, rows)
        body = models.JobRoleList(
            items=[views.job_role_model(r) for r in records],
            next_cursor=None if after is None else encode_cursor(after),
        )
        return server.ListJobRoles200Response(body=body)

    async def create_job_role(
        self,
        *,
        idempotency_key: str | None,
        x_correlation_id: str | None,
        body: models.JobRoleCreate,
    ) -> server.CreateJobRoleResult:
        async def create(conn: AsyncConnection) -> models.JobRoleResponse:
            industry = str(body.industry_id)
            if not await repo.existing_ids(conn, industries, [industry]):
                raise not_found("industry", industry)
            wanted = [str(s) for s in body.required_skills]
            found = await repo.existing_ids(conn, skills, wanted)
            missing = [s for s in wanted if s not in found]
            if missing:
                raise ProblemError(404, "skills do not exist: " + ", ".join(missing))
            now = now_ts()
            role_id = str(uuid.uuid4())
            values = {
                "id": role_id,
                "name": body.name,
                "description": body.description,
                "industry_id": industry,
                "seniority": body.seniority.value,
                "status": "pending_certification",
                "certified_at": None,
                "certified_by": None,
                "created_at": now,
                "updated_at": now,
            }
            await conn.execute(insert(job_roles).values(**values))
            await conn.execute(
                insert(job_role_skills),
                [
                    {"job_role_id": role_id, "skill_id": s, "position": i}
                    for i, s in enumerate(wanted)
                ],
            )
            await self.ctx.trail.append(
                conn,
                entity_type="job_role",
                entity_id=role_id,
                event="created",
                actor="genesis",
                data={
                    **{k: v for k, v in values.items() if k not in ("created_at", "updated_at")},
                    "required_skills": wanted,
                },
                recorded_at=now,
            )
            row = (await conn.execute(select(job_roles).where(job_roles.c.id == role_id))).one()
            return views.job_role_model((await repo.fetch_job_roles(conn, [row]))[0])

        created = await create_once(
            self.ctx.db,
            idempotency_keys,
            scope="createJobRole",
            key=idempotency_key,
            body=body,
            model=models.JobRoleResponse,
            create=create,
        )
        return server.CreateJobRole201Response(body=created)

    async def get_job_role(
        self, *, job_role_id: UUID, x_correlation_id: str | None
    ) -> server.GetJobRoleResult:
        async with self.ctx.db.read() as conn:
            row = (
                await conn.execute(select(job_roles).where(job_roles.c.id == str(job_role_id)))
            ).first()
            if row is None:
                raise not_found("job role", job_role_id)
            role = (await repo.fetch_job_roles(conn, [row]))[0]
        return server.GetJobRole200Response(body=views.job_role_model(role))

    async def certify_job_role(
        self,
        *,
        job_role_id: UUID,
        x_correlation_id: str | None,
        body: models.CertificationRequest | None,
    ) -> server.CertifyJobRoleResult:
        certifier = body.certified_by if body is not None and body.certified_by else "genesis"
        role = str(job_role_id)
        async with self.ctx.db.write() as conn:
            row = (
                await conn.execute(select(job_roles.c.status).where(job_roles.c.id == role))
            ).first()
            if row is None:
                raise not_found("job role", job_role_id)
            if row.status != "pending_certification":
                raise ProblemError(
                    409, f"job role {job_role_id} is {row.status}, not pending certification"
                )
            required = await repo.required_skills(conn, role)
            statuses = await repo.existing_ids(conn, skills, required)
            uncertified = [s for s in required if statuses[s].status != "certified"]
            if uncertified:
                raise ProblemError(
                    422,
                    "a job role can be certified only when all its skills are certified",
                    type=CONSTITUTIONAL,
                    title="Constitutional Alignment Error",
                    violations=[
                        {
                            "rule": "L0-04",
                            "field": "required_skills",
                            "message": f"skill {s} is not certified",
                        }
                        for s in uncertified
                    ],
                )
            now = now_ts()
            changed = await conn.execute(
                update(job_roles)
                .where(job_roles.c.id == role, job_roles.c.status == "pending_certification")
                .values(
                    status="certified", certified_at=now, certified_by=certifier, updated_at=now
                )
            )
            if changed.rowcount != 1:
                raise ProblemError(
                    409, f"job role {job_role_id} is no longer pending certification"
                )
            await self.ctx.trail.append(
                conn,
                entity_type="job_role",
                entity_id=role,
                event="certified",
                actor=certifier,
                data={"status": "certified", "notes": body.notes if body is not None else None},
                recorded_at=now,
            )
            result = (await conn.execute(select(job_roles).where(job_roles.c.id == role))).one()
            record = (await repo.fetch_job_roles(conn, [result]))[0]
        return server.CertifyJobRole200Response(body=views.job_role_model(record))
