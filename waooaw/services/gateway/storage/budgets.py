"""Layer 5's storage: per-agent and per-trial budgets, reserved before and settled after.

:func:`reserve` holds an execution's declared upper bound (``max_cost_micros``) against
every budget it draws on, in one transaction, with conditional updates
(``spent + reserved + amount <= cap``): two executions can never both take the last of a
cap, however many run at once. :func:`settle` turns a reservation into the spend the
execution reported (or releases it when the execution never ran).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import budgets

__all__ = ["BudgetRow", "Exceeded", "list_budgets", "reserve", "set_cap", "settle"]


@dataclass(frozen=True, slots=True)
class BudgetRow:
    scope: str
    subject_id: str
    cap_micros: int
    spent_micros: int
    reserved_micros: int
    executions: int

    @property
    def remaining_micros(self) -> int:
        return self.cap_micros - self.spent_micros - self.reserved_micros


class Exceeded(Exception):
    """Reserving would pass a cap; ``budget`` is the one that would be passed."""

    def __init__(self, budget: BudgetRow, amount: int) -> None:
        super().__init__(
            f"{budget.scope} {budget.subject_id}: {amount} > {budget.remaining_micros}"
        )
        self.budget = budget
        self.amount = amount


def _row(r: Row[Any]) -> BudgetRow:
    return BudgetRow(
        r.scope, r.subject_id, r.cap_micros, r.spent_micros, r.reserved_micros, r.executions
    )


async def _ensure(conn: AsyncConnection, scope: str, subject_id: str, default_cap: int) -> None:
    exists = (
        await conn.execute(
            select(budgets.c.cap_micros).where(
                budgets.c.scope == scope, budgets.c.subject_id == subject_id
            )
        )
    ).first()
    if exists is not None:
        return
    try:
        async with conn.begin_nested():
            await conn.execute(
                insert(budgets).values(
                    scope=scope,
                    subject_id=subject_id,
                    cap_micros=default_cap,
                    spent_micros=0,
                    reserved_micros=0,
                    executions=0,
                )
            )
    except IntegrityError:
        pass  # created meanwhile by another call


async def _get(conn: AsyncConnection, scope: str, subject_id: str) -> BudgetRow:
    r = (
        await conn.execute(
            select(budgets).where(budgets.c.scope == scope, budgets.c.subject_id == subject_id)
        )
    ).one()
    return _row(r)


async def reserve(
    conn: AsyncConnection, subjects: Sequence[tuple[str, str, int]], amount: int
) -> None:
    """Hold ``amount`` on every ``(scope, subject_id, default_cap)``, or on none (raises)."""
    for scope, subject_id, default_cap in subjects:
        await _ensure(conn, scope, subject_id, default_cap)
        c = budgets.c
        done = await conn.execute(
            update(budgets)
            .where(
                c.scope == scope,
                c.subject_id == subject_id,
                c.spent_micros + c.reserved_micros + amount <= c.cap_micros,
            )
            .values(reserved_micros=c.reserved_micros + amount)
        )
        if done.rowcount != 1:
            raise Exceeded(await _get(conn, scope, subject_id), amount)


async def settle(
    conn: AsyncConnection, subjects: Sequence[tuple[str, str]], reserved: int, spent: int | None
) -> None:
    """Release ``reserved``; charge ``spent`` (None: the execution did not run)."""
    c = budgets.c
    for scope, subject_id in subjects:
        values: dict[str, Any] = {"reserved_micros": c.reserved_micros - reserved}
        if spent is not None:
            values["spent_micros"] = c.spent_micros + spent
            values["executions"] = c.executions + 1
        await conn.execute(
            update(budgets).where(c.scope == scope, c.subject_id == subject_id).values(**values)
        )


async def set_cap(conn: AsyncConnection, *, scope: str, subject_id: str, cap: int) -> BudgetRow:
    await _ensure(conn, scope, subject_id, cap)
    await conn.execute(
        update(budgets)
        .where(budgets.c.scope == scope, budgets.c.subject_id == subject_id)
        .values(cap_micros=cap)
    )
    return await _get(conn, scope, subject_id)


async def list_budgets(conn: AsyncConnection, *, after: int, limit: int) -> list[BudgetRow]:
    """A page of budgets (agents first, then trials, by id), skipping ``after`` rows."""
    rows = await conn.execute(
        select(budgets).order_by(budgets.c.scope, budgets.c.subject_id).offset(after).limit(limit)
    )
    return [_row(r) for r in rows]
