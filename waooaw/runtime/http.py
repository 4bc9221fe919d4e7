"""A whole app's HTTP layer: what every service (and the mock) installs around its routers.

Nothing here knows a product or a database; service-specific handlers (the database
being down, ...) are passed in as ``extra_handlers``. ``install_http(app, ...)`` gives
an app:

* a correlation id per request (``X-Correlation-ID`` accepted when well-formed,
  otherwise a new UUID), echoed on every response and put in every problem body
  and log line;
* problem+json for every error, including the ones Starlette produces outside
  the exception handlers: unhandled exceptions become a 500 problem here, inside
  the CORS middleware, so they carry CORS and correlation headers too; a rejected
  CORS preflight is a 400 problem; bodies over the limit are a 413 problem;
* CORS from an explicit origin list (never ``*`` with credentials).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .context import accept_or_new, correlation_id, request_id
from .docs import install_docs
from .server import PROBLEM_MEDIA_TYPE, ProblemError, encode_problem, install_problem_handlers

__all__ = [
    "CORS_EXPOSE",
    "CORS_HEADERS",
    "CORS_METHODS",
    "ExceptionHandlers",
    "ProblemCORSMiddleware",
    "RequestContextMiddleware",
    "install_http",
    "serve_contract",
]

#: exception type -> handler, as ``FastAPI.add_exception_handler`` takes them
ExceptionHandlers = Mapping[type[Exception], Callable[[Request, Exception], Awaitable[Response]]]

log = logging.getLogger("waooaw.http")
access_log = logging.getLogger("waooaw.access")

CORS_METHODS = ["GET", "POST", "PUT", "DELETE"]
CORS_HEADERS = ["Authorization", "Content-Type", "X-Correlation-ID", "Idempotency-Key"]
CORS_EXPOSE = ["X-Correlation-ID", "X-Request-ID", "Retry-After"]


def _problem_bytes(problem: ProblemError, path: str, cid: str, type_base: str | None) -> bytes:
    body = problem.body(instance=path or None, type_base=type_base)
    body["correlation_id"] = cid
    return encode_problem(body)


class RequestContextMiddleware:
    """Correlation id, body-size limit and last-resort 500 problem, as one ASGI layer."""

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int = 1_048_576, problem_type_base: str | None = None
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.problem_type_base = problem_type_base

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for key, value in scope["headers"]:
            if key == b"x-correlation-id":
                incoming = value.decode("latin-1")
                break
        cid = accept_or_new(incoming)
        rid = str(uuid.uuid4())
        token = correlation_id.set(cid)
        request_token = request_id.set(rid)
        state = scope.setdefault("state", {})
        state["correlation_id"] = cid
        state["request_id"] = rid
        header = (b"x-correlation-id", cid.encode())
        request_header = (b"x-request-id", rid.encode())
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [
                    h
                    for h in message.get("headers", [])
                    if h[0] not in (b"x-correlation-id", b"x-request-id")
                ]
                headers.append(header)
                headers.append(request_header)
                message["headers"] = headers
            await send(message)

        path = scope.get("path", "")
        status_holder: list[int] = []
        started_at = time.perf_counter()

        overflow: list[bool] = []

        async def send_logged(message: Message) -> None:
            if overflow:
                # the app saw the body cut short (a chunked body has no length to
                # check up front) and answered something else: answer 413 instead
                if message["type"] == "http.response.start":
                    status_holder.append(413)
                    problem = ProblemError(413, self._too_large())
                    await self._problem(send_with_id, problem, path, cid)
                return
            if message["type"] == "http.response.start":
                status_holder.append(message["status"])
            await send_with_id(message)

        try:
            length = _content_length(scope)
            if length is not None and length > self.max_body_bytes:
                await self._problem(send_with_id, ProblemError(413, self._too_large()), path, cid)
                return
            await self.app(scope, self._limited(receive, overflow), send_logged)
        except _BodyTooLarge:
            if not started:
                await self._problem(send_with_id, ProblemError(413, self._too_large()), path, cid)
        except Exception as exc:
            log.error(
                "unhandled %s on %s %s", type(exc).__name__, scope.get("method"), path, exc_info=exc
            )
            if not started:
                problem = ProblemError(
                    500, "an unexpected error occurred; quote the correlation id"
                )
                await self._problem(send_with_id, problem, path, cid)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %s %.1fms",
                    scope.get("method"),
                    path,
                    status_holder[0] if status_holder else "-",
                    (time.perf_counter() - started_at) * 1000,
                )
            request_id.reset(request_token)
            correlation_id.reset(token)

    def _too_large(self) -> str:
        return f"request body exceeds {self.max_body_bytes} bytes"

    def _limited(self, receive: Receive, overflow: list[bool]) -> Receive:
        seen = 0
        limit = self.max_body_bytes

        async def wrapped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    overflow.append(True)
                    raise _BodyTooLarge
            return message

        return wrapped

    async def _problem(self, send: Send, problem: ProblemError, path: str, cid: str) -> None:
        body = _problem_bytes(problem, path, cid, self.problem_type_base)
        headers = [
            (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
            (b"content-length", str(len(body)).encode()),
            *((k.lower().encode(), v.encode()) for k, v in problem.headers.items()),
        ]
        await send({"type": "http.response.start", "status": problem.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class _BodyTooLarge(Exception):
    pass


def _content_length(scope: Scope) -> int | None:
    for key, value in scope["headers"]:
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class ProblemCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, with a rejected preflight answered as problem+json."""

    def __init__(
        self, app: ASGIApp, /, *, problem_type_base: str | None = None, **cors: Any
    ) -> None:
        super().__init__(app, **cors)
        self.problem_type_base = problem_type_base

    def preflight_response(self, request_headers: Any) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        reason = bytes(response.body).decode(errors="replace")
        problem = ProblemError(400, f"CORS preflight rejected: {reason}")
        cid = correlation_id.get() or accept_or_new(None)
        headers = {
            k: v
            for k, v in response.headers.items()
            if k.lower() not in ("content-length", "content-type")
        }
        return Response(
            content=_problem_bytes(problem, "", cid, self.problem_type_base),
            status_code=400,
            media_type=PROBLEM_MEDIA_TYPE,
            headers=headers,
        )


def install_http(
    app: FastAPI,
    *,
    cors_origins: Sequence[str],
    max_body_bytes: int = 1_048_576,
    extra_handlers: ExceptionHandlers | None = None,
    cors_origin_regex: str | None = None,
    cors_methods: Sequence[str] = CORS_METHODS,
    cors_headers: Sequence[str] = CORS_HEADERS,
    cors_expose: Sequence[str] = CORS_EXPOSE,
    problem_type_base: str | None = None,
) -> None:
    """Problem+json everywhere, correlation ids, body limit and CORS (outermost).

    The ``cors_*`` defaults suit the services; a mock of another contract passes
    that contract's methods and headers. ``problem_type_base`` names the problem
    vocabulary (a problem raised without a type is ``problem_type_base`` + its status's
    slug; without it, ``about:blank``).
    """
    # unhandled exceptions are turned into problems by RequestContextMiddleware,
    # inside CORS, rather than by a handler in Starlette's outermost ServerErrorMiddleware
    install_problem_handlers(app, unhandled=False, type_base=problem_type_base)
    for exc_type, handler in (extra_handlers or {}).items():
        app.add_exception_handler(exc_type, handler)
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=max_body_bytes,
        problem_type_base=problem_type_base,
    )
    app.add_middleware(
        ProblemCORSMiddleware,
        allow_origins=list(cors_origins),
        allow_origin_regex=cors_origin_regex,
        allow_credentials=True,
        allow_methods=list(cors_methods),
        allow_headers=list(cors_headers),
        expose_headers=list(cors_expose),
        problem_type_base=problem_type_base,
    )


def serve_contract(app: FastAPI, contract_json: bytes, *, title: str) -> None:
    """Serve the contract itself at /openapi.json, with Swagger UI and ReDoc over it."""

    async def openapi(_: Request) -> Response:
        return Response(contract_json, media_type="application/json")

    app.add_route("/openapi.json", openapi, include_in_schema=False)
    install_docs(app, title=title)
