"""Errors the mock sends, in the shape the contract documents for them.

Every error starts as an RFC 9457 problem (``waooaw.runtime.server``). When the
request matched an operation, the problem is fitted to that operation's
documented responses:

* the status: the same one if documented; a validation problem (422) becomes a
  400 where only that is documented, and a 404 when only path parameters were
  wrong and the operation documents a 404; then a ``4XX`` range or ``default``;
* the body: problem+json when that response documents it or documents no body;
  when it documents another JSON body (``{"code", "message"}``, say), a body
  valid against that schema, with the problem's status and detail copied into
  properties whose names say so (``code``, ``message``, ...).

An operation that documents no response an error fits (no 4xx, no ``default``)
gets the plain problem: the contract leaves the mock nothing better to send.
Unknown routes and wrong methods match no operation and are plain problems.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from waooaw.codegen.errors import join_pointer
from waooaw.codegen.openapi import is_json
from waooaw.runtime.server import (
    PROBLEM_MEDIA_TYPE,
    ProblemError,
    problem_response,
    validation_problem,
)

from .data import GenerationError, SchemaData
from .responses import OperationMock, object_properties

__all__ = ["ErrorShaper", "install_error_shaping"]

Handler = Callable[[Request, Exception], Awaitable[Response]]


def _is_problem(media_type: str) -> bool:
    return media_type.split(";", 1)[0].strip().lower().endswith("problem+json")


class ErrorShaper:
    """Fits problems to the documented error responses of the operation that failed."""

    def __init__(self, data: SchemaData, mocks: Mapping[str, OperationMock]) -> None:
        self.data = data
        self.mocks = mocks
        self._bases: dict[str, Any] = {}

    def operation(self, request: Request) -> OperationMock | None:
        route = request.scope.get("route")
        methods = getattr(route, "methods", None) or ()
        if request.method not in methods:
            return None  # no route, or one that matched the path only (405)
        return self.mocks.get(str(getattr(route, "operation_id", "")))

    def respond(self, request: Request, problem: ProblemError, *, path_only: bool) -> Response:
        mock = self.operation(request)
        chosen = _documented(mock.documented, problem.status, path_only) if mock else None
        if chosen is None:
            return problem_response(problem, request)
        status, pointer = chosen
        if status != problem.status:
            problem = ProblemError(
                status,
                problem.detail,
                violations=problem.violations,
                headers=problem.headers,
                extra=problem.extra,
            )
        content = self.data.at(pointer).get("content") or {}
        problems = [m for m in content if _is_problem(m)]
        others = [m for m in content if is_json(m)]
        if content and not problems and not others:
            return problem_response(problem, request)  # only non-JSON bodies documented
        media_type = problems[0] if problems else others[0] if others else PROBLEM_MEDIA_TYPE
        body = problem.body(instance=request.url.path)
        correlation = getattr(request.state, "correlation_id", None)
        if correlation is not None:
            body["correlation_id"] = correlation
        media = content.get(media_type)
        if isinstance(media, dict) and "schema" in media:
            body = self.shape(join_pointer(pointer, "content", media_type, "schema"), body)
        headers = dict(problem.headers)
        if correlation is not None:
            headers.setdefault("X-Correlation-ID", correlation)
        return Response(
            content=json.dumps(body, separators=(",", ":"), default=str).encode(),
            status_code=status,
            media_type=media_type,
            headers=headers,
        )

    def shape(self, schema_pointer: str, problem: dict[str, Any]) -> Any:
        """``problem`` if valid against the schema, else a valid body carrying what fits."""
        schema = {"$ref": "#" + schema_pointer}
        if self.data.is_valid(schema, problem):
            return problem
        if schema_pointer not in self._bases:
            try:
                self._bases[schema_pointer] = self.data.generate(
                    schema, salt=schema_pointer, hint="error"
                )
            except GenerationError:
                self._bases[schema_pointer] = problem
        current = self._bases[schema_pointer]
        if not isinstance(current, dict):
            return current
        declared = object_properties(self.data, schema)
        status = problem["status"]
        detail = problem.get("detail") or problem["title"]
        violations = problem.get("violations")
        correlation = problem.get("correlation_id")
        overlay: list[tuple[str, Any]] = [
            ("type", problem["type"]), ("title", problem["title"]), ("status", status),
            ("detail", detail), ("instance", problem.get("instance")),
            ("correlation_id", correlation), ("correlationId", correlation),
            ("violations", violations), ("errors", violations),
            ("code", status), ("statusCode", status), ("status_code", status),
            ("message", detail), ("error", problem["title"]), ("description", detail),
        ]  # fmt: skip
        for name, value in overlay:
            if value is None or name not in declared:
                continue
            for candidate in (value, str(value)) if isinstance(value, int) else (value,):
                attempt = {**current, name: candidate}
                if self.data.is_valid(schema, attempt):
                    current = attempt
                    break
        return current


def _documented(
    documented: Mapping[str, str], status: int, path_only: bool
) -> tuple[int, str] | None:
    """(status to send, pointer of its response) among the documented responses."""
    keys = [str(status)]
    if status == 422:
        keys += ["404", "400"] if path_only else ["400"]
    elif status == 400:
        keys += ["422"]
    keys += [f"{str(status)[0]}XX", f"{str(status)[0]}xx", "default"]
    for key in keys:
        if key in documented:
            return (int(key) if key.isdigit() else status), documented[key]
    return None


def install_error_shaping(app: FastAPI, shaper: ErrorShaper) -> None:
    """Route validation errors, problems and in-route HTTP errors through ``shaper``."""
    plain: Handler = app.exception_handlers[StarletteHTTPException]  # type: ignore[assignment]

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = list(exc.errors())
        path_only = bool(errors) and all(tuple(e.get("loc", ()))[:1] == ("path",) for e in errors)
        return shaper.respond(request, validation_problem(errors), path_only=path_only)

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProblemError)
        return shaper.respond(request, exc, path_only=False)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code in (404, 405) or shaper.operation(request) is None:
            return await plain(request, exc)
        detail = exc.detail if isinstance(exc.detail, str) else None
        problem = ProblemError(exc.status_code, detail, headers=dict(exc.headers or {}))
        return shaper.respond(request, problem, path_only=False)

    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
