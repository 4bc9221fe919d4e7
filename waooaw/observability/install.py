"""Traces, metrics and request logs on one service app: :func:`install_observability`."""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .metrics import AppMetrics, engines_of
from .probes import add_service_probes
from .tracing import instrument_app, set_operation

__all__ = ["RequestObserver", "install_observability"]

request_log = logging.getLogger("waooaw.request")


def operation_of(scope: Scope) -> str:
    """The contract's operationId of the route that answered; a bounded label otherwise."""
    route = scope.get("route")
    if route is None:
        return "unmatched"
    operation_id = getattr(route, "operation_id", None)
    return str(operation_id or getattr(route, "path", "unmatched"))


class RequestObserver:
    """Counts and times each request by operationId, names it on the span, and logs it."""

    def __init__(
        self, app: ASGIApp, *, metrics: AppMetrics, service: str, log_requests: bool
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.service = service
        self.log_requests = log_requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/metrics":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        cid = "-"

        async def observed(message: Message) -> None:
            nonlocal status, cid
            if message["type"] == "http.response.start":
                status = message["status"]
                # routed by now, and (whatever the middleware order) inside the server span
                set_operation(operation_of(scope))
                for key, value in message.get("headers", ()):
                    if key == b"x-correlation-id":
                        cid = value.decode("latin-1")
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            elapsed = time.perf_counter() - started
            operation = operation_of(scope)
            method = scope["method"]
            self.metrics.observe(operation, method, status, elapsed)
            if self.log_requests:
                request_log.info(
                    "%s %s %s %.1fms",
                    method,
                    scope["path"],
                    status,
                    elapsed * 1000,
                    extra={
                        "request_correlation_id": cid,
                        "service": self.service,
                        "method": method,
                        "path": scope["path"],
                        "operation_id": operation,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 3),
                    },
                )


def install_observability(
    app: FastAPI,
    *,
    service: str,
    provider: TracerProvider | None = None,
    log_requests: bool = False,
) -> AppMetrics:
    """``/metrics``, request metrics and (with ``provider``) tracing on a service app.

    Call it before the app serves (as ``waooaw serve`` does after ``create_app``);
    ``log_requests`` logs one ``waooaw.request`` record per request with its fields as
    extras (what ``--log-format json`` prints).
    """
    ctx: Any = getattr(app.state, "context", None)
    engines = engines_of(getattr(ctx, "db", None))
    metrics = AppMetrics(service)
    metrics.watch_pools(engines)
    add_service_probes(metrics, service, ctx)
    app.add_route("/metrics", metrics.endpoint, include_in_schema=False)
    app.add_middleware(RequestObserver, metrics=metrics, service=service, log_requests=log_requests)
    if provider is not None:
        instrument_app(app, service=service, provider=provider, engines=list(engines.values()))
    app.state.metrics = metrics
    return metrics
