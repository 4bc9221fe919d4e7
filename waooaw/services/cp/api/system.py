"""System tag: liveness and readiness."""

from __future__ import annotations

from sqlalchemy import text

from waooaw.generated.cp import models, server
from waooaw.runtime.server import ProblemError

from ...common.db import DatabaseUnavailable, migration_status
from ...common.values import parse_ts
from ..storage import catalogue as store
from ..storage.tables import VERSION_TABLE
from .context import MIGRATIONS, CpContext

__all__ = ["SystemService"]


class SystemService:
    def __init__(self, ctx: CpContext) -> None:
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
                state = await store.read_state(conn) if current == head else None
        except DatabaseUnavailable as exc:
            raise ProblemError(503, f"database unreachable: {exc}", headers=retry) from None
        except Exception as exc:
            raise ProblemError(
                503, f"database not ready: {type(exc).__name__}", headers=retry
            ) from None
        if current != head or state is None:
            raise ProblemError(
                503,
                f"database schema is at {current or 'nothing'}, code expects {head}",
                headers=retry,
            )
        synced = None if state.fresh_as_of is None else parse_ts(state.fresh_as_of)
        return server.GetReadiness200Response(
            body=models.ReadinessStatus(
                status="ready", database="ok", migrations="current", catalogue_synced_at=synced
            )
        )
