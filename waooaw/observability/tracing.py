"""OpenTelemetry tracing for a service app.

The server span of a request carries the request's correlation id (``correlation_id``),
the service (``waooaw.service``) and, once routed, the contract's operationId
(``waooaw.operation_id``); every span started inside the request (httpx calls to Plant,
SQL statements) carries the correlation id too. httpx puts the W3C ``traceparent`` on
outgoing calls, so PP -> Plant and CP -> Plant are one trace.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from opentelemetry import metrics, trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.semconv.metrics import MetricInstruments
from sqlalchemy.ext.asyncio import AsyncEngine

from waooaw.runtime.context import accept_or_new, correlation_id

__all__ = [
    "CORRELATION_ATTRIBUTE",
    "CorrelationSpanProcessor",
    "instrument_app",
    "tracer_provider_from_env",
]

CORRELATION_ATTRIBUTE = "correlation_id"
SERVICE_ATTRIBUTE = "waooaw.service"
OPERATION_ATTRIBUTE = "waooaw.operation_id"
_HEADER = b"x-correlation-id"


class CorrelationSpanProcessor(SpanProcessor):
    """Puts the current request's correlation id on every span started inside it."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        cid = correlation_id.get()
        if cid is not None:
            span.set_attribute(CORRELATION_ATTRIBUTE, cid)

    def on_end(self, span: ReadableSpan) -> None:
        pass


def tracer_provider_from_env(service_name: str) -> TracerProvider | None:
    """A provider exporting over OTLP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or its traces
    variant) is set; None, and no tracing at all, otherwise."""
    if not (
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    ):
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    provider.add_span_processor(CorrelationSpanProcessor())
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def _server_hook(service: str) -> Any:
    def hook(span: trace.Span, scope: dict[str, Any]) -> None:
        # the id RequestContextMiddleware (inside this span) will use: the caller's when
        # well-formed, else a new one, written into the headers so that it keeps it
        headers: list[tuple[bytes, bytes]] = scope.get("headers") or []
        incoming = next((v.decode("latin-1") for k, v in headers if k == _HEADER), None)
        cid = accept_or_new(incoming)
        if cid != incoming:
            scope["headers"] = [(k, v) for k, v in headers if k != _HEADER] + [
                (_HEADER, cid.encode())
            ]
        span.set_attribute(CORRELATION_ATTRIBUTE, cid)
        span.set_attribute(SERVICE_ATTRIBUTE, service)

    return hook


def instrument_app(
    app: FastAPI,
    *,
    service: str,
    provider: TracerProvider,
    engines: Sequence[AsyncEngine] = (),
) -> None:
    """Server spans for ``app``, client spans for httpx, statement spans for ``engines``."""
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        server_request_hook=_server_hook(service),
        exclude_spans=["receive", "send"],
        excluded_urls="/metrics,/health,/ready",
    )
    httpx_instrumentor = HTTPXClientInstrumentor()
    if not httpx_instrumentor.is_instrumented_by_opentelemetry:
        httpx_instrumentor.instrument(tracer_provider=provider)
    _trace_statements(engines, provider)


def _trace_statements(engines: Sequence[AsyncEngine], provider: TracerProvider) -> None:
    """A span per SQL statement on these engines only.

    ``SQLAlchemyInstrumentor().instrument`` would patch ``create_engine`` process-wide, once
    (a second app's engines are ignored), and refuses sqlalchemy 2.1 though all it uses are
    the engine events 2.1 keeps; its ``EngineTracer`` attached per engine does just the part
    wanted (tests/observability checks the spans).
    """
    tracer = trace.get_tracer("waooaw.sql", tracer_provider=provider)
    usage = metrics.get_meter("waooaw.sql").create_up_down_counter(
        MetricInstruments.DB_CLIENT_CONNECTIONS_USAGE, unit="connections"
    )
    for engine in {id(e): e for e in engines}.values():
        EngineTracer(tracer, engine.sync_engine, usage)  # type: ignore[no-untyped-call]


def set_operation(operation_id: str) -> None:
    """Name the contract operation on the current server span (after routing)."""
    span = trace.get_current_span()
    if span.is_recording():
        span.set_attribute(OPERATION_ATTRIBUTE, operation_id)
