"""Agents tag: creation under the constitution, listing, team assignment."""

from __future__ import annotations

import json
import uuid
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from waooaw.generated.plant import models, server
from waooaw.runtime.server import ProblemError

from ...common.pagination import decode_cursor, encode_cursor
from ..domain.canonical import canonical_json, now_ts
from ..domain.constitution import AgentFacts, evaluate, violations_at_creation
from ..storage import repo
from ..storage.tables import agent_skills, agents, amendments, industries, job_roles, skills
from .context import PlantContext, not_found

__all__ = ["CONSTITUTIONAL", "AgentsService", "alignment"]

CONSTITUTIONAL = "https://waooaw.com/errors/constitutional-alignment"


def alignment(facts: AgentFacts, checked_at: str) -> dict[str, Any]:
    results = evaluate(facts)
    return {
        "status": "compliant" if all(r.passed for r in results) else "non_compliant",
        "checked_at": checked_at,
        "principles": [
            {
                "principle_id": r.principle.id,
                "title": r.principle.title,
                "passed": r.passed,
                "detail": r.detail,
            }
            for r in results
        ],
    }


class AgentsService:
    def __init__(self, ctx: PlantContext) -> None:
        self.ctx = ctx

    async def list_agents(
        self,
        *,
        cursor: str | None,
        industry_id: UUID | None,
        job_role_id: UUID | None,
        limit: int,
        status: models.AgentStatus | None,
        x_correlation_id: str | None,
    ) -> server.ListAgentsResult:
        query = select(agents)
        if industry_id is not None:
            query = query.where(agents.c.industry_id == str(industry_id))
        if job_role_id is not None:
            query = query.where(agents.c.job_role_id == str(job_role_id))
        if status is not None:
            query = query.where(agents.c.status == status.value)
        async with self.ctx.db.read() as conn:
            rows, after = await repo.page(
                conn, query, agents.c.seq, after=decode_cursor(cursor), limit=limit
            )
            items = await repo.fetch_agents(conn, rows)
        body = models.AgentList(
            items=items, next_cursor=None if after is None else encode_cursor(after)
        )
        return server.ListAgents200Response(body=body)

    async def get_agent(
        self, *, agent_id: UUID, x_correlation_id: str | None
    ) -> server.GetAgentResult:
        async with self.ctx.db.read() as conn:
            row = (await conn.execute(select(agents).where(agents.c.id == str(agent_id)))).first()
            if row is None:
                raise not_found("agent", agent_id)
            agent = (await repo.fetch_agents(conn, [row]))[0]
        return server.GetAgent200Response(body=agent)

    async def create_agent(
        self, *, idempotency_key: str | None, x_correlation_id: str | None, body: models.AgentCreate
    ) -> server.CreateAgentResult:
        async def create(conn: AsyncConnection) -> models.AgentResponse:
            return await self._create(conn, body)

        created = await self.ctx.create_once(
            scope="createAgent",
            key=idempotency_key,
            body=body,
            model=models.AgentResponse,
            create=create,
        )
        return server.CreateAgent201Response(body=created)

    async def _facts(self, conn: AsyncConnection, body: models.AgentCreate) -> AgentFacts:
        industry = str(body.industry_id)
        role_id = str(body.job_role_id)
        skill_ids = [str(s) for s in body.skills]
        missing: list[str] = []
        if not await repo.existing_ids(conn, industries, [industry]):
            missing.append(f"industry {industry}")
        role = (await repo.existing_ids(conn, job_roles, [role_id])).get(role_id)
        if role is None:
            missing.append(f"job role {role_id}")
        found = await repo.existing_ids(conn, skills, skill_ids)
        missing.extend(f"skill {s}" for s in skill_ids if s not in found)
        if missing:
            raise ProblemError(404, "referenced entities do not exist: " + ", ".join(missing))
        assert role is not None
        governor = body.governance_agent_id
        return AgentFacts(
            governance_agent_id=governor,
            governor_exists=governor != "genesis"
            and await repo.governor_exists(conn, governor.lower()),
            industry_exists=True,
            job_role_exists=True,
            job_role_certified=role.status == "certified",
            job_role_industry_id=role.industry_id,
            industry_id=industry,
            required_skill_ids=frozenset(await repo.required_skills(conn, role_id)),
            skill_ids=tuple(skill_ids),
            uncertified_skill_ids=frozenset(s for s in skill_ids if found[s].status != "certified"),
            trial_mode_sandbox_url=body.trial_mode_sandbox_url,
        )

    async def _create(
        self, conn: AsyncConnection, body: models.AgentCreate
    ) -> models.AgentResponse:
        facts = await self._facts(conn, body)
        broken = violations_at_creation(facts)
        if broken:
            raise ProblemError(
                422,
                "; ".join(f"{r.principle.id} {r.principle.title}: {r.detail}" for r in broken),
                type=CONSTITUTIONAL,
                title="Constitutional Alignment Error",
                violations=[
                    {
                        "rule": r.principle.id,
                        "field": None
                        if r.principle.input_field is None
                        else f"body.{r.principle.input_field}",
                        "message": r.detail or r.principle.title,
                    }
                    for r in broken
                ],
            )
        now = now_ts()
        agent_id = str(uuid.uuid4())
        governor = (
            body.governance_agent_id.lower() if body.governance_agent_id != "genesis" else "genesis"
        )
        specialties = list(body.specialties or [])
        content = repo.agent_content(
            agent_id=agent_id,
            name=body.name,
            description=body.description,
            industry_id=str(body.industry_id),
            job_role_id=str(body.job_role_id),
            skills=list(facts.skill_ids),
            governance_agent_id=governor,
            specialties=specialties,
            price_per_month=body.price_per_month,
            trial_mode_sandbox_url=body.trial_mode_sandbox_url,
            team_id=None,
            status="active",
        )
        digest = repo.version_hash(content)
        await conn.execute(
            insert(agents).values(
                id=agent_id,
                name=body.name,
                description=body.description,
                industry_id=content["industry_id"],
                job_role_id=content["job_role_id"],
                governance_agent_id=governor,
                specialties=canonical_json(specialties),
                price_per_month=body.price_per_month,
                trial_mode_sandbox_url=body.trial_mode_sandbox_url,
                team_id=None,
                status="active",
                alignment=canonical_json(alignment(facts, now)),
                version_hash=digest,
                created_at=now,
                updated_at=now,
            )
        )
        await conn.execute(
            insert(agent_skills),
            [
                {"agent_id": agent_id, "skill_id": s, "position": i}
                for i, s in enumerate(facts.skill_ids)
            ],
        )
        await conn.execute(
            insert(amendments).values(
                agent_id=agent_id,
                sequence=1,
                event="created",
                actor=governor,
                timestamp=now,
                changes=canonical_json({"created": content}),
                version_hash=digest,
            )
        )
        await self.ctx.trail.append(
            conn,
            entity_type="agent",
            entity_id=agent_id,
            event="created",
            actor=governor,
            data={"content": content, "version_hash": digest},
            recorded_at=now,
        )
        row = (await conn.execute(select(agents).where(agents.c.id == agent_id))).one()
        return (await repo.fetch_agents(conn, [row]))[0]

    async def assign_agent_team(
        self, *, agent_id: UUID, x_correlation_id: str | None, body: models.TeamAssignment
    ) -> server.AssignAgentTeamResult:
        target = str(agent_id)
        team = str(body.team_id)
        async with self.ctx.db.write() as conn:
            row = (await conn.execute(select(agents).where(agents.c.id == target))).first()
            if row is None:
                raise not_found("agent", agent_id)
            if row.status != "active":
                raise ProblemError(
                    409, f"agent {agent_id} is {row.status}; only active agents join teams"
                )
            if row.team_id == team:
                raise ProblemError(409, f"agent {agent_id} is already in team {team}")
            skill_ids = (await repo.agent_skill_ids(conn, [target]))[target]
            content = repo.agent_content(
                agent_id=target,
                name=row.name,
                description=row.description,
                industry_id=row.industry_id,
                job_role_id=row.job_role_id,
                skills=skill_ids,
                governance_agent_id=row.governance_agent_id,
                specialties=json.loads(row.specialties),
                price_per_month=row.price_per_month,
                trial_mode_sandbox_url=row.trial_mode_sandbox_url,
                team_id=team,
                status=row.status,
            )
            digest = repo.version_hash(content)
            now = now_ts()
            changed = await conn.execute(
                update(agents)
                .where(agents.c.id == target, agents.c.version_hash == row.version_hash)
                .values(team_id=team, version_hash=digest, updated_at=now)
            )
            if changed.rowcount != 1:
                raise ProblemError(409, f"agent {agent_id} changed concurrently; retry")
            last = (
                await conn.execute(
                    select(amendments.c.sequence)
                    .where(amendments.c.agent_id == target)
                    .order_by(amendments.c.sequence.desc())
                    .limit(1)
                )
            ).scalar() or 0
            changes = {"team_id": {"from": row.team_id, "to": team}, "role": body.role}
            await conn.execute(
                insert(amendments).values(
                    agent_id=target,
                    sequence=last + 1,
                    event="team_assigned",
                    actor=body.assigned_by,
                    timestamp=now,
                    changes=canonical_json(changes),
                    version_hash=digest,
                )
            )
            await self.ctx.trail.append(
                conn,
                entity_type="agent",
                entity_id=target,
                event="team_assigned",
                actor=body.assigned_by,
                data={"changes": changes, "version_hash": digest},
                recorded_at=now,
            )
            fresh = (await conn.execute(select(agents).where(agents.c.id == target))).one()
            agent = (await repo.fetch_agents(conn, [fresh]))[0]
        return server.AssignAgentTeam200Response(body=agent)
