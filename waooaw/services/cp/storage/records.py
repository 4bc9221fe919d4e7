"""Reading and writing CP's own records (keyword-only functions over a connection), and
turning rows into the contract's models."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from waooaw.generated.cp import models

from ..domain import trials as lifecycle
from ..domain.values import parse_ts, ts, usd
from .tables import activity, customers, reviews, tasks, trials

__all__ = [
    "activity_model",
    "add_activity",
    "customer_task",
    "customer_trial",
    "deliverable_model",
    "ensure_customer",
    "latest",
    "page_desc",
    "recent_reviews",
    "review_model",
    "task_model",
    "trial_budget",
    "trial_model",
    "upsert",
]


def upsert(conn: AsyncConnection) -> Any:
    """The dialect's ``INSERT`` with ``ON CONFLICT`` support."""
    return pg_insert if conn.dialect.name == "postgresql" else sqlite_insert


async def ensure_customer(
    conn: AsyncConnection, *, customer_id: str, display_name: str | None, at: datetime
) -> None:
    """Record a customer on first sight; an existing row is left alone (no lock taken)."""
    stmt = (
        upsert(conn)(customers)
        .values(id=customer_id, display_name=display_name, created_at=ts(at), last_seen_at=ts(at))
        .on_conflict_do_nothing(index_elements=["id"])
    )
    await conn.execute(stmt)


async def add_activity(
    conn: AsyncConnection,
    *,
    customer_id: str,
    trial_id: str,
    agent_id: str,
    kind: str,
    message: str,
    at: datetime,
    task_id: str | None = None,
) -> None:
    await conn.execute(
        insert(activity).values(
            id=str(uuid.uuid4()),
            customer_id=customer_id,
            trial_id=trial_id,
            agent_id=agent_id,
            task_id=task_id,
            kind=kind,
            message=message[:500],
            at=ts(at),
        )
    )


async def page_desc(
    conn: AsyncConnection, query: Select[Any], seq_column: Any, *, before: int | None, limit: int
) -> tuple[list[Row[Any]], int | None]:
    """Newest first: one page and the ``seq`` to continue before (None on the last page)."""
    if before is not None:
        query = query.where(seq_column < before)
    rows = list(await conn.execute(query.order_by(seq_column.desc()).limit(limit + 1)))
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].seq
    return rows, None


def _dt(value: str | None) -> datetime | None:
    return None if value is None else parse_ts(value)


def trial_budget(row: Row[Any]) -> models.TrialBudget:
    remaining = max(0, row.budget_limit_micros - row.spent_micros - row.reserved_micros)
    return models.TrialBudget(
        limit_usd=usd(row.budget_limit_micros),
        spent_usd=usd(row.spent_micros),
        reserved_usd=usd(row.reserved_micros),
        remaining_usd=usd(remaining),
    )


def trial_model(row: Row[Any], at: datetime) -> models.Trial:
    expires = parse_ts(row.expires_at)
    status = lifecycle.effective_status(row.status, expires, at)
    ended = row.ended_at
    if status != row.status:  # expired, not yet recorded by the sweeper
        ended = row.expires_at
    return models.Trial(
        id=row.id,
        agent_id=row.agent_id,
        agent_name=row.agent_name,
        status=models.TrialStatus(status),
        trial_mode=bool(row.trial_mode),
        started_at=parse_ts(row.started_at),
        expires_at=expires,
        ended_at=_dt(ended),
        time_remaining_seconds=lifecycle.time_left(status, expires, at).total_seconds,
        deliverables_count=row.deliverables_count,
        tasks_count=row.tasks_count,
        budget=trial_budget(row),
        sandbox_url=row.sandbox_url,
    )


def task_model(row: Row[Any]) -> models.Task:
    error = None
    if row.error_code is not None:
        error = models.TaskError(code=row.error_code, message=row.error_message or row.error_code)
    cost = None if row.cost is None else models.CostBreakdown.model_validate_json(row.cost)
    return models.Task(
        id=row.id,
        agent_id=row.agent_id,
        trial_id=row.trial_id,
        status=models.TaskStatus(row.status),
        sandbox_mode=bool(row.sandbox_mode),
        input=models.TaskInput(task=row.task, context=json.loads(row.context)),
        result=None if row.result is None else json.loads(row.result),
        error=error,
        cost_estimate_usd=usd(row.estimate_micros),
        cost=cost,
        attempts=row.attempts,
        deliverable_id=row.deliverable_id,
        created_at=parse_ts(row.created_at),
        started_at=_dt(row.started_at),
        finished_at=_dt(row.finished_at),
    )


def deliverable_model(row: Row[Any]) -> models.Deliverable:
    return models.Deliverable(
        id=row.id,
        trial_id=row.trial_id,
        task_id=row.task_id,
        agent_id=row.agent_id,
        title=row.title,
        content=json.loads(row.content),
        created_at=parse_ts(row.created_at),
    )


def activity_model(row: Row[Any]) -> models.ActivityEntry:
    return models.ActivityEntry(
        id=row.id,
        kind=models.ActivityKind(row.kind),
        message=row.message,
        trial_id=row.trial_id,
        agent_id=row.agent_id,
        task_id=row.task_id,
        at=parse_ts(row.at),
    )


def review_model(row: Row[Any]) -> models.Review:
    return models.Review(
        id=row.id,
        agent_id=row.agent_id,
        rating=row.rating,
        text=row.text,
        author=row.author,
        created_at=parse_ts(row.created_at),
    )


async def customer_trial(
    conn: AsyncConnection, *, customer_id: str, trial_id: str
) -> Row[Any] | None:
    """The customer's trial with this id; another customer's is as absent as a missing one."""
    return (
        await conn.execute(
            select(trials).where(trials.c.id == trial_id, trials.c.customer_id == customer_id)
        )
    ).first()


async def customer_task(
    conn: AsyncConnection, *, customer_id: str, task_id: str
) -> Row[Any] | None:
    return (
        await conn.execute(
            select(tasks).where(tasks.c.id == task_id, tasks.c.customer_id == customer_id)
        )
    ).first()


async def latest(
    conn: AsyncConnection, table: Any, *, trial_id: str, limit: int
) -> Sequence[Row[Any]]:
    return list(
        await conn.execute(
            select(table)
            .where(table.c.trial_id == trial_id)
            .order_by(table.c.seq.desc())
            .limit(limit)
        )
    )


async def recent_reviews(conn: AsyncConnection, *, agent_id: str, limit: int) -> list[Row[Any]]:
    return list(
        await conn.execute(
            select(reviews)
            .where(reviews.c.agent_id == agent_id)
            .order_by(reviews.c.seq.desc())
            .limit(limit)
        )
    )
