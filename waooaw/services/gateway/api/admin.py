"""The admin API (contracts/gateway.openapi.yaml): routes, policies, budgets, decisions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from sqlalchemy import text

from waooaw.generated.gateway import models, server
from waooaw.runtime.security import Principal
from waooaw.runtime.server import ProblemError

from ...common.db import Database, DatabaseUnavailable, migration_status
from ...common.pagination import decode_position, encode_cursor
from ..config import GatewaySettings
from ..policy import PolicyEngine
from ..routing import RouteCache
from ..storage import budgets as budget_store
from ..storage import routes as route_store
from ..storage.budgets import BudgetRow
from ..storage.routes import RouteRow
from ..storage.tables import VERSION_TABLE

__all__ = [
    "MIGRATIONS",
    "AdminContext",
    "BudgetsService",
    "DecisionsService",
    "PoliciesService",
    "RoutesService",
    "SystemService",
]

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


@dataclass(slots=True)
class AdminContext:
    settings: GatewaySettings
    db: Database
    routes: RouteCache
    policy: PolicyEngine


def _route(r: RouteRow) -> models.Route:
    return models.Route.model_validate(
        {
            "id": r.id,
            "match": r.match,
            "pool": r.pool,
            "version": r.version,
            "upstream_url": r.upstream_url,
            "weight": r.weight,
            "previous_weight": r.previous_weight,
            "enabled": r.enabled,
            "updated_at": r.updated_at,
        }
    )


def _group(match: str, pool: str, generation: int, rows: list[RouteRow]) -> models.RouteGroup:
    return models.RouteGroup.model_validate(
        {
            "match": match,
            "pool": pool,
            "generation": generation,
            "routes": [_route(r) for r in rows],
        }
    )


def _budget(b: BudgetRow) -> models.Budget:
    return models.Budget(
        scope=models.BudgetScope(b.scope),
        subject_id=b.subject_id,
        cap_micros=b.cap_micros,
        spent_micros=b.spent_micros,
        reserved_micros=b.reserved_micros,
        remaining_micros=b.remaining_micros,
        executions=b.executions,
    )


def _pool(pool: models.RoutePool | None) -> str:
    return "default" if pool is None else pool.value


class RoutesService:
    def __init__(self, ctx: AdminContext) -> None:
        self.ctx = ctx

    async def list_routes(
        self, *, cursor: str | None, limit: int, x_correlation_id: str | None, principal: Principal
    ) -> server.ListRoutesResult:
        after = decode_position(cursor)
        async with self.ctx.db.read() as conn:
            generation = await route_store.generation(conn)
            rows = await route_store.all_routes(conn)
        page = rows[after : after + limit]
        more = after + limit < len(rows)
        return server.ListRoutes200Response(
            body=models.RouteTable(
                generation=generation,
                next_cursor=encode_cursor(after + limit) if more else None,
                items=[_route(r) for r in page],
            )
        )

    async def create_route(
        self, *, x_correlation_id: str | None, principal: Principal, body: models.RouteCreate
    ) -> server.CreateRouteResult:
        async with self.ctx.db.write() as conn:
            row = await route_store.create_route(
                conn,
                match=body.match_,
                pool=_pool(body.pool),
                version=body.version,
                upstream_url=body.upstream_url,
                weight=0 if body.weight is None else body.weight,
                enabled=True if body.enabled is None else body.enabled,
            )
        await self.ctx.routes.refresh()
        return server.CreateRoute201Response(body=_route(row))

    async def get_route(
        self, *, route_id: UUID, x_correlation_id: str | None, principal: Principal
    ) -> server.GetRouteResult:
        async with self.ctx.db.read() as conn:
            row = await route_store.get_route(conn, str(route_id))
        if row is None:
            raise ProblemError(404, f"route {route_id} does not exist")
        return server.GetRoute200Response(body=_route(row))

    async def switch_route(
        self, *, x_correlation_id: str | None, principal: Principal, body: models.RouteSwitch
    ) -> server.SwitchRouteResult:
        pool = _pool(body.pool)
        async with self.ctx.db.write() as conn:
            gen, rows = await route_store.switch(
                conn, match=body.match_, pool=pool, version=body.version
            )
        await self.ctx.routes.refresh()
        return server.SwitchRoute200Response(body=_group(body.match_, pool, gen, rows))

    async def rollback_route(
        self, *, x_correlation_id: str | None, principal: Principal, body: models.RouteRef
    ) -> server.RollbackRouteResult:
        pool = _pool(body.pool)
        async with self.ctx.db.write() as conn:
            gen, rows = await route_store.rollback(conn, match=body.match_, pool=pool)
        await self.ctx.routes.refresh()
        return server.RollbackRoute200Response(body=_group(body.match_, pool, gen, rows))

    async def set_route_weights(
        self, *, x_correlation_id: str | None, principal: Principal, body: models.RouteWeights
    ) -> server.SetRouteWeightsResult:
        pool = _pool(body.pool)
        weights = {w.version: w.weight for w in body.weights}
        if len(weights) != len(body.weights):
            raise ProblemError(
                422,
                "each version may appear once in weights",
                violations=[
                    {"rule": "validation", "field": "body.weights", "message": "a version twice"}
                ],
            )
        async with self.ctx.db.write() as conn:
            gen, rows = await route_store.set_weights(
                conn, match=body.match_, pool=pool, weights=weights
            )
        await self.ctx.routes.refresh()
        return server.SetRouteWeights200Response(body=_group(body.match_, pool, gen, rows))


class PoliciesService:
    def __init__(self, ctx: AdminContext) -> None:
        self.ctx = ctx

    def _status(self) -> models.PolicyStatus:
        loaded = self.ctx.policy.loaded
        return models.PolicyStatus(
            digest=loaded.digest,
            loaded_at=loaded.loaded_at,
            files=[models.PolicyFile(name=n, policies=c) for n, c in loaded.files],
            last_error=self.ctx.policy.last_error,
        )

    async def get_policy_status(
        self, *, x_correlation_id: str | None, principal: Principal
    ) -> server.GetPolicyStatusResult:
        return server.GetPolicyStatus200Response(body=self._status())

    async def reload_policies(
        self, *, x_correlation_id: str | None, principal: Principal
    ) -> server.ReloadPoliciesResult:
        self.ctx.policy.reload()  # a PolicyError is the 422 the contract documents
        return server.ReloadPolicies200Response(body=self._status())


class BudgetsService:
    def __init__(self, ctx: AdminContext) -> None:
        self.ctx = ctx

    async def list_budgets(
        self, *, cursor: str | None, limit: int, x_correlation_id: str | None, principal: Principal
    ) -> server.ListBudgetsResult:
        after = decode_position(cursor)
        async with self.ctx.db.read() as conn:
            rows = await budget_store.list_budgets(conn, after=after, limit=limit + 1)
        more = len(rows) > limit
        return server.ListBudgets200Response(
            body=models.BudgetList(
                next_cursor=encode_cursor(after + limit) if more else None,
                items=[_budget(b) for b in rows[:limit]],
            )
        )

    async def set_budget_cap(
        self,
        *,
        scope: models.BudgetScope,
        subject_id: str,
        x_correlation_id: str | None,
        principal: Principal,
        body: models.BudgetCap,
    ) -> server.SetBudgetCapResult:
        async with self.ctx.db.write() as conn:
            row = await budget_store.set_cap(
                conn, scope=scope.value, subject_id=subject_id, cap=body.cap_micros
            )
        return server.SetBudgetCap200Response(body=_budget(row))


class DecisionsService:
    def __init__(self, ctx: AdminContext) -> None:
        self.ctx = ctx

    async def list_decisions(
        self, *, cursor: str | None, limit: int, x_correlation_id: str | None, principal: Principal
    ) -> server.ListDecisionsResult:
        after = decode_position(cursor)
        recent = self.ctx.policy.recent()
        page = recent[after : after + limit]
        return server.ListDecisions200Response(
            body=models.DecisionList(
                next_cursor=encode_cursor(after + limit) if after + limit < len(recent) else None,
                items=[
                    models.Decision(
                        at=d.at,
                        correlation_id=d.correlation_id,
                        principal=d.principal,
                        roles=list(d.roles),
                        action=d.action,
                        resource=d.resource,
                        allowed=d.allowed,
                        reasons=list(d.reasons),
                        context=dict(d.context),
                    )
                    for d in page
                ],
            )
        )


class SystemService:
    def __init__(self, ctx: AdminContext) -> None:
        self.ctx = ctx

    async def get_health(self, *, x_correlation_id: str | None) -> server.GetHealthResult:
        return server.GetHealth200Response(body=models.HealthStatus(status="ok"))

    async def get_readiness(self, *, x_correlation_id: str | None) -> server.GetReadinessResult:
        retry = {"Retry-After": str(self.ctx.settings.retry_after_seconds)}
        try:
            async with self.ctx.db.read() as conn:
                await conn.execute(text("SELECT 1"))
                current, head = await migration_status(
                    MIGRATIONS, conn, version_table=VERSION_TABLE
                )
        except DatabaseUnavailable as exc:
            raise ProblemError(503, f"database unreachable: {exc}", headers=retry) from None
        except Exception as exc:
            raise ProblemError(
                503, f"database not ready: {type(exc).__name__}", headers=retry
            ) from None
        if current != head:
            raise ProblemError(
                503,
                f"database schema is at {current or 'nothing'}, code expects {head}",
                headers=retry,
            )
        return server.GetReadiness200Response(
            body=models.ReadinessStatus(status="ready", database="ok", policies="ok")
        )
