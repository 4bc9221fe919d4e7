"""Per-request context shared by services (which set it) and clients (which read it).

A service's incoming-request middleware sets the correlation id (kept end to end
across services) and the id of the request being handled; a generated client
sends the first as ``X-Correlation-ID`` and the second as ``X-Causation-ID``.
"""

from __future__ import annotations

from contextvars import ContextVar

__all__ = ["correlation_id", "request_id"]

correlation_id: ContextVar[str | None] = ContextVar("waooaw_correlation_id", default=None)
request_id: ContextVar[str | None] = ContextVar("waooaw_request_id", default=None)
