"""Swagger UI and ReDoc pages whose scripts and styles are served by the app itself.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, so on a machine without internet
they render blank. The assets here come from the ``fastapi-offline`` package, which ships
the Swagger UI bundle, its CSS and ReDoc's standalone build; they are mounted under
``/docs/static`` and the pages point at them (and at no font service).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

__all__ = ["ASSETS_PATH", "asset_dir", "install_docs"]

#: where the assets are mounted
ASSETS_PATH = "/docs/static"


def asset_dir() -> Path:
    """The folder of Swagger UI and ReDoc files shipped by fastapi-offline."""
    return Path(str(files("fastapi_offline") / "static"))


def install_docs(app: FastAPI, *, title: str, openapi_url: str = "/openapi.json") -> None:
    """Serve Swagger UI at /docs and ReDoc at /redoc, every asset from this app."""
    swagger_page = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=f"{title} — Swagger UI",
        swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
        # no "valid" badge fetched from the public validator
        swagger_ui_parameters={"validatorUrl": None},
    )
    redoc_page = get_redoc_html(
        openapi_url=openapi_url,
        title=f"{title} — ReDoc",
        redoc_js_url=f"{ASSETS_PATH}/redoc.standalone.js",
        redoc_favicon_url=f"{ASSETS_PATH}/favicon.png",
        with_google_fonts=False,
    )

    async def docs(_: Request) -> HTMLResponse:
        return swagger_page

    async def redoc(_: Request) -> HTMLResponse:
        return redoc_page

    app.mount(ASSETS_PATH, StaticFiles(directory=asset_dir()), name="docs-static")
    app.add_route("/docs", docs, include_in_schema=False)
    app.add_route("/redoc", redoc, include_in_schema=False)
