"""Audit tag: the dashboard's figures from a Plant audit run, and the CSV report streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime

from waooaw.generated.plant import models as plant
from waooaw.generated.pp import models, server
from waooaw.runtime.models import DateTime
from waooaw.runtime.security import Principal
from waooaw.runtime.server import ProblemError

from ..domain.dashboard import dashboard
from .context import PPContext

__all__ = ["AuditService", "report_filename"]


def report_filename(now: datetime | None = None) -> str:
    """``audit_report_YYYY-MM-DD.csv``, today in UTC."""
    day = (now or datetime.now(UTC)).astimezone(UTC).date()
    return f"audit_report_{day.isoformat()}.csv"


class AuditService:
    def __init__(self, ctx: PPContext) -> None:
        self.plant = ctx.plant

    async def run_audit(
        self,
        *,
        violations_limit: int,
        x_correlation_id: str | None,
        principal: Principal,
        body: models.AuditScope | None,
    ) -> server.RunAuditResult:
        scope = None
        if body is not None:
            if body.entity_id is not None and body.entity_type is None:
                # the contract's dependentRequired, which the generated model does not enforce
                raise ProblemError(
                    422,
                    "body.entity_type: required when entity_id is given",
                    violations=[
                        {
                            "rule": "validation",
                            "field": "body.entity_type",
                            "message": "entity_type is required when entity_id is given",
                        }
                    ],
                )
            scope = plant.AuditRunRequest.model_validate(body.model_dump(mode="json"))
        report = await self.plant.run_audit(body=scope)
        return server.RunAudit200Response(body=dashboard(report, violations_limit=violations_limit))

    async def export_audit_report(
        self,
        *,
        entity_type: models.EntityType | None,
        since: DateTime | None,
        until: DateTime | None,
        x_correlation_id: str | None,
        principal: Principal,
    ) -> server.ExportAuditReportResult:
        stack = AsyncExitStack()
        # Plant's errors raise here, before PP's response starts, and become problems
        response = await stack.enter_async_context(
            self.plant.export_audit_stream(
                format=plant.ExportFormat.CSV,
                entity_type=None if entity_type is None else plant.EntityType(entity_type.value),
                since=since,
                until=until,
            )
        )

        async def chunks() -> AsyncIterator[bytes]:
            async with stack:
                async for chunk in response.aiter_bytes():
                    yield chunk

        return server.ExportAuditReport200Response(
            body=chunks(),
            headers={"Content-Disposition": f'attachment; filename="{report_filename()}"'},
        )
