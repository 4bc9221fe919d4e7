"""What generated FastAPI routers need at run time.

Exceptions::

    ProblemError                 an RFC 9457 problem with a status, type and title
    └── NotImplementedOperation  501: the implementation lacks this operation

``install_problem_handlers(app)`` turns every error FastAPI or Starlette can
raise (validation, malformed JSON, unknown route, wrong method, unhandled
exceptions) into ``application/problem+json``; ``runtime/http.py`` builds a
whole app's HTTP layer on it.

A problem raised without a ``type`` is ``about:blank`` (RFC 9457 section 4.2.1: the
status says it all), unless the application names a base for its own vocabulary
(``install_problem_handlers(app, type_base="https://example.com/problems/")``): then
it is the base plus the status's slug (``not-found``, ``validation``...).
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response, StreamingResponse

from . import context as _context

__all__ = [
    "MAX_PROBLEM_BYTES",
    "MAX_VIOLATIONS",
    "PROBLEM_MEDIA_TYPE",
    "STATUS_PROBLEMS",
    "NotImplementedOperation",
    "ProblemError",
    "ResponseRenderer",
    "bind",
    "deep_object",
    "encode_problem",
    "install_problem_handlers",
    "not_implemented",
    "operation_id",
    "parse_delimited",
    "problem_response",
    "problem_type_base",
    "reject_null_body",
    "validate_param",
]

log = logging.getLogger("waooaw.server")

PROBLEM_MEDIA_TYPE = "application/problem+json"
#: status -> (slug appended to an application's type base, default title)
STATUS_PROBLEMS: dict[int, tuple[str, str]] = {
    400: ("bad-request", "Bad Request"),
    401: ("unauthorized", "Unauthorized"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not Found"),
    405: ("method-not-allowed", "Method Not Allowed"),
    406: ("not-acceptable", "Not Acceptable"),
    409: ("conflict", "Conflict"),
    413: ("payload-too-large", "Payload Too Large"),
    415: ("unsupported-media-type", "Unsupported Media Type"),
    422: ("validation", "Validation Error"),
    429: ("too-many-requests", "Too Many Requests"),
    500: ("internal", "Internal Server Error"),
    501: ("not-implemented", "Not Implemented"),
    503: ("service-unavailable", "Service Unavailable"),
    504: ("gateway-timeout", "Gateway Timeout"),
}


class ProblemError(Exception):
    """An error an implementation raises to answer with a problem+json body."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        type: str | None = None,
        title: str | None = None,
        violations: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        _, default_title = STATUS_PROBLEMS.get(status, ("", "Error"))
        self.status = status
        #: None: decided when answered (``type_for``)
        self.type = type
        self.title = title or default_title
        self.detail = detail
        self.violations = violations
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
        super().__init__(detail or self.title)

    def type_for(self, type_base: str | None = None) -> str:
        """The problem type URI: the explicit one, else ``type_base`` + the status's slug,
        else ``about:blank``."""
        if self.type:
            return self.type
        slug = STATUS_PROBLEMS.get(self.status, ("", ""))[0]
        return type_base + slug if type_base and slug else "about:blank"

    def body(self, instance: str | None = None, *, type_base: str | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": self.type_for(type_base),
            "title": self.title,
            "status": self.status,
        }
        if self.detail is not None:
            data["detail"] = self.detail
        if instance is not None:
            data["instance"] = instance
        if self.violations is not None:
            data["violations"] = self.violations
        data.update(self.extra)
        return data


class NotImplementedOperation(ProblemError):
    def __init__(self, operation_id: str) -> None:
        super().__init__(501, f"operation {operation_id} is not implemented yet")
        self.operation_id = operation_id


def not_implemented(operation_id: str) -> Response:
    """The 501 problem+json of an operation no implementation provides.

    Generated routers return it rather than raise, so that it needs no exception handler:
    a bare ``FastAPI()`` app answers 501 too.
    """
    return problem_response(
        NotImplementedOperation(operation_id), correlation_id=_context.correlation_id.get()
    )


def problem_type_base(request: Request | None) -> str | None:
    """The type base ``install_problem_handlers`` recorded on the request's app, if any."""
    if request is None or "app" not in request.scope:
        return None
    base = getattr(request.app.state, "problem_type_base", None)
    return base if isinstance(base, str) else None


def problem_response(
    problem: ProblemError, request: Request | None = None, *, correlation_id: str | None = None
) -> Response:
    body = problem.body(
        instance=request.url.path if request is not None else None,
        type_base=problem_type_base(request),
    )
    if correlation_id is None and request is not None:
        correlation_id = getattr(request.state, "correlation_id", None)
    if correlation_id is not None:
        body["correlation_id"] = correlation_id
    headers = dict(problem.headers)
    if correlation_id is not None:
        headers.setdefault("X-Correlation-ID", correlation_id)
    return Response(
        content=encode_problem(body),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


#: At most this many violations are listed in a problem; the rest are counted.
MAX_VIOLATIONS = 50
_MAX_FIELD = 200
_MAX_MESSAGE = 500


#: No problem document is larger than this.
MAX_PROBLEM_BYTES = 64 * 1024


def encode_problem(body: dict[str, Any]) -> bytes:
    """The problem as JSON, never over ``MAX_PROBLEM_BYTES``: violations that do not fit
    are dropped (and counted in ``violations_omitted``), then long members clipped."""
    content = json.dumps(body, separators=(",", ":"), default=str).encode()
    if len(content) <= MAX_PROBLEM_BYTES:
        return content
    body = dict(body)
    violations = body.get("violations")
    if isinstance(violations, list):
        kept = list(violations)
        already = int(body.get("violations_omitted") or 0)
        while kept and len(content) > MAX_PROBLEM_BYTES:
            kept = kept[: len(kept) // 2]
            omitted = len(violations) - len(kept) + already
            body.update(violations=kept, violations_omitted=omitted)
            content = json.dumps(body, separators=(",", ":"), default=str).encode()
    if len(content) > MAX_PROBLEM_BYTES:
        body = {
            k: _clip(v, 1000) if isinstance(v, str) else v
            for k, v in body.items()
            if k in ("type", "title", "status", "detail", "instance", "correlation_id")
            or k == "violations_omitted"
        }
        content = json.dumps(body, separators=(",", ":"), default=str).encode()
    return content


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _loc(loc: Iterable[Any]) -> str:
    return _clip(".".join(str(part) for part in loc), _MAX_FIELD)


def validation_problem(errors: Iterable[Mapping[str, Any]]) -> ProblemError:
    """A 422 listing at most ``MAX_VIOLATIONS`` violations, each clipped, with a count of the rest.

    The body stays far below 64 KB whatever the input: 50 violations of at most
    ~700 characters each.
    """
    errors = list(errors)
    if any(e.get("type") == "json_invalid" for e in errors):
        first = next(e for e in errors if e.get("type") == "json_invalid")
        detail = first.get("ctx", {}).get("error") or first.get("msg") or "invalid JSON"
        return ProblemError(400, _clip(f"request body is not valid JSON: {detail}", _MAX_MESSAGE))
    count = len(errors)
    violations = [
        {
            "rule": "validation",
            "field": _loc(e.get("loc", ())),
            "message": _clip(str(e.get("msg", "")), _MAX_MESSAGE),
        }
        for e in errors[:MAX_VIOLATIONS]
    ]
    detail = f"{count} field{'s' if count != 1 else ''} failed validation"
    if count == 1:
        detail = f"{violations[0]['field']}: {violations[0]['message']}"
    extra: dict[str, Any] = {}
    if count > MAX_VIOLATIONS:
        detail += f"; the first {MAX_VIOLATIONS} are listed"
        extra["violations_omitted"] = count - MAX_VIOLATIONS
    return ProblemError(422, detail, violations=violations, extra=extra)


def install_problem_handlers(
    app: FastAPI, *, unhandled: bool = True, type_base: str | None = None
) -> None:
    """Answer every error with application/problem+json.

    ``unhandled=False`` leaves unhandled exceptions to a middleware: Starlette runs an
    ``Exception`` handler outermost, outside CORS and correlation ids, so
    :func:`waooaw.runtime.http.install_http` turns them into problems itself, inside both.
    ``type_base``: the application's problem vocabulary (problems raised without a type
    get ``type_base`` + the status's slug); without it they are ``about:blank``.
    """
    app.state.problem_type_base = type_base

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProblemError)
        return problem_response(exc, request)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return problem_response(validation_problem(exc.errors()), request)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else None
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no route matches {request.method} {request.url.path}"
        if exc.status_code == 405 and detail == "Method Not Allowed":
            detail = f"{request.method} is not allowed on {request.url.path}"
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            allowed = _allowed_methods(request)
            if allowed:
                headers["Allow"] = ", ".join(sorted(allowed))
        problem = ProblemError(exc.status_code, detail, headers=headers)
        return problem_response(problem, request)

    async def on_unhandled(request: Request, exc: Exception) -> Response:
        log.error(
            "unhandled %s on %s %s",
            type(exc).__name__,
            request.method,
            request.url.path,
            exc_info=exc,
        )
        return problem_response(ProblemError(500, "an unexpected error occurred"), request)

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    if unhandled:
        app.add_exception_handler(Exception, on_unhandled)


def operation_id(request: Request) -> str | None:
    """The contract's ``operationId`` of the route that matched ``request``, if any."""
    return getattr(request.scope.get("route"), "operation_id", None)


def _allowed_methods(request: Request) -> set[str]:
    """Every method some route serves at this path (Starlette names only the first route's)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - older FastAPI: keep Starlette's header
        return set()
    allowed: set[str] = set()
    path = request.url.path
    for context in iter_route_contexts(request.app.routes):
        regex = getattr(context, "path_regex", None)
        methods = getattr(context, "methods", None)
        if regex is not None and methods and regex.match(path):
            allowed |= set(methods)
    return allowed


def bind(implementations: tuple[object, ...], name: str) -> Callable[..., Awaitable[Any]] | None:
    """The first implementation's coroutine method called ``name``, if any."""
    for impl in implementations:
        method = getattr(impl, name, None)
        if callable(method):
            if not inspect.iscoroutinefunction(method):
                raise TypeError(f"{type(impl).__name__}.{name} must be an async method")
            return method  # type: ignore[no-any-return]
    return None


@dataclass(frozen=True, slots=True)
class _ResponseSpec:
    status_code: int | None
    json_media_type: str | None
    adapter: TypeAdapter[Any] | None
    media_types: tuple[str, ...]


@dataclass(slots=True)
class ResponseRenderer:
    """Turns an implementation's result object into an HTTP response, strictly.

    Only the operation's documented response classes are accepted; JSON bodies
    are serialized through a TypeAdapter of the documented type, which rejects
    values of the wrong type.
    """

    operation_id: str
    specs: dict[type, _ResponseSpec] = field(default_factory=dict)

    def add(
        self,
        cls: type,
        status_code: int | None,
        media_types: tuple[str, ...],
        json_media_type: str | None,
        body_type: Any | None,
    ) -> None:
        adapter = TypeAdapter(body_type) if body_type is not None else None
        self.specs[cls] = _ResponseSpec(status_code, json_media_type, adapter, media_types)

    def render(self, result: Any) -> Response:
        spec = self.specs.get(type(result))
        if spec is None:
            raise TypeError(
                f"{self.operation_id}: the implementation returned {type(result).__name__},"
                " which is not one of the operation's documented responses"
            )
        status = spec.status_code if spec.status_code is not None else result.status_code
        headers = dict(getattr(result, "headers", {}) or {})
        if not hasattr(result, "body"):
            return Response(status_code=status, headers=headers)
        body = result.body
        media_type = getattr(result, "media_type", None) or spec.json_media_type
        if media_type is None and spec.media_types:
            media_type = spec.media_types[0]
        if media_type == spec.json_media_type and spec.adapter is not None:
            content = spec.adapter.dump_json(body, by_alias=True, warnings="error")
            return Response(
                content=content, status_code=status, media_type=media_type, headers=headers
            )
        if isinstance(body, bytes | str):
            return Response(
                content=body, status_code=status, media_type=media_type, headers=headers
            )
        if isinstance(body, AsyncIterable | Iterable):
            return StreamingResponse(
                body, status_code=status, media_type=media_type, headers=headers
            )
        raise TypeError(f"{self.operation_id}: cannot send a {type(body).__name__} as {media_type}")


def deep_object(name: str) -> Callable[[Request], dict[str, str] | None]:
    """Collect ``name[key]=value`` query parameters (``style: deepObject``)."""
    prefix = name + "["

    def collect(request: Request) -> dict[str, str] | None:
        found = {
            key[len(prefix) : -1]: value
            for key, value in request.query_params.multi_items()
            if key.startswith(prefix) and key.endswith("]")
        }
        return found or None

    return collect


def validate_param(adapter: TypeAdapter[Any], value: Any, loc: tuple[str, str]) -> Any:
    """Validate a parameter FastAPI could not type by itself (deepObject, delimited)."""
    if value is None:
        return None
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**err, "loc": (*loc, *err["loc"])} for err in exc.errors(include_url=False)]
        ) from None


async def reject_null_body(request: Request, body: object) -> None:
    """An optional JSON body may be left out, but ``null`` is not an object."""
    if body is None and (await request.body()).strip() == b"null":
        raise RequestValidationError(
            [
                {
                    "type": "null_body",
                    "loc": ("body",),
                    "msg": "the request body may be left out but must not be null",
                    "input": None,
                }
            ]
        )


def parse_delimited(
    adapter: TypeAdapter[Any], raw: str | None, loc: tuple[str, str], separator: str = ","
) -> Any:
    """``?ids=a,b,c`` (``explode: false``) -> a validated list."""
    if raw is None:
        return None
    items = [] if raw == "" else raw.split(separator)
    return validate_param(adapter, items, loc)
