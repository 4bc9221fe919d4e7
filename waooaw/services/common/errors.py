"""Problems every service with a database answers the same way.

``database_handlers(retry_after_seconds)`` gives the exception handlers to pass to
:func:`waooaw.runtime.http.install_http`:

* :class:`~waooaw.services.common.db.DatabaseUnavailable` -> 503 with ``Retry-After``;
* :class:`sqlalchemy.exc.DataError` (a value the database cannot hold, e.g. NUL in
  PostgreSQL text) -> 422, since it is the client's input;

and the problems services raise themselves: ``not_found`` (404) and ``conflict`` (409).
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import DataError
from starlette.requests import Request
from starlette.responses import Response

from waooaw.runtime.http import ExceptionHandlers
from waooaw.runtime.server import ProblemError, problem_response

from .db import DatabaseUnavailable

__all__ = ["ERRORS", "conflict", "database_handlers", "not_found"]

log = logging.getLogger("waooaw.db")

#: where the services' own problem types live (``ERRORS + "no-active-trial"``)
ERRORS = "https://waooaw.com/errors/"


def not_found(kind: str, entity_id: object) -> ProblemError:
    """404: ``<kind> <id> does not exist`` (a thing another caller owns is as absent)."""
    return ProblemError(404, f"{kind} {entity_id} does not exist")


def conflict(detail: str, *, kind: str | None = None, title: str | None = None) -> ProblemError:
    """A 409; ``kind`` names a specific problem type (``no-active-trial``, ...)."""
    if kind is None:
        return ProblemError(409, detail)
    return ProblemError(409, detail, type=ERRORS + kind, title=title)


def database_handlers(retry_after_seconds: int) -> ExceptionHandlers:
    async def on_database_down(request: Request, exc: Exception) -> Response:
        log.warning("database unavailable: %s", exc)
        problem = ProblemError(
            503,
            "the database is unavailable; retry later",
            headers={"Retry-After": str(retry_after_seconds)},
        )
        return problem_response(problem, request)

    async def on_unstorable(request: Request, exc: Exception) -> Response:
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        problem = ProblemError(
            422,
            f"a value cannot be stored: {reason}",
            violations=[{"rule": "validation", "field": "body", "message": reason}],
        )
        return problem_response(problem, request)

    return {DatabaseUnavailable: on_database_down, DataError: on_unstorable}
