"""Correlation ids: one per request, echoed on every response and in every log line."""

from __future__ import annotations

import logging
import re
import uuid

from waooaw.runtime.context import correlation_id, request_id

__all__ = [
    "CORRELATION_HEADER",
    "CorrelationLogFilter",
    "accept_or_new",
    "correlation_id",
    "current_correlation_id",
    "request_id",
]

CORRELATION_HEADER = "X-Correlation-ID"
_VALID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


def current_correlation_id() -> str | None:
    return correlation_id.get()


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
