"""Customers tag: the caller as CP knows them."""

from __future__ import annotations

from sqlalchemy import func, select, update

from waooaw.generated.cp import models, server
from waooaw.runtime.security import Principal

from ...common.values import parse_ts, ts
from ..domain import trials as lifecycle
from ..storage import records
from ..storage.tables import customers, trials
from .context import Caller, CpContext

__all__ = ["CustomersService"]


class CustomersService:
    def __init__(self, ctx: CpContext) -> None:
        self.ctx = ctx

    async def get_current_customer(
        self, *, x_correlation_id: str | None, principal: Principal
    ) -> server.GetCurrentCustomerResult:
        caller = Caller.of(principal)
        at = self.ctx.clock()
        async with self.ctx.db.write() as conn:
            await records.ensure_customer(
                conn, customer_id=caller.customer_id, display_name=caller.display_name, at=at
            )
            await conn.execute(
                update(customers)
                .where(customers.c.id == caller.customer_id)
                .values(display_name=caller.display_name, last_seen_at=ts(at))
            )
            row = (
                await conn.execute(select(customers).where(customers.c.id == caller.customer_id))
            ).one()
            total = (
                await conn.execute(
                    select(func.count()).where(trials.c.customer_id == caller.customer_id)
                )
            ).scalar_one()
            active = (
                await conn.execute(
                    select(func.count()).where(
                        trials.c.customer_id == caller.customer_id,
                        records.trial_status_is(lifecycle.ACTIVE, at),
                    )
                )
            ).scalar_one()
        body = models.Customer(
            id=row.id,
            display_name=row.display_name,
            created_at=parse_ts(row.created_at),
            trials_active=int(active),
            trials_total=int(total),
        )
        return server.GetCurrentCustomer200Response(body=body)
