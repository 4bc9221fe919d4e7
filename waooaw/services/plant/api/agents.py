"""Agents tag: creation under the constitution, reading, listing, team assignment.

Creating an agent takes one path::

    create_agent ─► references (storage: what the request refers to; 404 if missing)
                 ─► decide_creation (domain: ONE evaluation -> violations + alignment; 422)
                 ─► insert_agent + append_amendment (storage)
                 ─► audit trail entry (same transaction)
                 ─► response (views.agent_model of the record just written)
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from waooaw.generated.plant import models, server
from waooaw.runtime.server import ProblemError

from ...common.errors import not_found
from ...common.idempotency import create_once
from ...common.pagination import decode_position, encode_cursor
from ...common.values import now_ts
from ..domain.constitution import AgentFacts, PrincipleResult, decide_creation, malformed_input
from ..storage import repo
from ..storage.repo import AgentRecord, AmendmentRecord
from ..storage.tables import agents, idempotency_keys
from . import views
from .context import PlantContext

__all__ = ["CONSTITUTIONAL", "CREATE_AGENT", "AgentsService", "constitutional_validation"]

CONSTITUTIONAL = "https://waooaw.com/errors/constitutional-alignment"
#: the operation whose request is the agent the constitution judges
CREATE_AGENT = "createAgent"
_TITLE = "Constitutional Alignment Error"


def _violations_problem(broken: list[PrincipleResult]) -> ProblemError:
    return ProblemError(
        422,
        "; ".join(f"{r.principle.id} {r.principle.title}: {r.detail}" for r in broken),
        type=CONSTITUTIONAL,
        title=_TITLE,
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


def constitutional_validation(problem: ProblemError) -> ProblemError:
    """A createAgent request the schema refused, as the constitution sees it.

    When a refused field belongs to a principle that owns its shape (``input_rule``:
    L0-01's governor), the problem is a constitutional one naming that principle;
    otherwise it stays a validation problem.
    """
    refused = {
        str(v["field"]).removeprefix("body."): v
        for v in problem.violations or ()
        if str(v["field"]).startswith("body.")
    }
    broken = malformed_input(refused)
    if problem.status != 422 or not broken:
        return problem
    owners = {str(p.input_field): p for p in broken}
    for v in problem.violations or ():
        principle = owners.get(str(v["field"]).removeprefix("body."))
        if principle is not None and str(v["field"]).startswith("body."):
            v["rule"] = principle.id
            v["message"] = (
                f"{principle.input_field}: {v['message']} ({principle.id} {principle.title})"
            )
    return ProblemError(
        422,
        "; ".join(f"{p.input_rule} ({p.id}: {p.title})" for p in broken),
        type=CONSTITUTIONAL,
        title=_TITLE,
        violations=problem.violations,
    )


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
                conn, query, agents.c.seq, after=decode_position(cursor), limit=limit
            )
            records = await repo.fetch_agents(conn, rows)
        body = models.AgentList(
            items=[views.agent_model(a) for a in records],
            next_cursor=None if after is None else encode_cursor(after),
        )
        return server.ListAgents200Response(body=body)

    async def get_agent(
        self, *, agent_id: UUID, x_correlation_id: str | None
    ) -> server.GetAgentResult:
        async with self.ctx.db.read() as conn:
            agent = await repo.fetch_agent(conn, str(agent_id))
        if agent is None:
            raise not_found("agent", agent_id)
        return server.GetAgent200Response(body=views.agent_model(agent))

    async def create_agent(
        self, *, idempotency_key: str | None, x_correlation_id: str | None, body: models.AgentCreate
    ) -> server.CreateAgentResult:
        async def create(conn: AsyncConnection) -> models.AgentResponse:
            return views.agent_model(await self._create(conn, body))

        created = await create_once(
            self.ctx.db,
            idempotency_keys,
            scope=CREATE_AGENT,
            key=idempotency_key,
            body=body,
            model=models.AgentResponse,
            create=create,
        )
        return server.CreateAgent201Response(body=created)

    async def _create(self, conn: AsyncConnection, body: models.AgentCreate) -> AgentRecord:
        industry_id, job_role_id = str(body.industry_id), str(body.job_role_id)
        skill_ids = [str(s) for s in body.skills]
        requested_governor = body.governance_agent_id
        governor = "genesis" if requested_governor == "genesis" else requested_governor.lower()

        # gather: what the request refers to
        refs = await repo.references(
            conn,
            industry_id=industry_id,
            job_role_id=job_role_id,
            skill_ids=skill_ids,
            governor_id=None if governor == "genesis" else governor,
        )
        missing = refs.missing(
            industry_id=industry_id, job_role_id=job_role_id, skill_ids=skill_ids
        )
        if missing:
            raise ProblemError(404, "referenced entities do not exist: " + ", ".join(missing))
        assert refs.job_role is not None

        # decide: one evaluation gives both the refusal and the recorded alignment
        decision = decide_creation(
            AgentFacts(
                governance_agent_id=requested_governor,
                governor_exists=refs.governor_exists,
                job_role_certified=refs.job_role.status == "certified",
                job_role_industry_id=refs.job_role.industry_id,
                industry_id=industry_id,
                required_skill_ids=frozenset(refs.required_skill_ids),
                skill_ids=tuple(skill_ids),
                uncertified_skill_ids=frozenset(
                    s for s in skill_ids if refs.skill_status[s] != "certified"
                ),
                trial_mode_sandbox_url=body.trial_mode_sandbox_url,
            )
        )
        if decision.violations:
            raise _violations_problem(decision.violations)

        # write
        now = now_ts()
        agent_id = str(uuid.uuid4())
        specialties = list(body.specialties or [])
        content = repo.agent_content(
            agent_id=agent_id,
            name=body.name,
            description=body.description,
            industry_id=industry_id,
            job_role_id=job_role_id,
            skills=skill_ids,
            governance_agent_id=governor,
            specialties=specialties,
            price_per_month=body.price_per_month,
            trial_mode_sandbox_url=body.trial_mode_sandbox_url,
            team_id=None,
            status="active",
        )
        digest = repo.version_hash(content)
        created = AmendmentRecord(1, "created", governor, now, {"created": content}, digest)
        agent = AgentRecord(
            id=agent_id,
            name=body.name,
            description=body.description,
            industry_id=industry_id,
            job_role_id=job_role_id,
            skills=skill_ids,
            governance_agent_id=governor,
            specialties=specialties,
            price_per_month=body.price_per_month,
            trial_mode_sandbox_url=body.trial_mode_sandbox_url,
            team_id=None,
            status="active",
            alignment=decision.alignment(now),
            amendments=[created],
            version_hash=digest,
            created_at=now,
            updated_at=now,
        )
        await repo.insert_agent(conn, agent)
        await repo.append_amendment(conn, agent_id, created)

        # audit, in the same transaction
        await self.ctx.trail.append(
            conn,
            entity_type="agent",
            entity_id=agent_id,
            event="created",
            actor=governor,
            data={"content": content, "version_hash": digest},
            recorded_at=now,
        )
        return agent

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
            current = (await repo.fetch_agents(conn, [row]))[0]
            content = repo.agent_content(
                agent_id=target,
                name=current.name,
                description=current.description,
                industry_id=current.industry_id,
                job_role_id=current.job_role_id,
                skills=current.skills,
                governance_agent_id=current.governance_agent_id,
                specialties=current.specialties,
                price_per_month=current.price_per_month,
                trial_mode_sandbox_url=current.trial_mode_sandbox_url,
                team_id=team,
                status=current.status,
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
            changes = {"team_id": {"from": row.team_id, "to": team}, "role": body.role}
            last = current.amendments[-1].sequence if current.amendments else 0
            entry = AmendmentRecord(
                last + 1, "team_assigned", body.assigned_by, now, changes, digest
            )
            await repo.append_amendment(conn, target, entry)
            await self.ctx.trail.append(
                conn,
                entity_type="agent",
                entity_id=target,
                event="team_assigned",
                actor=body.assigned_by,
                data={"changes": changes, "version_hash": digest},
                recorded_at=now,
            )
        assigned = replace(
            current,
            team_id=team,
            version_hash=digest,
            updated_at=now,
            amendments=[*current.amendments, entry],
        )
        return server.AssignAgentTeam200Response(body=views.agent_model(assigned))
