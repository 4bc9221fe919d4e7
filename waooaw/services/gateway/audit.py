"""Layer 6: every mutating call and every denial, in a hash-chained audit trail.

The trail is Plant's own code (:class:`~waooaw.services.plant.storage.audit.AuditTrail`,
the same keyed hash chain, signed head and tamper classification), used as a library on
the gateway's database. :meth:`AuditWriter.record` returns once the entry is committed,
and the proxy awaits it before it answers, so a response the client received has its
entry on disk (``kill -9`` loses none).

Entries waiting together are committed in one transaction (group commit): a busy gateway
pays one commit for many calls instead of one each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from ..common.db import Database
from ..plant.storage.audit import AuditTrail

__all__ = ["AuditEntry", "AuditWriter"]

log = logging.getLogger("waooaw.gateway.audit")
_BATCH = 128


@dataclass(frozen=True, slots=True)
class AuditEntry:
    request_id: str
    event: str  # the operationId (or "unmatched")
    actor: str
    data: dict[str, Any]


class AuditWriter:
    def __init__(self, db: Database, trail: AuditTrail) -> None:
        self.db = db
        self.trail = trail
        self._queue: asyncio.Queue[tuple[AuditEntry, asyncio.Future[None]]] | None = None
        self._task: asyncio.Task[None] | None = None

    async def record(self, entry: AuditEntry) -> None:
        """Append ``entry``; returns when it is committed (raises if it could not be)."""
        if self._task is None or self._task.done():
            self._queue = asyncio.Queue()
            self._task = asyncio.create_task(self._run())
        assert self._queue is not None
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put((entry, done))
        await done

    async def _append(self, batch: list[tuple[AuditEntry, asyncio.Future[None]]]) -> None:
        async with self.db.write() as conn:
            for entry, _ in batch:
                await self.trail.append(
                    conn,
                    entity_type="gateway",
                    entity_id=entry.request_id,
                    event=entry.event[:32],
                    actor=entry.actor[:120],
                    data=entry.data,
                )

    async def _run(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            batch = [await queue.get()]
            while len(batch) < _BATCH and not queue.empty():
                batch.append(queue.get_nowait())
            try:
                await self._append(batch)
            except Exception as exc:
                log.error("audit entries could not be written: %s", exc)
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for _, done in batch:
                if not done.done():
                    done.set_result(None)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
