"""``/metrics`` in Prometheus text format, one registry per app.

Per request: ``waooaw_http_requests_total{service, operation_id, method, status}`` and
``waooaw_http_request_duration_seconds{service, operation_id}``. At scrape time: the
database pools (``waooaw_db_pool_connections{service, engine, state}``) and whatever the
service adds with :meth:`AppMetrics.add_probe` (CP's queue, Plant's audit chain).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import Response

__all__ = ["AppMetrics", "PoolCollector", "engines_of"]

#: seconds; the services answer most requests in a few milliseconds
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

Probe = Callable[[], Awaitable[None]]

# no `_created` series beside every counter and histogram: Prometheus does not need them
disable_created_metrics()  # type: ignore[no-untyped-call]


class PoolCollector(Collector):
    """Connections of each engine's pool, read when Prometheus scrapes."""

    def __init__(self, service: str, engines: dict[str, AsyncEngine]) -> None:
        self.service = service
        self.engines = engines

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "waooaw_db_pool_connections",
            "Database pool connections by state (checked_out: in use; idle: pooled; size: the pool's size).",
            labels=["service", "engine", "state"],
        )
        for name, engine in self.engines.items():
            pool = engine.sync_engine.pool
            for state, read in (
                ("checked_out", "checkedout"),
                ("idle", "checkedin"),
                ("size", "size"),
            ):
                method = getattr(pool, read, None)
                if callable(method):
                    family.add_metric([self.service, name, state], float(method()))
        yield family


class AppMetrics:
    """The metrics of one service app."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "waooaw_http_requests",
            "HTTP requests answered, by contract operation and status.",
            ["service", "operation_id", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "waooaw_http_request_duration_seconds",
            "Time to answer an HTTP request, by contract operation.",
            ["service", "operation_id"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._probes: list[Probe] = []

    def observe(self, operation_id: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(self.service, operation_id, method, str(status)).inc()
        self.latency.labels(self.service, operation_id).observe(seconds)

    def watch_pools(self, engines: dict[str, AsyncEngine]) -> None:
        self.registry.register(PoolCollector(self.service, engines))

    def add_probe(self, probe: Probe) -> None:
        """An async refresh of gauges, awaited before each scrape."""
        self._probes.append(probe)

    async def endpoint(self, _: Request) -> Response:
        for probe in self._probes:
            await probe()
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


def engines_of(db: object) -> dict[str, AsyncEngine]:
    """The writer and (when distinct) reader engines of a services' Database."""
    writer = getattr(db, "writer", None)
    reader = getattr(db, "reader", None)
    found: dict[str, AsyncEngine] = {}
    if isinstance(writer, AsyncEngine):
        found["writer"] = writer
    if isinstance(reader, AsyncEngine) and reader is not writer:
        found["reader"] = reader
    return found
