"""Layer 7: which upstream URL a call goes to, from the route table cached in memory.

:class:`RouteCache` holds an immutable :class:`Snapshot` of the table. A change made
through the admin API replaces the snapshot in the same process as soon as it commits
(:meth:`RouteCache.refresh`); other processes notice the table's generation moving
(:meth:`RouteCache.watch` polls it) and reload. A call picks its upstream from the
snapshot current when it arrives and keeps it, so a switch never drops a call in flight.

A call matches routes by operationId first, then by the longest path prefix; among the
enabled versions of the match with a weight above 0 it picks one at random by weight
(one version at 100 is blue/green, several is a canary).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass

from ..common.db import Database
from .storage import routes as store
from .storage.routes import RouteRow

__all__ = ["Choice", "RouteCache", "Snapshot"]

log = logging.getLogger("waooaw.gateway.routing")


@dataclass(frozen=True, slots=True)
class Choice:
    url: str
    version: str
    match: str


@dataclass(frozen=True, slots=True)
class _Group:
    match: str
    urls: tuple[str, ...]
    versions: tuple[str, ...]
    weights: tuple[int, ...]

    def pick(self) -> Choice:
        if len(self.urls) == 1:
            i = 0
        else:
            i = random.choices(range(len(self.urls)), weights=self.weights)[0]
        return Choice(self.urls[i], self.versions[i], self.match)


@dataclass(frozen=True, slots=True)
class Snapshot:
    generation: int
    by_operation: dict[tuple[str, str], _Group]
    prefixes: dict[str, tuple[tuple[str, _Group], ...]]  # pool -> longest prefix first

    @classmethod
    def build(cls, generation: int, rows: Sequence[RouteRow]) -> Snapshot:
        live: dict[tuple[str, str], list[RouteRow]] = {}
        for r in rows:
            if r.enabled and r.weight > 0:
                live.setdefault((r.match, r.pool), []).append(r)
        groups = {
            key: _Group(
                key[0],
                tuple(r.upstream_url for r in members),
                tuple(r.version for r in members),
                tuple(r.weight for r in members),
            )
            for key, members in live.items()
        }
        by_operation = {k: g for k, g in groups.items() if not k[0].startswith("/")}
        prefixes: dict[str, list[tuple[str, _Group]]] = {}
        for (match, pool), g in groups.items():
            if match.startswith("/"):
                prefixes.setdefault(pool, []).append((match, g))
        return cls(
            generation,
            by_operation,
            {p: tuple(sorted(v, key=lambda t: -len(t[0]))) for p, v in prefixes.items()},
        )

    def choose(self, operation_id: str, path: str, pool: str) -> Choice | None:
        group = self.by_operation.get((operation_id, pool))
        if group is None:
            for prefix, candidate in self.prefixes.get(pool, ()):
                if path.startswith(prefix):
                    group = candidate
                    break
            else:
                return None
        return group.pick()

    def has(self, operation_id: str, path: str, pool: str) -> bool:
        if (operation_id, pool) in self.by_operation:
            return True
        return any(path.startswith(p) for p, _ in self.prefixes.get(pool, ()))


class RouteCache:
    def __init__(self, db: Database, *, poll_seconds: float = 1.0) -> None:
        self.db = db
        self.poll_seconds = poll_seconds
        self.snapshot = Snapshot(-1, {}, {})
        self._lock = asyncio.Lock()

    async def refresh(self) -> Snapshot:
        """Reload the table (after a change here, or when the generation moved elsewhere)."""
        async with self._lock:
            async with self.db.read() as conn:
                generation = await store.generation(conn)
                rows = await store.all_routes(conn)
            if generation >= self.snapshot.generation:
                self.snapshot = Snapshot.build(generation, rows)
            return self.snapshot

    async def watch(self, stop: asyncio.Event) -> None:
        """Reload whenever another process changed the table (until ``stop``)."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.poll_seconds)
            if stop.is_set():
                return
            try:
                async with self.db.read() as conn:
                    generation = await store.generation(conn)
                if generation != self.snapshot.generation:
                    await self.refresh()
                    log.info("route table reloaded at generation %d", generation)
            except Exception as exc:
                log.warning("route table check failed: %s", exc)
