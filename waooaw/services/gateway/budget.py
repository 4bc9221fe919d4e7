"""Layer 5: budgets, metered at the gateway from what executions report.

An execution call declares the most it may cost (``max_cost_micros``); :meth:`BudgetGate.
reserve` holds that much on the agent's budget and, for a trial task, on the trial's,
before the call goes upstream, or refuses it with 402 and what remains. When the
executor answers, :meth:`BudgetGate.settle` replaces the hold with the cost it reported
(``total_micros``), or releases it when the execution did not run.
"""

from __future__ import annotations

from dataclasses import dataclass

from waooaw.runtime.server import ProblemError

from ..common.db import Database
from .storage import budgets as store

__all__ = ["BUDGET_EXCEEDED", "BudgetGate", "Hold"]

BUDGET_EXCEEDED = "https://waooaw.com/errors/budget-exceeded"


@dataclass(frozen=True, slots=True)
class Hold:
    subjects: tuple[tuple[str, str], ...]
    amount: int


class BudgetGate:
    def __init__(self, db: Database, *, agent_cap: int, trial_cap: int) -> None:
        self.db = db
        self.agent_cap = agent_cap
        self.trial_cap = trial_cap

    async def reserve(self, *, agent_id: str, trial_id: str | None, amount: int) -> Hold:
        subjects = [("agent", agent_id, self.agent_cap)]
        if trial_id is not None:
            subjects.append(("trial", trial_id, self.trial_cap))
        try:
            async with self.db.write() as conn:
                await store.reserve(conn, subjects, amount)
        except store.Exceeded as exc:
            b = exc.budget
            remaining = max(b.remaining_micros, 0)
            raise ProblemError(
                402,
                f"the {b.scope} {b.subject_id} has {remaining} micro-dollars left of its"
                f" {b.cap_micros} cap; this execution may cost up to {amount}",
                type=BUDGET_EXCEEDED,
                title="Budget Exceeded",
                extra={
                    "scope": b.scope,
                    "subject_id": b.subject_id,
                    "cap_micros": b.cap_micros,
                    "remaining_micros": remaining,
                    "requested_micros": amount,
                },
            ) from None
        return Hold(tuple((s, i) for s, i, _ in subjects), amount)

    async def settle(self, hold: Hold, spent: int | None) -> None:
        async with self.db.write() as conn:
            await store.settle(conn, hold.subjects, hold.amount, spent)
