"""The task queue in CP's database: claiming with leases, renewing, finishing, reaping.

A worker **claims** one task per transaction: the oldest ``pending`` task, or a
``running`` one whose lease expired (its worker died) while attempts remain. The claim is
one conditional ``UPDATE ... WHERE id = (SELECT ...)``: on PostgreSQL the inner select
takes the row ``FOR UPDATE SKIP LOCKED``, so concurrent workers pick different rows
without waiting; on SQLite the write transaction starts with ``BEGIN IMMEDIATE``
(:class:`~waooaw.services.common.db.Database`), so claims are serialized. Either way no
two workers hold a live lease on one task.

Each claim gets a fresh ``lease_token``; renewing, completing and failing all require it,
so a worker that lost its lease (paused past it, then woke up) cannot overwrite the work of
the worker that took over. Finishing a task and its consequences (the deliverable, the
trial's spend and reservation, the activity feed) commit together.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain import trials as lifecycle
from ..domain.values import canonical_json, ts, usd
from ..executor import Outcome
from .records import add_activity
from .tables import activity, deliverables, tasks, trials

__all__ = [
    "Claimed",
    "claim",
    "complete",
    "fail",
    "fail_pending",
    "reap_lost",
    "renew",
    "sweep_trials",
    "title_of",
]


@dataclass(frozen=True, slots=True)
class Claimed:
    """A task a worker holds a lease on."""

    id: str
    token: str
    trial_id: str
    customer_id: str
    agent_id: str
    task: str
    context: dict[str, Any]
    sandbox: bool
    estimate_micros: int
    attempts: int


def title_of(task: str) -> str:
    line = task.strip().splitlines()[0].strip() if task.strip() else "Task"
    return line if len(line) <= 120 else line[:117] + "..."


_RETURNED = (
    tasks.c.id,
    tasks.c.trial_id,
    tasks.c.customer_id,
    tasks.c.agent_id,
    tasks.c.task,
    tasks.c.context,
    tasks.c.sandbox_mode,
    tasks.c.estimate_micros,
    tasks.c.attempts,
)


async def claim(
    conn: AsyncConnection, *, worker_id: str, lease_seconds: float, at: datetime, limit: int = 1
) -> list[Claimed]:
    """Take up to ``limit`` tasks (abandoned ones first); an empty list when there are none."""
    postgres = conn.dialect.name == "postgresql"
    now = ts(at)
    abandoned = (
        select(tasks.c.id)
        .where(
            tasks.c.status == "running",
            tasks.c.lease_expires_at < now,
            tasks.c.attempts < tasks.c.max_attempts,
        )
        .order_by(tasks.c.lease_expires_at)
    )
    pending = select(tasks.c.id).where(tasks.c.status == "pending").order_by(tasks.c.seq)
    token = str(uuid.uuid4())  # fences these claims: a later claim of a task gets another
    claimed: list[Claimed] = []
    for candidates in (abandoned, pending):
        wanted = limit - len(claimed)
        if wanted <= 0:
            break
        candidates = candidates.limit(wanted)
        if postgres:
            candidates = candidates.with_for_update(skip_locked=True)
        stmt = (
            update(tasks)
            .where(tasks.c.id.in_(candidates.scalar_subquery()))
            .values(
                status="running",
                lease_token=token,
                lease_expires_at=ts(at + timedelta(seconds=lease_seconds)),
                worker_id=worker_id[:128],
                attempts=tasks.c.attempts + 1,
                started_at=func.coalesce(tasks.c.started_at, now),
                version=tasks.c.version + 1,
            )
            .returning(*_RETURNED)
        )
        claimed.extend(
            Claimed(
                id=row.id,
                token=token,
                trial_id=row.trial_id,
                customer_id=row.customer_id,
                agent_id=row.agent_id,
                task=row.task,
                context=json.loads(row.context),
                sandbox=bool(row.sandbox_mode),
                estimate_micros=row.estimate_micros,
                attempts=row.attempts,
            )
            for row in await conn.execute(stmt)
        )
    if claimed:
        await conn.execute(
            insert(activity),
            [
                {
                    "id": str(uuid.uuid4()),
                    "customer_id": c.customer_id,
                    "trial_id": c.trial_id,
                    "agent_id": c.agent_id,
                    "task_id": c.id,
                    "kind": "task_started",
                    "message": f"Task started: {title_of(c.task)}"
                    if c.attempts == 1
                    else f"Task restarted after its worker stopped (attempt {c.attempts})",
                    "at": now,
                }
                for c in claimed
            ],
        )
    return claimed


async def renew(
    conn: AsyncConnection, *, task_id: str, token: str, lease_seconds: float, at: datetime
) -> bool:
    """Extend the lease; False when it is no longer this worker's."""
    result = await conn.execute(
        update(tasks)
        .where(tasks.c.id == task_id, tasks.c.lease_token == token, tasks.c.status == "running")
        .values(lease_expires_at=ts(at + timedelta(seconds=lease_seconds)))
    )
    return result.rowcount == 1


async def complete(
    conn: AsyncConnection, *, claimed: Claimed, outcome: Outcome, at: datetime
) -> bool:
    """Record the result, its deliverable and its cost; False when the lease was lost."""
    model_micros = outcome.model_micros
    total = outcome.compute_micros + model_micros
    if total > claimed.estimate_micros:
        # the estimate was reserved as an upper bound; never charge past it
        model_micros = max(0, claimed.estimate_micros - outcome.compute_micros)
        total = outcome.compute_micros + model_micros
    breakdown = {
        "compute_usd": usd(outcome.compute_micros),
        "model_usd": usd(model_micros),
        "total_usd": usd(total),
        "tokens_in": outcome.tokens_in,
        "tokens_out": outcome.tokens_out,
    }
    deliverable_id = str(uuid.uuid4())
    finished = await conn.execute(
        update(tasks)
        .where(
            tasks.c.id == claimed.id,
            tasks.c.lease_token == claimed.token,
            tasks.c.status == "running",
        )
        .values(
            status="completed",
            result=canonical_json(outcome.result),
            cost=canonical_json(breakdown),
            cost_micros=total,
            finished_at=ts(at),
            lease_token=None,
            lease_expires_at=None,
            deliverable_id=deliverable_id,
            version=tasks.c.version + 1,
        )
    )
    if finished.rowcount != 1:
        return False
    title = title_of(claimed.task)
    await conn.execute(
        insert(deliverables).values(
            id=deliverable_id,
            trial_id=claimed.trial_id,
            task_id=claimed.id,
            customer_id=claimed.customer_id,
            agent_id=claimed.agent_id,
            title=title,
            content=canonical_json(outcome.result),
            created_at=ts(at),
        )
    )
    await conn.execute(
        update(trials)
        .where(trials.c.id == claimed.trial_id)
        .values(
            spent_micros=trials.c.spent_micros + total,
            reserved_micros=trials.c.reserved_micros - claimed.estimate_micros,
            deliverables_count=trials.c.deliverables_count + 1,
        )
    )
    await add_activity(
        conn,
        customer_id=claimed.customer_id,
        trial_id=claimed.trial_id,
        agent_id=claimed.agent_id,
        task_id=claimed.id,
        kind="task_completed",
        message=f"Task completed: {title}",
        at=at,
    )
    return True


async def fail(
    conn: AsyncConnection,
    *,
    claimed: Claimed,
    code: str,
    message: str,
    cost_micros: int,
    at: datetime,
) -> bool:
    """Record a failure (and what it cost); False when the lease was lost."""
    cost = min(max(0, cost_micros), claimed.estimate_micros)
    breakdown = {
        "compute_usd": usd(cost),
        "model_usd": 0.0,
        "total_usd": usd(cost),
        "tokens_in": 0,
        "tokens_out": 0,
    }
    failed = await conn.execute(
        update(tasks)
        .where(
            tasks.c.id == claimed.id,
            tasks.c.lease_token == claimed.token,
            tasks.c.status == "running",
        )
        .values(
            status="failed",
            error_code=code,
            error_message=message[:2000],
            cost=canonical_json(breakdown),
            cost_micros=cost,
            finished_at=ts(at),
            lease_token=None,
            lease_expires_at=None,
            version=tasks.c.version + 1,
        )
    )
    if failed.rowcount != 1:
        return False
    await _release(conn, trial_id=claimed.trial_id, reserved=claimed.estimate_micros, spent=cost)
    await add_activity(
        conn,
        customer_id=claimed.customer_id,
        trial_id=claimed.trial_id,
        agent_id=claimed.agent_id,
        task_id=claimed.id,
        kind="task_failed",
        message=f"Task failed ({code}): {title_of(claimed.task)}",
        at=at,
    )
    return True


async def _release(conn: AsyncConnection, *, trial_id: str, reserved: int, spent: int) -> None:
    await conn.execute(
        update(trials)
        .where(trials.c.id == trial_id)
        .values(
            spent_micros=trials.c.spent_micros + spent,
            reserved_micros=trials.c.reserved_micros - reserved,
        )
    )


async def reap_lost(conn: AsyncConnection, *, at: datetime, batch: int = 100) -> int:
    """Fail running tasks whose lease expired with no attempts left (``worker_lost``)."""
    now = ts(at)
    query = (
        select(tasks)
        .where(
            tasks.c.status == "running",
            tasks.c.lease_expires_at < now,
            tasks.c.attempts >= tasks.c.max_attempts,
        )
        .limit(batch)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    reaped = 0
    for row in list(await conn.execute(query)):
        claimed = Claimed(
            id=row.id,
            token=row.lease_token,
            trial_id=row.trial_id,
            customer_id=row.customer_id,
            agent_id=row.agent_id,
            task=row.task,
            context={},
            sandbox=bool(row.sandbox_mode),
            estimate_micros=row.estimate_micros,
            attempts=row.attempts,
        )
        message = f"its worker stopped {row.attempts} times before it finished"
        if await fail(
            conn, claimed=claimed, code="worker_lost", message=message, cost_micros=0, at=at
        ):
            reaped += 1
    return reaped


async def fail_pending(
    conn: AsyncConnection, *, trial_id: str, code: str, message: str, at: datetime
) -> int:
    """Fail the trial's tasks still waiting in the queue, releasing their reservations."""
    rows = list(
        await conn.execute(
            update(tasks)
            .where(tasks.c.trial_id == trial_id, tasks.c.status == "pending")
            .values(
                status="failed",
                error_code=code,
                error_message=message,
                cost=canonical_json(
                    {
                        "compute_usd": 0.0,
                        "model_usd": 0.0,
                        "total_usd": 0.0,
                        "tokens_in": 0,
                        "tokens_out": 0,
                    }
                ),
                cost_micros=0,
                finished_at=ts(at),
                version=tasks.c.version + 1,
            )
            .returning(tasks.c.id, tasks.c.estimate_micros, tasks.c.customer_id, tasks.c.agent_id)
        )
    )
    if rows:
        await _release(
            conn, trial_id=trial_id, reserved=sum(r.estimate_micros for r in rows), spent=0
        )
    for row in rows:
        await add_activity(
            conn,
            customer_id=row.customer_id,
            trial_id=trial_id,
            agent_id=row.agent_id,
            task_id=row.id,
            kind="task_failed",
            message=f"Queued task dropped ({code})",
            at=at,
        )
    return len(rows)


async def sweep_trials(conn: AsyncConnection, *, at: datetime) -> int:
    """Record trials whose 7 days have passed as completed (reads already show them so)."""
    rows = list(
        await conn.execute(
            update(trials)
            .where(trials.c.status == lifecycle.ACTIVE, trials.c.expires_at <= ts(at))
            .values(status=lifecycle.COMPLETED, ended_at=trials.c.expires_at)
            .returning(trials.c.id, trials.c.customer_id, trials.c.agent_id, trials.c.agent_name)
        )
    )
    for row in rows:
        await add_activity(
            conn,
            customer_id=row.customer_id,
            trial_id=row.id,
            agent_id=row.agent_id,
            kind="trial_completed",
            message=f"Trial of {row.agent_name} ended after {lifecycle.TRIAL_DAYS} days",
            at=at,
        )
    return len(rows)
