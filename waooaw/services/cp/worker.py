"""CP's task worker: claims queued tasks, runs them with the executor, records the outcome.

A :class:`Worker` runs up to ``CP_WORKER_CONCURRENCY`` tasks at once. For each it holds a
lease (``CP_WORKER_LEASE_SECONDS``) that a heartbeat renews every third of the lease; if
the process dies the lease runs out and another worker runs the task again (at most
``CP_TASK_MAX_ATTEMPTS`` starts, then it fails as ``worker_lost``). A task whose heartbeat
finds the lease gone is abandoned without recording anything. Between claims the worker
also records expired trials as completed (every ``CP_SWEEP_SECONDS``) and reaps tasks that
ran out of attempts.

It runs inside ``waooaw serve cp`` by default (``CP_WORKER_ENABLED``) and as separate
processes with ``waooaw worker cp``; any number of them can share one database (see
:mod:`.storage.queue` for why no task runs twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..common.db import Database, DatabaseUnavailable
from .config import CpSettings
from .executor import ExecutionFailed, Executor, TaskSpec
from .storage import queue

__all__ = ["Sweeper", "Worker", "WorkerStats", "new_worker_id"]

log = logging.getLogger("waooaw.cp.worker")


#: most finished tasks committed in one transaction
RECORD_BATCH = 64


class _Finished:
    """A task's end waiting to be recorded, and the future its runner waits on."""

    def __init__(self, finish: queue.Finish) -> None:
        self.finish = finish
        self.done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def settle(self, result: bool = False, *, error: bool = False) -> None:
        if self.done.done():
            return
        if error:
            self.done.set_exception(
                RuntimeError(f"the end of task {self.finish.claimed.id} could not be recorded")
            )
        else:
            self.done.set_result(result)


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(slots=True)
class WorkerStats:
    claimed: int = 0
    completed: int = 0
    failed: int = 0
    lost: int = 0
    started_at: float = field(default_factory=time.monotonic)


class Sweeper:
    """Records expired trials as completed and fails tasks out of attempts, periodically."""

    def __init__(
        self, settings: CpSettings, db: Database, *, clock: Callable[[], datetime]
    ) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self._last = 0.0

    async def sweep(self) -> tuple[int, int]:
        async with self.db.write() as conn:
            ended = await queue.sweep_trials(conn, at=self.clock())
            reaped = await queue.reap_lost(conn, at=self.clock())
        if ended or reaped:
            log.info("sweep: %d trials ended, %d tasks failed as worker_lost", ended, reaped)
        return ended, reaped

    async def sweep_if_due(self) -> None:
        if time.monotonic() - self._last >= self.settings.sweep_seconds:
            self._last = time.monotonic()
            await self.sweep()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.sweep()
            except DatabaseUnavailable as exc:
                log.warning("sweep skipped: %s", exc)
            except Exception:
                log.exception("sweep failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.settings.sweep_seconds)


class Worker:
    def __init__(
        self,
        settings: CpSettings,
        db: Database,
        executor: Executor,
        *,
        clock: Callable[[], datetime],
        worker_id: str | None = None,
        concurrency: int | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.executor = executor
        self.clock = clock
        self.worker_id = worker_id or new_worker_id()
        self.concurrency = concurrency or settings.worker_concurrency
        self.sweeper = Sweeper(settings, db, clock=clock)
        self.stats = WorkerStats()
        self._running: set[asyncio.Task[None]] = set()
        self._finished: asyncio.Queue[_Finished] = asyncio.Queue()

    async def run(self, stop: asyncio.Event, *, drain: bool = False) -> WorkerStats:
        """Work until ``stop`` is set (or, with ``drain``, until the queue is empty)."""
        log.info("worker %s started (concurrency %d)", self.worker_id, self.concurrency)
        recorder = asyncio.create_task(self._recorder())
        try:
            while not stop.is_set():
                free = self.concurrency - len(self._running)
                if free <= 0:
                    await asyncio.wait(self._running, return_when=asyncio.FIRST_COMPLETED)
                    continue
                try:
                    await self.sweeper.sweep_if_due()
                    claimed = await self._claim(free)
                except DatabaseUnavailable as exc:
                    log.warning("worker %s: database unavailable: %s", self.worker_id, exc)
                    await self._pause(stop)
                    continue
                if not claimed:
                    if drain and not self._running:
                        break
                    await self._pause(stop)
                    continue
                for one in claimed:
                    task = asyncio.create_task(self._execute(one))
                    self._running.add(task)
                    task.add_done_callback(self._running.discard)
        finally:
            if self._running:
                await asyncio.gather(*self._running, return_exceptions=True)
            recorder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await recorder
        log.info("worker %s stopped: %s", self.worker_id, self.stats)
        return self.stats

    async def _pause(self, stop: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=self.settings.worker_poll_seconds)

    async def _claim(self, limit: int) -> list[queue.Claimed]:
        """Up to ``limit`` tasks in one transaction (one round of claims for all free slots)."""
        async with self.db.write() as conn:
            claimed = await queue.claim(
                conn,
                worker_id=self.worker_id,
                lease_seconds=self.settings.worker_lease_seconds,
                at=self.clock(),
                limit=limit,
            )
        self.stats.claimed += len(claimed)
        return claimed

    async def _execute(self, claimed: queue.Claimed) -> None:
        try:
            await self._run_one(claimed)
        except Exception:
            log.exception("worker %s: task %s could not be recorded", self.worker_id, claimed.id)

    async def _run_one(self, claimed: queue.Claimed) -> None:
        spec = TaskSpec(
            task_id=claimed.id,
            agent_id=claimed.agent_id,
            trial_id=claimed.trial_id,
            task=claimed.task,
            context=claimed.context,
            sandbox=claimed.sandbox,
            attempt=claimed.attempts,
        )
        run = asyncio.create_task(self.executor.run(spec))
        lost = asyncio.Event()
        beat = asyncio.create_task(self._heartbeat(claimed, run, lost))
        try:
            outcome = await asyncio.wait_for(run, timeout=self.settings.task_timeout_seconds)
        except asyncio.CancelledError:
            if lost.is_set():
                self.stats.lost += 1
                log.warning("worker %s: lost the lease of task %s", self.worker_id, claimed.id)
                return
            raise
        except TimeoutError:
            await self._fail(claimed, "timeout", "the task ran past CP_TASK_TIMEOUT", 0)
            return
        except ExecutionFailed as exc:
            await self._fail(claimed, "execution_failed", exc.message, exc.cost_micros)
            return
        except Exception as exc:
            log.exception("executor crashed on task %s", claimed.id)
            await self._fail(
                claimed, "executor_error", f"the executor crashed: {type(exc).__name__}", 0
            )
            return
        finally:
            beat.cancel()
        if await self._record(_Finished(queue.Finish(claimed, outcome=outcome))):
            self.stats.completed += 1
        else:
            self.stats.lost += 1

    async def _fail(self, claimed: queue.Claimed, code: str, message: str, cost: int) -> None:
        if await self._record(_Finished(queue.Finish(claimed, failure=(code, message, cost)))):
            self.stats.failed += 1
        else:
            self.stats.lost += 1

    async def _record(self, finished: _Finished) -> bool:
        """Hand an outcome to the recorder; True once committed, False if the lease was lost."""
        await self._finished.put(finished)
        return await finished.done

    async def _recorder(self) -> None:
        """Commit finished tasks, as many as are waiting in one transaction.

        Tasks finishing together (a busy worker) share one write transaction instead of one
        each, which is what bounds a worker's throughput on SQLite. Should a batch fail, each
        of its tasks is recorded again on its own, so one bad record cannot sink the others.
        """
        while True:
            batch = [await self._finished.get()]
            while len(batch) < RECORD_BATCH and not self._finished.empty():
                batch.append(self._finished.get_nowait())
            try:
                async with self.db.write() as conn:
                    results = await queue.finish(
                        conn, [item.finish for item in batch], at=self.clock()
                    )
            except Exception:
                if len(batch) == 1:
                    batch[0].settle(error=True)
                    continue
                for item in batch:
                    try:
                        async with self.db.write() as conn:
                            (one,) = await queue.finish(conn, [item.finish], at=self.clock())
                        item.settle(one)
                    except Exception:
                        item.settle(error=True)
                continue
            for item, result in zip(batch, results, strict=True):
                item.settle(result)

    async def _heartbeat(
        self, claimed: queue.Claimed, run: asyncio.Task[object], lost: asyncio.Event
    ) -> None:
        every = self.settings.worker_lease_seconds / 3
        while not run.done():
            await asyncio.sleep(every)
            try:
                async with self.db.write() as conn:
                    kept = await queue.renew(
                        conn,
                        task_id=claimed.id,
                        token=claimed.token,
                        lease_seconds=self.settings.worker_lease_seconds,
                        at=self.clock(),
                    )
            except DatabaseUnavailable as exc:
                log.warning("heartbeat of task %s failed: %s", claimed.id, exc)
                continue
            if not kept:
                lost.set()
                run.cancel()
                return
