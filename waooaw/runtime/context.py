"""Per-request context shared by services (which set it) and clients (which read it).

A service's incoming-request middleware (``runtime/http.py``) sets the correlation id
(kept end to end across services) and the id of the request being handled; a generated
client sends the first as ``X-Correlation-ID`` and the second as ``X-Causation-ID``.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

__all__ = [
    "CorrelationLogFilter",
    "accept_or_new",
    "correlation_id",
    "request_id",
]

correlation_id: ContextVar[str | None] = ContextVar("waooaw_correlation_id", default=None)
request_id: ContextVar[str | None] = ContextVar("waooaw_request_id", default=None)

_VALID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


def accept_or_new(value: str | None) -> str:
    """Keep a well-formed incoming id (1-128 of ``[A-Za-z0-9._-]``), else mint a UUID."""
    if value is not None and _VALID.match(value):
        return value
    return str(uuid.uuid4())


class CorrelationLogFilter(logging.Filter):
    """Adds ``record.correlation_id`` ("-" outside a request) to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = correlation_id.get() or "-"
        return True
