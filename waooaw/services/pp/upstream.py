"""Plant's failures as PP's problems.

The generated Plant client raises a typed error for every failed call, after its retries;
:func:`plant_problem` decides what PP's caller sees::

    PlantTransportError, read/write timed out   504 gateway-timeout
    PlantTransportError, otherwise              503 service-unavailable + Retry-After
    503 (Plant's database down), 429            503 service-unavailable + Retry-After
    404, 409, 422                               the same status, type, title, detail,
                                                violations and extension members
    anything else (Plant's 500, 400, 401 ...)   502 bad-gateway

The problem's ``instance`` and ``correlation_id`` are PP's; the correlation id is the
one PP sent to Plant, so Plant's problem carried it too.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx
from pydantic import BaseModel

from waooaw.generated.plant.client import PlantAPIError, PlantTransportError
from waooaw.runtime.server import ProblemError

__all__ = ["BAD_GATEWAY", "GATEWAY_TIMEOUT", "plant_problem"]

log = logging.getLogger("waooaw.pp.upstream")

BAD_GATEWAY = "https://waooaw.com/errors/bad-gateway"
GATEWAY_TIMEOUT = "https://waooaw.com/errors/gateway-timeout"
PASSED_ON = frozenset({404, 409, 422})
_OWN_MEMBERS = frozenset({"type", "title", "status", "detail", "instance", "correlation_id"})


def _members(problem: Any) -> dict[str, Any]:
    if isinstance(problem, BaseModel):
        data: dict[str, Any] = problem.model_dump(mode="json", exclude_none=True)
        return data
    if isinstance(problem, Mapping):
        return dict(problem)
    return {}


def _timed_out(exc: PlantTransportError) -> bool:
    cause = exc.__cause__
    # a connect timeout means Plant cannot be reached, like a refused connection
    return isinstance(cause, httpx.TimeoutException) and not isinstance(
        cause, httpx.ConnectTimeout | httpx.PoolTimeout
    )


def plant_problem(exc: PlantAPIError, *, retry_after: int, timeout: float) -> ProblemError:
    """What PP answers when a call to Plant failed with ``exc``."""
    operation = exc.operation_id or "a call"
    if isinstance(exc, PlantTransportError):
        if _timed_out(exc):
            log.warning("Plant timed out on %s: %s", operation, exc)
            return ProblemError(
                504,
                f"Plant did not answer {operation} within {timeout:g} seconds",
                type=GATEWAY_TIMEOUT,
                title="Gateway Timeout",
            )
        log.warning("Plant unreachable on %s: %s", operation, exc)
        return ProblemError(
            503,
            f"Plant is unreachable; retry after {retry_after} seconds",
            headers={"Retry-After": str(retry_after)},
        )
    status = exc.status_code or 0
    members = _members(exc.problem)
    if status in (429, 503):
        after = exc.headers.get("retry-after") or str(retry_after)
        detail = members.get("detail") or "Plant is unavailable"
        return ProblemError(503, f"Plant: {detail}", headers={"Retry-After": after})
    if status in PASSED_ON:
        violations = members.get("violations")
        return ProblemError(
            status,
            members.get("detail"),
            type=members.get("type"),
            title=members.get("title"),
            violations=list(violations) if isinstance(violations, list) else None,
            extra={k: v for k, v in members.items() if k not in _OWN_MEMBERS | {"violations"}},
        )
    log.error("Plant answered %s to %s: %s", status, operation, exc.text[:500])
    return ProblemError(
        502,
        f"Plant answered {status} to {operation}",
        type=BAD_GATEWAY,
        title="Bad Gateway",
    )
