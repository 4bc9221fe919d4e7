"""System tag: liveness, and readiness (which is Plant's)."""

from __future__ import annotations

from waooaw.generated.pp import models, server

from .context import PPContext

__all__ = ["SystemService"]


class SystemService:
    def __init__(self, ctx: PPContext) -> None:
        self.plant = ctx.plant

    async def get_health(self, *, x_correlation_id: str | None) -> server.GetHealthResult:
        return server.GetHealth200Response(body=models.HealthStatus(status="ok"))

    async def get_readiness(self, *, x_correlation_id: str | None) -> server.GetReadinessResult:
        # Plant's 503 (its database) and an unreachable Plant both become PP's 503
        await self.plant.get_readiness()
        return server.GetReadiness200Response(
            body=models.ReadinessStatus(status="ready", plant="ok")
        )
