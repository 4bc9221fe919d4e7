"""Reading and writing CP's own records (keyword-only functions over a connection).

Storage returns rows; ``api/views.py`` turns them into the contract's models."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, insert, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from ...common.values import ts
from ..domain import trials as lifecycle
from .tables import activity, customers, reviews, tasks, trials

__all__ = [
    "add_activity",
    "customer_task",
    "customer_trial",
    "ensure_customer",
    "latest",
    "page_desc",
    "recent_reviews",
    "trial_expired",
    "trial_status_is",
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


# -- the effective status of a trial, in SQL -----------------------------------------------
# ``lifecycle.effective_status`` says it for one row: an active trial whose expiry has passed
# is completed, whether or not the sweeper has recorded it yet. Every query that filters,
# counts or changes trials by status uses these, so the rule is written once for SQL too.


def trial_expired(at: datetime) -> ColumnElement[bool]:
    """Active as stored, completed in effect: the trial's 7 days have passed."""
    return and_(trials.c.status == lifecycle.ACTIVE, trials.c.expires_at <= ts(at))


def trial_status_is(status: str, at: datetime) -> ColumnElement[bool]:
    """The trial's effective status at ``at`` is ``status``."""
    if status == lifecycle.ACTIVE:
        return and_(trials.c.status == lifecycle.ACTIVE, trials.c.expires_at > ts(at))
    if status == lifecycle.COMPLETED:
        return or_(trials.c.status == lifecycle.COMPLETED, trial_expired(at))
    return trials.c.status == status


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
