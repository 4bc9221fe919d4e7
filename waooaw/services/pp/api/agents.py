"""Agents tag: the creation form's options, creation, the agent table, details, teams."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeVar
from uuid import UUID

from waooaw.generated.plant import models as plant
from waooaw.generated.pp import models, server
from waooaw.runtime.security import Principal

from ..domain import catalogue
from ..domain.governance import governance_agents
from .context import PPContext, actor, scoped_key

__all__ = ["FORM_LIMIT", "AgentsService"]

#: Most entries per option list of the agent form (the contract's maxItems).
FORM_LIMIT = 1000
PAGE = 100  # Plant's largest page

T = TypeVar("T", covariant=True)
Item = TypeVar("Item")


class _Page(Protocol[T]):
    @property
    def items(self) -> Sequence[T]: ...

    @property
    def next_cursor(self) -> str | None: ...


async def _collect(
    fetch: Callable[[str | None], Awaitable[_Page[Item]]],
) -> tuple[list[Item], bool]:
    """Every item of a paginated Plant list, up to FORM_LIMIT; True when there were more."""
    items: list[Item] = []
    cursor: str | None = None
    while True:
        page = await fetch(cursor)
        items.extend(page.items)
        cursor = page.next_cursor
        if len(items) >= FORM_LIMIT:
            return items[:FORM_LIMIT], cursor is not None or len(items) > FORM_LIMIT
        if cursor is None:
            return items, False


class AgentsService:
    def __init__(self, ctx: PPContext) -> None:
        self.plant = ctx.plant

    async def get_agent_form_options(
        self, *, industry_id: UUID | None, x_correlation_id: str | None, principal: Principal
    ) -> server.GetAgentFormOptionsResult:
        certified = plant.SkillStatus.CERTIFIED
        role_certified = plant.JobRoleStatus.CERTIFIED

        async def industries(cursor: str | None) -> plant.IndustryList:
            return await self.plant.list_industries(cursor=cursor, limit=PAGE)

        async def roles(cursor: str | None) -> plant.JobRoleList:
            return await self.plant.list_job_roles(
                cursor=cursor, limit=PAGE, status=role_certified, industry_id=industry_id
            )

        async def skills(cursor: str | None) -> plant.SkillList:
            return await self.plant.list_skills(cursor=cursor, limit=PAGE, status=certified)

        try:
            async with asyncio.TaskGroup() as group:
                got_industries = group.create_task(_collect(industries))
                got_roles = group.create_task(_collect(roles))
                got_skills = group.create_task(_collect(skills))
        except BaseExceptionGroup as failed:
            # the first of Plant's failures is what the caller hears about, with its cause
            # (a timeout is told from a refused connection by it)
            first = failed.exceptions[0]
            raise first from first.__cause__
        industry_items, more_industries = got_industries.result()
        role_items, more_roles = got_roles.result()
        skill_items, more_skills = got_skills.result()
        body = models.AgentFormOptions(
            industries=[catalogue.industry(i) for i in industry_items],
            job_roles=[catalogue.job_role(r) for r in role_items],
            skills=[catalogue.skill(s) for s in skill_items],
            governance_agents=governance_agents(),
            truncated=more_industries or more_roles or more_skills,
        )
        return server.GetAgentFormOptions200Response(body=body)

    async def list_agents(
        self,
        *,
        cursor: str | None,
        industry_id: UUID | None,
        job_role_id: UUID | None,
        limit: int,
        status: models.AgentStatus | None,
        x_correlation_id: str | None,
        principal: Principal,
    ) -> server.ListAgentsResult:
        page = await self.plant.list_agents(
            cursor=cursor,
            industry_id=industry_id,
            job_role_id=job_role_id,
            limit=limit,
            status=None if status is None else plant.AgentStatus(status.value),
        )
        body = models.AgentList(
            items=[catalogue.agent_summary(a) for a in page.items], next_cursor=page.next_cursor
        )
        return server.ListAgents200Response(body=body)

    async def create_agent(
        self,
        *,
        idempotency_key: str | None,
        x_correlation_id: str | None,
        principal: Principal,
        body: models.AgentCreate,
    ) -> server.CreateAgentResult:
        created = await self.plant.create_agent(
            body=plant.AgentCreate.model_validate(body.model_dump(mode="json")),
            idempotency_key=scoped_key(principal, idempotency_key),
        )
        return server.CreateAgent201Response(body=catalogue.agent(created))

    async def get_agent(
        self, *, agent_id: UUID, x_correlation_id: str | None, principal: Principal
    ) -> server.GetAgentResult:
        found = await self.plant.get_agent(agent_id=agent_id)
        return server.GetAgent200Response(body=catalogue.agent(found))

    async def assign_agent_team(
        self,
        *,
        agent_id: UUID,
        x_correlation_id: str | None,
        principal: Principal,
        body: models.TeamAssignment,
    ) -> server.AssignAgentTeamResult:
        assignment = plant.TeamAssignment(
            team_id=body.team_id, role=body.role, assigned_by=actor(principal)
        )
        assigned = await self.plant.assign_agent_team(agent_id=agent_id, body=assignment)
        return server.AssignAgentTeam200Response(body=catalogue.agent(assigned))
