"""Small ASGI services with contracts, registered as verify targets for the tests.

* ``broken`` breaks RFC 7807 two ways: ``GET /text-errors/{id}`` answers 404 as text/plain,
  ``GET /wrong-status/{id}`` answers a 404 problem whose ``status`` says 400.
* ``recorder`` answers ``GET /ping`` and keeps every request's headers in ``SEEN``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from schemathesis.python import asgi
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from waooaw.verify import Served, TargetOptions, target

__all__ = ["BROKEN", "RECORDER", "SEEN"]

BROKEN = "test-broken"
RECORDER = "test-recorder"
#: headers of every request the recorder app answered, lower-cased names
SEEN: list[dict[str, str]] = []

_PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "correlation_id": {"type": "string"},
    },
}
_ID = [{"name": "item_id", "in": "path", "required": True, "schema": {"type": "string"}}]


def _not_found(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": _PROBLEM_SCHEMA}},
    }


BROKEN_CONTRACT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Broken", "version": "1.0.0"},
    "paths": {
        "/text-errors/{item_id}": {
            "get": {
                "operationId": "getTextError",
                "parameters": _ID,
                "responses": {"404": _not_found("Nothing here.")},
            }
        },
        "/wrong-status/{item_id}": {
            "get": {
                "operationId": "getWrongStatus",
                "parameters": _ID,
                "responses": {"404": _not_found("Nothing here.")},
            }
        },
    },
}

RECORDER_CONTRACT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Recorder", "version": "1.0.0"},
    "paths": {
        "/ping": {
            "get": {
                "operationId": "ping",
                "responses": {
                    "200": {
                        "description": "Pong.",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["ok"],
                                    "properties": {"ok": {"type": "boolean"}},
                                }
                            }
                        },
                    }
                },
            }
        }
    },
}


def _problem(status: int, claimed: int) -> Response:
    correlation = str(uuid.uuid4())
    body = {"type": "about:blank", "title": "Not Found", "status": claimed}
    return Response(
        json.dumps({**body, "correlation_id": correlation}),
        status_code=status,
        media_type="application/problem+json",
        headers={"X-Correlation-ID": correlation},
    )


async def text_error(request: Request) -> Response:
    return Response(
        "no such item",
        status_code=404,
        media_type="text/plain",
        headers={"X-Correlation-ID": str(uuid.uuid4())},
    )


async def wrong_status(request: Request) -> Response:
    return _problem(404, claimed=400)


async def recorder_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """GET /ping answers; any other method is a 405 problem with Allow, any other path 404."""
    if scope["type"] == "lifespan":
        await receive()  # startup
        await send({"type": "lifespan.startup.complete"})
        await receive()  # shutdown
        await send({"type": "lifespan.shutdown.complete"})
        return
    request = Request(scope, receive)
    SEEN.append({name.lower(): value for name, value in request.headers.items()})
    if request.url.path != "/ping":
        response = _problem(404, claimed=404)
    elif request.method not in ("GET", "HEAD"):
        response = _problem(405, claimed=405)
        response.headers["Allow"] = "GET, HEAD"
    else:
        response = Response('{"ok": true}', media_type="application/json")
    await response(scope, receive, send)


@target(BROKEN, description="an app whose errors break RFC 7807")
@contextmanager
def broken(options: TargetOptions) -> Iterator[Served]:
    app = Starlette(
        routes=[
            Route("/text-errors/{item_id}", text_error),
            Route("/wrong-status/{item_id}", wrong_status),
        ]
    )
    try:
        yield Served(name=BROKEN, contract=BROKEN_CONTRACT, app=app)
    finally:
        asgi.shutdown_lifespans()


@target(RECORDER, description="an app that records request headers")
@contextmanager
def recorder(options: TargetOptions) -> Iterator[Served]:
    try:
        yield Served(name=RECORDER, contract=RECORDER_CONTRACT, app=recorder_app)
    finally:
        asgi.shutdown_lifespans()
