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
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ...common.values import canonical_json, ts
from ..domain import trials as lifecycle
from ..domain.values import usd
from ..executor import Outcome
from .records import add_activity, trial_expired
from .tables import activity, deliverables, tasks, trials

__all__ = [
    "Claimed",
    "Finish",
    "claim",
    "complete",
    "fail",
    "fail_pending",
    "finish",
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


@dataclass(frozen=True, slots=True)
class Finish:
    """How a claimed task ended: an ``outcome``, or a ``failure`` (code, message, cost)."""

    claimed: Claimed
    outcome: Outcome | None = None
    failure: tuple[str, str, int] | None = None


def _zero_cost() -> dict[str, Any]:
    return {"compute_usd": 0.0, "model_usd": 0.0, "total_usd": 0.0, "tokens_in": 0, "tokens_out": 0}


async def finish(conn: AsyncConnection, items: Sequence[Finish], *, at: datetime) -> list[bool]:
    """Record how tasks ended, with their deliverables, trial spend and activity, in a few
    statements for the whole batch. Per item: False when its lease was lost (another worker
    took the task over), and nothing of it is recorded."""
    if not items:
        return []
    now = ts(at)
    owned_query = select(tasks.c.id, tasks.c.lease_token).where(
        tasks.c.id.in_([i.claimed.id for i in items]), tasks.c.status == "running"
    )
    if conn.dialect.name == "postgresql":
        owned_query = owned_query.with_for_update()  # held until commit: the check stays true
    owned = {(r.id, r.lease_token) for r in await conn.execute(owned_query)}
    kept = [i for i in items if (i.claimed.id, i.claimed.token) in owned]
    task_rows: list[dict[str, Any]] = []
    made: list[dict[str, Any]] = []
    feed: list[dict[str, Any]] = []
    per_trial: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # spent, reserved, made
    for item in kept:
        c = item.claimed
        title = title_of(c.task)
        row: dict[str, Any] = {
            "b_id": c.id,
            "b_result": None,
            "b_error_code": None,
            "b_error_message": None,
            "b_deliverable": None,
        }
        if item.outcome is not None:
            compute, model = item.outcome.compute_micros, item.outcome.model_micros
            if compute + model > c.estimate_micros:
                # the estimate was reserved as an upper bound; never charge past it
                model = max(0, c.estimate_micros - compute)
            total = compute + model
            breakdown = {
                "compute_usd": usd(compute),
                "model_usd": usd(model),
                "total_usd": usd(total),
                "tokens_in": item.outcome.tokens_in,
                "tokens_out": item.outcome.tokens_out,
            }
            deliverable_id = str(uuid.uuid4())
            result = canonical_json(item.outcome.result)
            row.update(b_status="completed", b_result=result, b_deliverable=deliverable_id)
            made.append(
                {
                    "id": deliverable_id,
                    "trial_id": c.trial_id,
                    "task_id": c.id,
                    "customer_id": c.customer_id,
                    "agent_id": c.agent_id,
                    "title": title,
                    "content": result,
                    "created_at": now,
                }
            )
            kind, message = "task_completed", f"Task completed: {title}"
            per_trial[c.trial_id][2] += 1
        else:
            assert item.failure is not None
            code, text, cost_micros = item.failure
            total = min(max(0, cost_micros), c.estimate_micros)
            breakdown = {**_zero_cost(), "compute_usd": usd(total), "total_usd": usd(total)}
            row.update(b_status="failed", b_error_code=code, b_error_message=text[:2000])
            kind, message = "task_failed", f"Task failed ({code}): {title}"
        row.update(b_cost=canonical_json(breakdown), b_cost_micros=total)
        task_rows.append(row)
        per_trial[c.trial_id][0] += total
        per_trial[c.trial_id][1] += c.estimate_micros
        feed.append(
            {
                "id": str(uuid.uuid4()),
                "customer_id": c.customer_id,
                "trial_id": c.trial_id,
                "agent_id": c.agent_id,
                "task_id": c.id,
                "kind": kind,
                "message": message,
                "at": now,
            }
        )
    if kept:
        await conn.execute(
            update(tasks)
            .where(tasks.c.id == bindparam("b_id"))
            .values(
                status=bindparam("b_status"),
                result=bindparam("b_result"),
                error_code=bindparam("b_error_code"),
                error_message=bindparam("b_error_message"),
                cost=bindparam("b_cost"),
                cost_micros=bindparam("b_cost_micros"),
                deliverable_id=bindparam("b_deliverable"),
                finished_at=now,
                lease_token=None,
                lease_expires_at=None,
                version=tasks.c.version + 1,
            ),
            task_rows,
        )
        if made:
            await conn.execute(insert(deliverables), made)
        await conn.execute(
            update(trials)
            .where(trials.c.id == bindparam("b_trial"))
            .values(
                spent_micros=trials.c.spent_micros + bindparam("b_spent"),
                reserved_micros=trials.c.reserved_micros - bindparam("b_reserved"),
                deliverables_count=trials.c.deliverables_count + bindparam("b_made"),
            ),
            [
                {"b_trial": t, "b_spent": d[0], "b_reserved": d[1], "b_made": d[2]}
                for t, d in sorted(per_trial.items())  # one lock order for every worker
            ],
        )
        await conn.execute(insert(activity), feed)
    return [(i.claimed.id, i.claimed.token) in owned for i in items]


async def complete(
    conn: AsyncConnection, *, claimed: Claimed, outcome: Outcome, at: datetime
) -> bool:
    """Record one result; False when the lease was lost."""
    (done,) = await finish(conn, [Finish(claimed, outcome=outcome)], at=at)
    return done


async def fail(
    conn: AsyncConnection,
    *,
    claimed: Claimed,
    code: str,
    message: str,
    cost_micros: int,
    at: datetime,
) -> bool:
    """Record one failure (and what it cost); False when the lease was lost."""
    (done,) = await finish(conn, [Finish(claimed, failure=(code, message, cost_micros))], at=at)
    return done


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
                cost=canonical_json(_zero_cost()),
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
            .where(trial_expired(at))
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
