"""Traces, metrics and structured logs for the services (``waooaw serve`` installs them).

* :mod:`.tracing` - OpenTelemetry: FastAPI, httpx and SQLAlchemy spans, W3C ``traceparent``
  in and out, the correlation id on every span; OTLP export when
  ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set, nothing otherwise.
* :mod:`.metrics` - ``/metrics`` in Prometheus text format: requests by operationId and
  status, latency histograms, database pool use and each service's own gauges.
* :mod:`.logs` - ``--log-format json``: one JSON object per line.
* :mod:`.install` - all of it on one app, from one call.
"""

from __future__ import annotations

from .install import install_observability
from .logs import JsonFormatter
from .tracing import tracer_provider_from_env

__all__ = ["JsonFormatter", "install_observability", "tracer_provider_from_env"]
