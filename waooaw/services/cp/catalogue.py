"""Keeping CP's copy of Plant's agents fresh, with a bounded staleness.

The marketplace filters and sorts on CP's own data (ratings, sign-ups) across every
agent, which Plant cannot do, and a page must not cost a scan of Plant. So CP keeps a copy
of Plant's agents (``cp_catalogue``) and lists from it:

* **Refresh.** One CP process at a time (a lease in ``cp_sync_state``) lists all of
  Plant's agents, 100 per request, and upserts them; a listing that completes unlists the
  agents it did not see. It refreshes every ``CP_PLANT_CACHE_SECONDS`` (default 30 s), or
  every four listing durations if that is longer, so that refreshing keeps Plant busy at
  most a fifth of the time (a listing of 10k agents takes 10-25 s on a small machine:
  Plant has no "changed since" filter, so each refresh reads everything).
* **Bound.** ``fresh_as_of`` is when the last completed listing started. A list request on
  a copy older than ``CP_PLANT_MAX_STALE_SECONDS`` (default 300 s) - Plant was down, or CP
  just started - first lists Plant itself, and answers 503 (or 504) if Plant cannot be
  reached. So the list never shows Plant data older than that bound; normally the age is
  at most the refresh period plus one listing.
* **Live reads.** Profile pages and new trials read the agent from Plant directly (trials
  bypass every cache) and write what they read into the copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime

from waooaw.generated.plant import models as plant
from waooaw.runtime.server import ProblemError

from ..common.db import Database
from ..common.values import parse_ts
from .config import CpSettings
from .plant import PlantGateway
from .storage import catalogue as store

__all__ = ["Catalogue"]

log = logging.getLogger("waooaw.cp.catalogue")


class Catalogue:
    def __init__(
        self,
        settings: CpSettings,
        db: Database,
        plant_gateway: PlantGateway,
        *,
        owner: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.settings = settings
        self.db = db
        self.plant = plant_gateway
        self.owner = owner
        self.clock = clock
        self._lock = asyncio.Lock()
        self._fresh_until = 0.0  # monotonic time until which the copy is known fresh enough
        self.last_pass_seconds = 0.0
        self._industries: tuple[float, dict[str, tuple[str, str]]] | None = None

    async def refresh(self, *, force: bool = False) -> bool:
        """One full listing of Plant into the copy; False when another process holds it."""
        async with self._lock:
            return await self._refresh(force=force)

    async def _refresh(self, *, force: bool) -> bool:
        started = self.clock()
        began = time.monotonic()
        lease = max(self.period(), 5.0)
        async with self.db.write() as conn:
            generation = await store.begin_pass(
                conn, owner=self.owner, at=started, lease_seconds=lease, force=force
            )
        if generation is None:
            return False
        try:
            found = await self.plant.industries()
            async with self.db.write() as conn:
                await store.upsert_industries(conn, found, at=self.clock())
            self._industries = None
            count = 0
            async for page in self.plant.agent_pages():
                async with self.db.write() as conn:
                    await store.upsert_agents(conn, page, generation=generation, at=self.clock())
                count += len(page)
            async with self.db.write() as conn:
                await store.finish_pass(conn, generation=generation, started=started, agents=count)
        except ProblemError as exc:
            async with self.db.write() as conn:
                await store.record_failure(conn, error=exc.detail or exc.title)
            raise
        self.last_pass_seconds = time.monotonic() - began
        log.info(
            "catalogue refreshed: %d agents from Plant in %.1f s (generation %d)",
            count,
            self.last_pass_seconds,
            generation,
        )
        return True

    async def ensure_fresh(self) -> None:
        """Make sure the copy is within CP_PLANT_MAX_STALE_SECONDS, refreshing it if not."""
        # the copy only ever gets fresher, so a deadline read once holds until it passes
        if time.monotonic() < self._fresh_until:
            return
        if await self._fresh_enough():
            return
        async with self._lock:
            # a request that waited for the lock may find the copy refreshed meanwhile
            if await self._fresh_enough():
                return
            await self._refresh(force=True)
            await self._fresh_enough()

    async def _fresh_enough(self) -> bool:
        async with self.db.read() as conn:
            state = await store.read_state(conn)
        if state.fresh_as_of is None:
            return False
        age = (self.clock() - parse_ts(state.fresh_as_of)).total_seconds()
        left = self.settings.plant_max_stale_seconds - age
        if left <= 0:
            return False
        self._fresh_until = time.monotonic() + left
        return True

    async def industries(self) -> dict[str, tuple[str, str]]:
        """id -> (name, slug) of Plant's industries, as copied (cached between refreshes)."""
        if self._industries is None or time.monotonic() > self._industries[0]:
            async with self.db.read() as conn:
                found = await store.industry_names(conn)
            self._industries = (time.monotonic() + self.settings.plant_cache_seconds, found)
        return self._industries[1]

    async def fresh_as_of(self) -> datetime | None:
        async with self.db.read() as conn:
            state = await store.read_state(conn)
        return None if state.fresh_as_of is None else parse_ts(state.fresh_as_of)

    async def remember(self, agent: plant.AgentResponse) -> None:
        """Write an agent read live from Plant into the copy (without listing it anew)."""
        async with self.db.read() as conn:
            if await store.is_current(conn, agent):
                return
        async with self.db.write() as conn:
            state = await store.read_state(conn)
            await store.upsert_agents(
                conn, [agent], generation=state.generation, at=self.clock(), keep_generation=True
            )

    def period(self) -> float:
        """Seconds between refreshes: CP_PLANT_CACHE_SECONDS, or four times the last
        refresh's duration if that is longer, so refreshing keeps Plant busy at most a fifth
        of the time (CP_PLANT_MAX_STALE_SECONDS still bounds what the list serves)."""
        return max(self.settings.plant_cache_seconds, 4 * self.last_pass_seconds)

    async def run(self, stop: asyncio.Event) -> None:
        """Refresh every :meth:`period` seconds until ``stop`` is set."""
        while not stop.is_set():
            try:
                await self.refresh()
            except ProblemError as exc:
                log.warning("catalogue refresh failed: %s", exc.detail)
            except Exception:
                log.exception("catalogue refresh failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.period())
