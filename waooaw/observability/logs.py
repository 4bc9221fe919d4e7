"""``--log-format json``: every log record as one JSON object on one line.

Each object has ``time``, ``level``, ``logger``, ``message``, ``correlation_id`` and
``trace_id`` (the current OpenTelemetry trace, when one is recorded); the per-request line
(logger ``waooaw.request``) adds ``service``, ``method``, ``path``, ``operation_id``,
``status`` and ``duration_ms``.
"""

from __future__ import annotations

import json
import logging
import time

from opentelemetry import trace

__all__ = ["REQUEST_FIELDS", "JsonFormatter"]

#: what the request observer passes as ``extra`` (``request_correlation_id`` because the
#: correlation filter owns ``correlation_id``, which is unset once the request is over)
REQUEST_FIELDS = ("service", "method", "path", "operation_id", "status", "duration_ms")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        context = trace.get_current_span().get_span_context()
        data: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": getattr(record, "request_correlation_id", None)
            or getattr(record, "correlation_id", "-"),
            "trace_id": format(context.trace_id, "032x") if context.is_valid else None,
        }
        for name in REQUEST_FIELDS:
            if hasattr(record, name):
                data[name] = getattr(record, name)
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, separators=(",", ":"), default=str)
