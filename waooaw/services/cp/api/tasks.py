"""Tasks tag: queue a task under an active trial, read tasks, stream their status changes."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from waooaw.generated.cp import models, server
from waooaw.generated.plant import models as plant
from waooaw.runtime.security import Principal

from ...common.errors import conflict, not_found
from ...common.idempotency import create_once
from ...common.pagination import decode_cursor, encode_cursor
from ...common.values import canonical_json, parse_ts, ts
from ..domain import trials as lifecycle
from ..domain.values import usd
from ..storage import records
from ..storage.queue import title_of
from ..storage.tables import catalogue, idempotency_keys, tasks, trials
from . import views
from .context import Caller, CpContext

__all__ = ["TasksService"]

TERMINAL = frozenset({"completed", "failed"})


def _event(event: str, event_id: int, task: models.Task) -> bytes:
    data = task.model_dump_json(by_alias=True)
    return f"id: {event_id}\nevent: {event}\ndata: {data}\n\n".encode()


class TasksService:
    def __init__(self, ctx: CpContext) -> None:
        self.ctx = ctx

    async def execute_agent_task(
        self,
        *,
        agent_id: UUID,
        idempotency_key: str | None,
        x_correlation_id: str | None,
        principal: Principal,
        body: models.TaskCreate,
    ) -> server.ExecuteAgentTaskResult:
        caller = Caller.of(principal)

        async def create(conn: AsyncConnection) -> models.TaskAccepted:
            return await self._enqueue(conn, caller, str(agent_id), body)

        accepted = await create_once(
            self.ctx.db,
            idempotency_keys,
            scope=caller.scope("executeAgentTask", str(agent_id)),
            key=idempotency_key,
            body=body,
            model=models.TaskAccepted,
            status_code=202,
            create=create,
        )
        return server.ExecuteAgentTask202Response(body=accepted)

    async def _enqueue(
        self, conn: AsyncConnection, caller: Caller, agent_id: str, body: models.TaskCreate
    ) -> models.TaskAccepted:
        at = self.ctx.clock()
        now = ts(at)
        trial = (
            await conn.execute(
                select(trials).where(
                    trials.c.customer_id == caller.customer_id, trials.c.agent_id == agent_id
                )
            )
        ).first()
        if trial is None:
            raise conflict(
                f"you have no trial of agent {agent_id}; start one with POST /api/v1/trials",
                kind="no-active-trial",
                title="No Active Trial",
            )
        status = lifecycle.effective_status(trial.status, parse_ts(trial.expires_at), at)
        if status != lifecycle.ACTIVE:
            raise conflict(
                f"your trial of agent {agent_id} is {status}; tasks run only during an active"
                " trial",
                kind="no-active-trial",
                title="No Active Trial",
            )
        plant_status = (
            await conn.execute(select(catalogue.c.plant_status).where(catalogue.c.id == agent_id))
        ).scalar()
        if plant_status is not None and plant_status != plant.AgentStatus.ACTIVE.value:
            raise conflict(
                f"agent {agent_id} is {plant_status} in Plant and cannot run tasks",
                kind="agent-unavailable",
                title="Agent Unavailable",
            )
        context = dict(body.context or {})
        estimate = self.ctx.executor.estimate(task=body.task, context=context, sandbox=True)
        # one conditional UPDATE reserves the estimate: concurrent requests cannot overspend
        reserved = await conn.execute(
            update(trials)
            .where(
                trials.c.id == trial.id,
                records.trial_status_is(lifecycle.ACTIVE, at),
                trials.c.spent_micros + trials.c.reserved_micros + estimate.cost_micros
                <= trials.c.budget_limit_micros,
            )
            .values(
                reserved_micros=trials.c.reserved_micros + estimate.cost_micros,
                tasks_count=trials.c.tasks_count + 1,
            )
        )
        if reserved.rowcount != 1:
            fresh = (await conn.execute(select(trials).where(trials.c.id == trial.id))).one()
            if lifecycle.effective_status(fresh.status, parse_ts(fresh.expires_at), at) != (
                lifecycle.ACTIVE
            ):
                raise conflict(
                    f"your trial of agent {agent_id} is no longer active",
                    kind="no-active-trial",
                    title="No Active Trial",
                )
            left = fresh.budget_limit_micros - fresh.spent_micros - fresh.reserved_micros
            raise conflict(
                f"this task's cost estimate ({usd(estimate.cost_micros):.4f} USD) exceeds what is"
                f" left of the trial's budget ({usd(max(0, left)):.4f} of"
                f" {usd(fresh.budget_limit_micros):.2f} USD, counting unfinished tasks)",
                kind="budget-exceeded",
                title="Trial Budget Exceeded",
            )
        task_id = str(uuid.uuid4())
        await conn.execute(
            insert(tasks).values(
                id=task_id,
                trial_id=trial.id,
                customer_id=caller.customer_id,
                agent_id=agent_id,
                status="pending",
                sandbox_mode=True,
                task=body.task,
                context=canonical_json(context),
                estimate_micros=estimate.cost_micros,
                estimate_ms=round(estimate.seconds * 1000),
                attempts=0,
                max_attempts=self.ctx.settings.task_max_attempts,
                version=1,
                created_at=now,
            )
        )
        await records.add_activity(
            conn,
            customer_id=caller.customer_id,
            trial_id=trial.id,
            agent_id=agent_id,
            task_id=task_id,
            kind="task_queued",
            message=f"Task queued: {title_of(body.task)}",
            at=at,
        )
        return models.TaskAccepted(
            task_id=task_id,
            agent_id=agent_id,
            trial_id=trial.id,
            status=models.TaskStatus.PENDING,
            sandbox_mode=True,
            cost_estimate_usd=usd(estimate.cost_micros),
            estimated_completion_seconds=float(estimate.seconds),
            created_at=parse_ts(now),
        )

    async def list_tasks(
        self,
        *,
        cursor: str | None,
        limit: int,
        status: models.TaskStatus | None,
        trial_id: UUID | None,
        x_correlation_id: str | None,
        principal: Principal,
    ) -> server.ListTasksResult:
        caller = Caller.of(principal)
        scope = f"tasks:{trial_id or ''}:{status.value if status else ''}"
        after = decode_cursor(cursor, scope=scope, types=(int,))
        query = select(tasks).where(tasks.c.customer_id == caller.customer_id)
        if trial_id is not None:
            query = query.where(tasks.c.trial_id == str(trial_id))
        if status is not None:
            query = query.where(tasks.c.status == status.value)
        async with self.ctx.db.read() as conn:
            rows, last = await records.page_desc(
                conn, query, tasks.c.seq, before=None if after is None else after[0], limit=limit
            )
        body = models.TaskList(
            items=[views.task_model(r) for r in rows],
            next_cursor=None if last is None else encode_cursor([last], scope=scope),
        )
        return server.ListTasks200Response(body=body)

    async def get_task(
        self, *, task_id: UUID, x_correlation_id: str | None, principal: Principal
    ) -> server.GetTaskResult:
        caller = Caller.of(principal)
        async with self.ctx.db.read() as conn:
            row = await records.customer_task(
                conn, customer_id=caller.customer_id, task_id=str(task_id)
            )
        if row is None:
            raise not_found("task", task_id)
        return server.GetTask200Response(body=views.task_model(row))

    async def stream_task_events(
        self, *, task_id: UUID, x_correlation_id: str | None, principal: Principal
    ) -> server.StreamTaskEventsResult:
        caller = Caller.of(principal)
        async with self.ctx.db.read() as conn:
            row = await records.customer_task(
                conn, customer_id=caller.customer_id, task_id=str(task_id)
            )
        if row is None:  # decided before the stream starts, so it is a real 404
            raise not_found("task", task_id)
        return server.StreamTaskEvents200Response(
            body=self._events(caller.customer_id, str(task_id)),
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    async def _events(self, customer_id: str, task_id: str) -> AsyncIterator[bytes]:
        """The task now, then each change, until it is terminal or the time limit passes."""
        settings = self.ctx.settings
        deadline = time.monotonic() + settings.sse_max_seconds
        last_sent = time.monotonic()
        seen = -1
        while True:
            async with self.ctx.db.read() as conn:
                row = await records.customer_task(conn, customer_id=customer_id, task_id=task_id)
            if row is None:  # pragma: no cover - tasks are never deleted
                return
            if row.version != seen:
                seen = row.version
                last_sent = time.monotonic()
                yield _event("status", row.version, views.task_model(row))
                if row.status in TERMINAL:
                    return
            now = time.monotonic()
            if now >= deadline:
                yield _event("timeout", row.version, views.task_model(row))
                return
            if now - last_sent >= settings.sse_keepalive_seconds:
                last_sent = now
                yield b": keep-alive\n\n"
            await asyncio.sleep(min(settings.sse_poll_seconds, max(0.0, deadline - now)))
