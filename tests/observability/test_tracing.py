"""One request to PP is one trace through Plant: W3C traceparent from PP's Plant client,
the correlation id on every span (OpenTelemetry SDK with its in-memory exporter)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests.pp.conftest import ADMIN, pp_app
from waooaw.observability import install_observability
from waooaw.observability.tracing import CorrelationSpanProcessor

from .conftest import plant_app, serving

pytestmark = pytest.mark.anyio


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    yield InMemorySpanExporter()
    HTTPXClientInstrumentor().uninstrument()


def _provider(exporter: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(CorrelationSpanProcessor())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def _server(spans: list[ReadableSpan], service: str) -> ReadableSpan:
    (span,) = [
        s
        for s in spans
        if s.kind is SpanKind.SERVER and (s.attributes or {}).get("waooaw.service") == service
    ]
    return span


async def test_one_pp_request_is_one_trace_through_plant(
    tmp_path: Path, exporter: InMemorySpanExporter
) -> None:
    provider = _provider(exporter)
    plant = plant_app(tmp_path)
    install_observability(plant, service="plant", provider=provider)
    with serving(plant) as served:
        pp = pp_app(served.base_url)
        install_observability(pp, service="pp", provider=provider)
        transport = httpx.ASGITransport(app=pp)
        async with httpx.AsyncClient(transport=transport, base_url="http://pp") as http:
            answer = await http.get("/api/v1/genesis/skills?limit=5", headers=ADMIN)
            await pp.state.context.plant.aclose()
    assert answer.status_code == 200, answer.text
    cid = answer.headers["x-correlation-id"]
    spans = list(exporter.get_finished_spans())

    pp_span = _server(spans, "pp")
    plant_span = _server(spans, "plant")
    assert pp_span.parent is None
    trace_id = pp_span.context.trace_id
    # PP's call to Plant: a client span under PP's server span, parent of Plant's server span
    sql = [s for s in spans if "db.statement" in (s.attributes or {})]
    (call,) = [s for s in spans if s.kind is SpanKind.CLIENT and s not in sql]
    assert call.parent is not None and call.parent.span_id == pp_span.context.span_id
    assert plant_span.parent is not None and plant_span.parent.span_id == call.context.span_id
    assert plant_span.context.trace_id == trace_id
    # Plant's SQL statements belong to the same trace
    assert sql and all(s.context.trace_id == trace_id for s in sql)
    assert all(s.parent is not None for s in sql)
    # the correlation id is on every span of the request, on both sides
    assert {(s.attributes or {}).get("correlation_id") for s in spans} == {cid}
    assert (pp_span.attributes or {})["waooaw.operation_id"] == "listSkills"
    assert (plant_span.attributes or {})["waooaw.operation_id"] == "listSkills"


async def test_no_tracing_without_a_provider(tmp_path: Path) -> None:
    # without OTEL_EXPORTER_OTLP_ENDPOINT `waooaw serve` passes no provider: no middleware
    plant = plant_app(tmp_path)
    install_observability(plant, service="plant")
    names = [m.cls.__name__ for m in plant.user_middleware]  # type: ignore[attr-defined]
    assert "OpenTelemetryMiddleware" not in names
    assert "RequestObserver" in names
