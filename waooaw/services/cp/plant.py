"""CP's access to Plant: the generated client, small TTL caches, and Plant's failures as
CP problems.

Exceptions (both :class:`~waooaw.runtime.server.ProblemError`)::

    PlantUnreachable   503 with Retry-After: no connection, or Plant answered 5xx
    PlantTimeout       504: Plant did not answer within CP_PLANT_TIMEOUT

Agents, skills and job roles read for profile pages are cached per process for
``CP_PLANT_CACHE_SECONDS`` (bounded in size); ``agent(..., fresh=True)`` bypasses the cache
where a decision depends on Plant's current state (starting a trial).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable
from typing import Generic, TypeVar
from uuid import UUID

import httpx

from waooaw.generated.plant import models
from waooaw.generated.plant.client import (
    AsyncPlantClient,
    PlantAPIError,
    PlantEntityNotFoundError,
    PlantTransportError,
)
from waooaw.runtime.client import RetryPolicy
from waooaw.runtime.server import ProblemError

from .config import CpSettings

__all__ = ["PlantGateway", "PlantTimeout", "PlantUnreachable", "TtlCache"]

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


class PlantUnreachable(ProblemError):
    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(503, detail, headers={"Retry-After": str(retry_after)})


class PlantTimeout(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(504, detail)


class TtlCache(Generic[K, V]):
    """At most ``size`` entries, each dropped ``ttl`` seconds after it was stored."""

    def __init__(self, ttl: float, size: int = 10_000) -> None:
        self.ttl = ttl
        self.size = size
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        found = self._items.get(key)
        if found is None:
            return None
        stored_at, value = found
        if time.monotonic() - stored_at > self.ttl:
            del self._items[key]
            return None
        return value

    def put(self, key: K, value: V) -> None:
        self._items[key] = (time.monotonic(), value)
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


class PlantGateway:
    """The Plant reads CP needs, with caching and CP-shaped errors."""

    PAGE = 100

    def __init__(
        self,
        settings: CpSettings,
        *,
        client: AsyncPlantClient | None = None,
        auth: httpx.Auth | None = None,
    ) -> None:
        """``auth`` signs every call (a service token, when Plant is behind the gateway)."""
        self.settings = settings
        # user-facing calls: one quick retry rather than the client's patient default
        self.client = client or AsyncPlantClient(
            settings.plant_api_url,
            timeout=settings.plant_timeout_seconds,
            retry=RetryPolicy(
                attempts=2,
                max_backoff=0.5,
                max_retry_after=1.0,
                deadline=settings.plant_deadline_seconds,
            ),
            http_client=None
            if auth is None
            else httpx.AsyncClient(base_url=settings.plant_api_url, auth=auth),
        )
        ttl = settings.plant_cache_seconds
        self.agents: TtlCache[UUID, models.AgentResponse] = TtlCache(ttl)
        self.skills: TtlCache[UUID, models.SkillResponse] = TtlCache(ttl)
        self.job_roles: TtlCache[UUID, models.JobRoleResponse] = TtlCache(ttl)

    async def aclose(self) -> None:
        await self.client.aclose()

    def _limit(self) -> float:
        """The most a Plant call may take: its deadline, or two attempts' timeouts."""
        return min(self.settings.plant_deadline_seconds, 2 * self.settings.plant_timeout_seconds)

    async def _call(self, what: str, call: Awaitable[T]) -> T:
        try:
            return await call
        except PlantTransportError as exc:
            if isinstance(exc.__cause__, httpx.TimeoutException):
                raise PlantTimeout(
                    f"Plant did not answer {what} within {self._limit():g} s"
                ) from None
            raise PlantUnreachable(
                f"Plant cannot be reached for {what}; retry later",
                retry_after=self.settings.retry_after_seconds,
            ) from None
        except PlantEntityNotFoundError:
            raise
        except PlantAPIError as exc:
            raise PlantUnreachable(
                f"Plant answered {exc.status_code} for {what}; retry later",
                retry_after=self.settings.retry_after_seconds,
            ) from None

    async def agent(self, agent_id: UUID, *, fresh: bool = False) -> models.AgentResponse | None:
        """Plant's agent, or None when Plant has no such agent."""
        if not fresh:
            cached = self.agents.get(agent_id)
            if cached is not None:
                return cached
        try:
            found = await self._call(f"agent {agent_id}", self.client.get_agent(agent_id=agent_id))
        except PlantEntityNotFoundError:
            return None
        self.agents.put(agent_id, found)
        return found

    async def skill(self, skill_id: UUID) -> models.SkillResponse | None:
        cached = self.skills.get(skill_id)
        if cached is not None:
            return cached
        try:
            found = await self._call(f"skill {skill_id}", self.client.get_skill(skill_id=skill_id))
        except PlantEntityNotFoundError:
            return None
        self.skills.put(skill_id, found)
        return found

    async def job_role(self, job_role_id: UUID) -> models.JobRoleResponse | None:
        cached = self.job_roles.get(job_role_id)
        if cached is not None:
            return cached
        try:
            found = await self._call(
                f"job role {job_role_id}",
                self.client.get_job_role(job_role_id=job_role_id),
            )
        except PlantEntityNotFoundError:
            return None
        self.job_roles.put(job_role_id, found)
        return found

    async def industries(self) -> list[models.IndustryResponse]:
        found: list[models.IndustryResponse] = []
        cursor: str | None = None
        while True:
            page = await self._call(
                "industries",
                self.client.list_industries(limit=self.PAGE, cursor=cursor),
            )
            found.extend(page.items)
            cursor = page.next_cursor
            if cursor is None:
                return found

    async def agent_pages(self) -> AsyncIterator[list[models.AgentResponse]]:
        """Every agent in Plant, a page at a time."""
        cursor: str | None = None
        while True:
            page = await self._call(
                "the agent list", self.client.list_agents(limit=self.PAGE, cursor=cursor)
            )
            for agent in page.items:
                self.agents.put(agent.id, agent)
            yield page.items
            cursor = page.next_cursor
            if cursor is None:
                return
