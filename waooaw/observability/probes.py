"""The gauges each service adds to ``/metrics``, refreshed when Prometheus scrapes.

* CP: ``waooaw_cp_tasks{status}`` - tasks by status: ``pending`` is the queue's depth,
  ``completed`` and ``failed`` the outcomes so far.
* Plant: ``waooaw_audit_chain_entries`` (from the signed chain head) and, once the chain
  has been verified in this process, ``waooaw_audit_last_verification_intact`` (1 or 0)
  and ``waooaw_audit_last_verification_entries``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import Gauge
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from .metrics import AppMetrics

__all__ = ["add_service_probes"]

TASK_STATUSES = ("pending", "running", "completed", "failed")


def _cp(metrics: AppMetrics, ctx: Any) -> None:
    from waooaw.services.cp.storage.tables import tasks

    gauge = Gauge(
        "waooaw_cp_tasks",
        "CP tasks by status: pending is the queue's depth; completed and failed the outcomes.",
        ["status"],
        registry=metrics.registry,
    )
    query = select(tasks.c.status, func.count()).group_by(tasks.c.status)

    async def probe() -> None:
        async with ctx.db.reader.connect() as conn:
            counts: dict[str, int] = {row[0]: row[1] for row in await conn.execute(query)}
        for status in TASK_STATUSES:
            gauge.labels(status).set(counts.get(status, 0))

    metrics.add_probe(probe)


class _LastVerification(Collector):
    """The last verify_chain result of this process; nothing before the first one."""

    def __init__(self, trail: Any) -> None:
        self.trail = trail

    def collect(self) -> Iterator[GaugeMetricFamily]:
        report = self.trail.last_report
        if report is None:
            return
        yield GaugeMetricFamily(
            "waooaw_audit_last_verification_intact",
            "1 when the last full verification of the audit chain found it intact, 0 when not.",
            value=1 if report.intact else 0,
        )
        yield GaugeMetricFamily(
            "waooaw_audit_last_verification_entries",
            "Entries the last full verification of the audit chain walked.",
            value=report.entries,
        )


def _plant(metrics: AppMetrics, ctx: Any) -> None:
    from waooaw.services.plant.storage.tables import audit_head

    entries = Gauge(
        "waooaw_audit_chain_entries",
        "Entries in the audit trail's hash chain (its signed head).",
        registry=metrics.registry,
    )
    metrics.registry.register(_LastVerification(ctx.trail))
    query = select(audit_head.c.entries).where(audit_head.c.id == 1)

    async def probe() -> None:
        async with ctx.db.reader.connect() as conn:
            head = (await conn.execute(query)).scalar()
        entries.set(head or 0)

    metrics.add_probe(probe)


PROBES = {"cp": _cp, "plant": _plant}


def add_service_probes(metrics: AppMetrics, service: str, ctx: Any) -> None:
    add = PROBES.get(service)
    if add is not None and ctx is not None:
        add(metrics, ctx)
