"""Trials tag: start, list, read, dashboard, cancel, convert; deliverables and activity.

Every query is scoped to the token's customer: another customer's trial is a 404, exactly
like a trial that does not exist.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from waooaw.generated.cp import models, server
from waooaw.generated.plant import models as plant
from waooaw.runtime.security import Principal

from ...common.db import unique_violation
from ...common.errors import conflict, not_found
from ...common.idempotency import create_once
from ...common.pagination import decode_cursor, encode_cursor
from ...common.values import parse_ts, ts
from ..domain import trials as lifecycle
from ..domain.values import usd
from ..storage import catalogue as store
from ..storage import queue, records
from ..storage.tables import activity, catalogue, deliverables, idempotency_keys, tasks, trials
from . import views
from .context import Caller, CpContext

__all__ = ["TrialsService"]

DASHBOARD_DELIVERABLES = 10
DASHBOARD_ACTIVITY = 20


def _notice(limit_micros: int) -> str:
    return (
        "Trial mode - limited functionality: tasks run in a sandbox that never reaches outside"
        f" systems, within a {usd(limit_micros):.2f} USD budget."
    )


class TrialsService:
    def __init__(self, ctx: CpContext) -> None:
        self.ctx = ctx

    # -------------------------------------------------------------------- create

    async def create_trial(
        self,
        *,
        idempotency_key: str | None,
        x_correlation_id: str | None,
        principal: Principal,
        body: models.TrialCreate,
    ) -> server.CreateTrialResult:
        caller = Caller.of(principal)
        # availability is Plant's current word, never a cached one
        agent = await self.ctx.plant.agent(body.agent_id, fresh=True)
        if agent is None:
            raise not_found("agent", body.agent_id)
        if agent.status != plant.AgentStatus.ACTIVE:
            raise conflict(
                f"agent {body.agent_id} is {agent.status.value} in Plant and cannot be tried",
                kind="agent-unavailable",
                title="Agent Unavailable",
            )

        async def create(conn: AsyncConnection) -> models.Trial:
            return await self._create(conn, caller, agent)

        try:
            trial = await create_once(
                self.ctx.db,
                idempotency_keys,
                scope=caller.scope("createTrial"),
                key=idempotency_key,
                body=body,
                model=models.Trial,
                status_code=201,
                create=create,
            )
        except IntegrityError as exc:
            if unique_violation(exc, trials, "customer_id", "agent_id"):
                raise conflict(
                    f"you already have a trial of agent {body.agent_id}; a trial can be started"
                    " once per agent",
                    kind="trial-exists",
                    title="Trial Already Exists",
                ) from None
            raise
        return server.CreateTrial201Response(body=trial)

    async def _create(
        self, conn: AsyncConnection, caller: Caller, agent: plant.AgentResponse
    ) -> models.Trial:
        at = self.ctx.clock()
        trial_id = str(uuid.uuid4())
        agent_id = str(agent.id)
        await records.ensure_customer(
            conn, customer_id=caller.customer_id, display_name=caller.display_name, at=at
        )
        # the unique constraint on (customer_id, agent_id) decides duplicates, not a read
        await conn.execute(
            insert(trials).values(
                id=trial_id,
                customer_id=caller.customer_id,
                agent_id=agent_id,
                agent_name=agent.name,
                status=lifecycle.ACTIVE,
                trial_mode=True,
                sandbox_url=agent.trial_mode_sandbox_url,
                started_at=ts(at),
                expires_at=ts(at + lifecycle.TRIAL_LENGTH),
                ended_at=None,
                budget_limit_micros=self.ctx.settings.trial_budget_micros,
                spent_micros=0,
                reserved_micros=0,
                deliverables_count=0,
                tasks_count=0,
            )
        )
        state = await store.read_state(conn)
        await store.upsert_agents(
            conn, [agent], generation=state.generation, at=at, keep_generation=True
        )
        await conn.execute(
            update(catalogue)
            .where(catalogue.c.id == agent_id)
            .values(trial_signups=catalogue.c.trial_signups + 1)
        )
        await records.add_activity(
            conn,
            customer_id=caller.customer_id,
            trial_id=trial_id,
            agent_id=agent_id,
            kind="trial_started",
            message=f"Trial of {agent.name} started",
            at=at,
        )
        row = (await conn.execute(select(trials).where(trials.c.id == trial_id))).one()
        return views.trial_model(row, at)

    # -------------------------------------------------------------------- read

    async def _owned(self, conn: AsyncConnection, caller: Caller, trial_id: UUID) -> Row[Any]:
        row = await records.customer_trial(
            conn, customer_id=caller.customer_id, trial_id=str(trial_id)
        )
        if row is None:
            raise not_found("trial", trial_id)
        return row

    async def list_trials(
        self,
        *,
        cursor: str | None,
        limit: int,
        status: models.TrialStatus | None,
        x_correlation_id: str | None,
        principal: Principal,
    ) -> server.ListTrialsResult:
        caller = Caller.of(principal)
        at = self.ctx.clock()
        scope = f"trials:{status.value if status else ''}"
        after = decode_cursor(cursor, scope=scope, types=(int,))
        query = select(trials).where(trials.c.customer_id == caller.customer_id)
        if status is not None:
            query = query.where(records.trial_status_is(status.value, at))
        async with self.ctx.db.read() as conn:
            rows, last = await records.page_desc(
                conn, query, trials.c.seq, before=None if after is None else after[0], limit=limit
            )
        body = models.TrialList(
            items=[views.trial_model(r, at) for r in rows],
            next_cursor=None if last is None else encode_cursor([last], scope=scope),
        )
        return server.ListTrials200Response(body=body)

    async def get_trial(
        self, *, trial_id: UUID, x_correlation_id: str | None, principal: Principal
    ) -> server.GetTrialResult:
        caller = Caller.of(principal)
        async with self.ctx.db.read() as conn:
            row = await self._owned(conn, caller, trial_id)
        return server.GetTrial200Response(body=views.trial_model(row, self.ctx.clock()))

    async def get_trial_dashboard(
        self, *, trial_id: UUID, x_correlation_id: str | None, principal: Principal
    ) -> server.GetTrialDashboardResult:
        caller = Caller.of(principal)
        at = self.ctx.clock()
        async with self.ctx.db.read() as conn:
            row = await self._owned(conn, caller, trial_id)
            made = await records.latest(
                conn, deliverables, trial_id=row.id, limit=DASHBOARD_DELIVERABLES
            )
            feed = await records.latest(conn, activity, trial_id=row.id, limit=DASHBOARD_ACTIVITY)
            counts: dict[str, int] = dict(
                (
                    await conn.execute(
                        select(tasks.c.status, func.count())
                        .where(tasks.c.trial_id == row.id)
                        .group_by(tasks.c.status)
                    )
                ).all()
            )
        trial = views.trial_model(row, at)
        left = lifecycle.time_left(trial.status.value, parse_ts(row.expires_at), at)
        body = models.TrialDashboard(
            trial=trial,
            time_remaining=models.TimeRemaining(
                total_seconds=left.total_seconds,
                days=left.days,
                hours=left.hours,
                minutes=left.minutes,
                label=left.label,
            ),
            deliverables=[views.deliverable_model(d) for d in made],
            activity=[views.activity_model(a) for a in feed],
            budget=trial.budget,
            tasks=models.TaskCounts(
                pending=int(counts.get("pending", 0)),
                running=int(counts.get("running", 0)),
                completed=int(counts.get("completed", 0)),
                failed=int(counts.get("failed", 0)),
            ),
            notice=_notice(row.budget_limit_micros),
        )
        return server.GetTrialDashboard200Response(body=body)

    async def list_trial_deliverables(
        self,
        *,
        trial_id: UUID,
        cursor: str | None,
        limit: int,
        x_correlation_id: str | None,
        principal: Principal,
    ) -> server.ListTrialDeliverablesResult:
        caller = Caller.of(principal)
        scope = f"deliverables:{trial_id}"
        async with self.ctx.db.read() as conn:
            row = await self._owned(conn, caller, trial_id)
            after = decode_cursor(cursor, scope=scope, types=(int,))
            rows, last = await records.page_desc(
                conn,
                select(deliverables).where(deliverables.c.trial_id == row.id),
                deliverables.c.seq,
                before=None if after is None else after[0],
                limit=limit,
            )
        body = models.DeliverableList(
            items=[views.deliverable_model(r) for r in rows],
            next_cursor=None if last is None else encode_cursor([last], scope=scope),
        )
        return server.ListTrialDeliverables200Response(body=body)

    async def list_trial_activity(
        self,
        *,
        trial_id: UUID,
        cursor: str | None,
        limit: int,
        x_correlation_id: str | None,
        principal: Principal,
    ) -> server.ListTrialActivityResult:
        caller = Caller.of(principal)
        scope = f"activity:{trial_id}"
        async with self.ctx.db.read() as conn:
            row = await self._owned(conn, caller, trial_id)
            after = decode_cursor(cursor, scope=scope, types=(int,))
            rows, last = await records.page_desc(
                conn,
                select(activity).where(activity.c.trial_id == row.id),
                activity.c.seq,
                before=None if after is None else after[0],
                limit=limit,
            )
        body = models.ActivityList(
            items=[views.activity_model(r) for r in rows],
            next_cursor=None if last is None else encode_cursor([last], scope=scope),
        )
        return server.ListTrialActivity200Response(body=body)

    # -------------------------------------------------------------------- transitions

    async def cancel_trial(
        self, *, trial_id: UUID, x_correlation_id: str | None, principal: Principal
    ) -> server.CancelTrialResult:
        caller = Caller.of(principal)
        row = await self._change(caller, trial_id, lifecycle.CANCELLED)
        return server.CancelTrial200Response(body=views.trial_model(row, self.ctx.clock()))

    async def convert_trial(
        self, *, trial_id: UUID, x_correlation_id: str | None, principal: Principal
    ) -> server.ConvertTrialResult:
        caller = Caller.of(principal)
        row = await self._change(caller, trial_id, lifecycle.CONVERTED)
        return server.ConvertTrial200Response(body=views.trial_model(row, self.ctx.clock()))

    async def _change(self, caller: Caller, trial_id: UUID, target: str) -> Row[Any]:
        at = self.ctx.clock()
        async with self.ctx.db.write() as conn:
            row = await self._owned(conn, caller, trial_id)
            expires = parse_ts(row.expires_at)
            current = lifecycle.effective_status(row.status, expires, at)
            if not lifecycle.can_change(current, target):
                allowed = sorted(s for s, to in lifecycle.TRANSITIONS.items() if target in to)
                raise conflict(
                    f"trial {trial_id} is {current}; only {' or '.join(allowed)} trials can be"
                    f" {target}",
                    kind="invalid-transition",
                    title="Invalid Trial Transition",
                )
            ended = row.ended_at or ts(min(at, expires))
            # conditional on the status read, so a concurrent change makes this a 409
            changed = await conn.execute(
                update(trials)
                .where(trials.c.id == row.id, trials.c.status == row.status)
                .values(status=target, ended_at=ended)
            )
            if changed.rowcount != 1:
                raise conflict(f"trial {trial_id} changed concurrently; read it again")
            await self._after_change(conn, row, target, at)
            return (await conn.execute(select(trials).where(trials.c.id == row.id))).one()

    async def _after_change(
        self, conn: AsyncConnection, row: Row[Any], target: str, at: datetime
    ) -> None:
        if target == lifecycle.CANCELLED:
            dropped = await queue.fail_pending(
                conn,
                trial_id=row.id,
                code="trial_cancelled",
                message="the trial was cancelled before the task started",
                at=at,
            )
            message = f"Trial of {row.agent_name} cancelled; deliverables are kept"
            if dropped:
                message += f" ({dropped} queued task{'s' if dropped != 1 else ''} dropped)"
        else:
            message = f"Trial of {row.agent_name} converted to a subscription"
        await records.add_activity(
            conn,
            customer_id=row.customer_id,
            trial_id=row.id,
            agent_id=row.agent_id,
            kind=f"trial_{target}",
            message=message,
            at=at,
        )
