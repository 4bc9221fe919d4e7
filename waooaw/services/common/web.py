"""Serve a built single-page app (``vite build`` output) from a service.

``install_web_app(app, dist, routes=[...])`` adds, after the service's own routes:

* ``/assets/*``: the hashed build files, cached for a year (their names change when
  their content does);
* the other files at the top of ``dist`` (``favicon.svg`` ...), cached briefly;
* each client route prefix (``/admin`` answers ``/admin`` and ``/admin/...``):
  ``index.html``, never cached, so that a reload or a shared link opens the app at
  that page.

Nothing else changes: API routes are matched first because they were added first,
an unknown ``/api/...`` path is still a 404 problem, ``/openapi.json`` is still the
contract, and a request that does not accept HTML on a client route is a 404 problem
(a client route is a page, not a resource). The routes are left out of the OpenAPI
schema, and the service factories never call this, so the tests that compare the
mounted routes with the contract see the same routes as before.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

__all__ = ["ASSET_CACHE", "PAGE_CACHE", "WebAppMissing", "install_web_app", "web_dist"]

ASSET_CACHE = "public, max-age=31536000, immutable"
PAGE_CACHE = "no-cache"
FILE_CACHE = "public, max-age=3600"
RESERVED = ("/api", "/openapi.json", "/docs", "/redoc", "/health", "/ready", "/assets")


class WebAppMissing(RuntimeError):
    """``dist`` lacks ``index.html`` (the app was not built)."""


class _AssetFiles(StaticFiles):
    """StaticFiles with long cache headers and problem+json 404s (via HTTPException)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = ASSET_CACHE
        return response


def _accepts_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    # a browser navigation sends text/html; curl and plain fetch send */* or nothing
    return not accept or "text/html" in accept or "*/*" in accept


def _check_route(route: str) -> str:
    if not route.startswith("/") or (route != "/" and route.endswith("/")):
        raise ValueError(f"client route {route!r} must start with '/' and not end with one")
    for reserved in RESERVED:
        if route == reserved or route.startswith(reserved + "/"):
            raise ValueError(f"client route {route!r} would shadow the service's {reserved}")
    return route


def install_web_app(app: FastAPI, dist: Path, *, routes: Sequence[str]) -> None:
    """Serve ``dist`` (a Vite build) at ``/assets`` and ``index.html`` at ``routes``."""
    index = dist / "index.html"
    if not index.is_file():
        raise WebAppMissing(f"{index} not found: build the app first (npm --prefix web run build)")
    prefixes = [_check_route(r) for r in routes]

    async def page(request: Request) -> Response:
        if not _accepts_html(request):
            raise HTTPException(404)
        return FileResponse(index, media_type="text/html", headers={"Cache-Control": PAGE_CACHE})

    for prefix in prefixes:
        app.add_route(prefix, page, methods=["GET", "HEAD"], include_in_schema=False)
        if prefix != "/":
            app.add_route(
                prefix + "/{rest:path}", page, methods=["GET", "HEAD"], include_in_schema=False
            )

    for entry in sorted(dist.iterdir()):
        if entry.is_file() and entry.name != "index.html" and not entry.name.startswith("."):
            app.add_route(
                "/" + entry.name,
                _file_endpoint(entry),
                methods=["GET", "HEAD"],
                include_in_schema=False,
            )

    if (dist / "assets").is_dir():
        app.mount("/assets", _AssetFiles(directory=dist / "assets"), name="web-assets")


def _file_endpoint(path: Path) -> Callable[[Request], Awaitable[Response]]:
    async def serve(_: Request) -> Response:
        return FileResponse(path, headers={"Cache-Control": FILE_CACHE})

    return serve


def web_dist(name: str) -> Path:
    """Where the build of the app served by service ``name`` is.

    ``WAOOAW_WEB_DIR`` (a folder holding ``<name>/dist``) wins; otherwise ``web/`` of
    the checkout this package runs from.
    """
    root = os.environ.get("WAOOAW_WEB_DIR")
    base = Path(root) if root else Path(__file__).resolve().parents[3] / "web"
    return base / name / "dist"
