"""``install_web_app``: a built app served next to a real service without shadowing its API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from waooaw.services.common.db import run_migrations
from waooaw.services.common.web import (
    ASSET_CACHE,
    PAGE_CACHE,
    WebAppMissing,
    install_web_app,
    web_dist,
)
from waooaw.services.plant import PlantSettings, create_app
from waooaw.services.plant.api.context import MIGRATIONS

INDEX = "<!doctype html><title>app</title><div id=root></div>"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    folder = tmp_path / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(INDEX)
    (folder / "assets" / "index-abc123.js").write_text("console.log(1)")
    (folder / "favicon.svg").write_text("<svg/>")
    return folder


@pytest.fixture
def plant_with_web(tmp_path: Path, dist: Path) -> FastAPI:
    url = f"sqlite:///{tmp_path / 'plant.db'}"
    run_migrations(MIGRATIONS, url)
    settings = PlantSettings.model_validate(
        {"environment": "test", "database_url": url, "audit_key": "k" * 32}
    )
    app = create_app(settings)
    install_web_app(app, dist, routes=["/", "/admin", "/marketplace"])
    return app


@pytest.fixture
async def client(plant_with_web: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=plant_with_web, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://plant") as http:
        yield http


HTML = {"Accept": "text/html,application/xhtml+xml"}


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/", "/admin", "/admin/genesis/skills", "/marketplace/agents/x"])
async def test_client_routes_answer_with_index(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, headers=HTML)
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == PAGE_CACHE
    assert response.headers["x-correlation-id"]


@pytest.mark.anyio
async def test_assets_are_cached_for_long(client: httpx.AsyncClient) -> None:
    response = await client.get("/assets/index-abc123.js")
    assert response.status_code == 200
    assert response.text == "console.log(1)"
    assert response.headers["cache-control"] == ASSET_CACHE
    assert "javascript" in response.headers["content-type"]
    assert (await client.get("/favicon.svg")).text == "<svg/>"


@pytest.mark.anyio
async def test_missing_asset_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/assets/nope.js")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["correlation_id"] == response.headers["x-correlation-id"]


@pytest.mark.anyio
async def test_api_is_not_shadowed(client: httpx.AsyncClient) -> None:
    unknown = await client.get("/api/v1/nothing-here", headers=HTML)
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert unknown.json()["status"] == 404
    contract = await client.get("/openapi.json", headers=HTML)
    assert contract.status_code == 200
    assert contract.json()["info"]["title"] == "WAOOAW Plant API"
    skills = await client.get("/api/v1/genesis/skills")
    assert skills.status_code == 200  # the real API route still answers, with JSON
    assert skills.json()["items"] == []
    unrouted = await client.get("/elsewhere", headers=HTML)
    assert unrouted.status_code == 404
    assert unrouted.headers["content-type"] == "application/problem+json"


@pytest.mark.anyio
async def test_client_route_refuses_non_html(client: httpx.AsyncClient) -> None:
    response = await client.get("/admin/agents", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    wrong = await client.post("/admin/agents", headers=HTML)
    assert wrong.status_code == 405


def test_routes_stay_out_of_the_schema(plant_with_web: FastAPI) -> None:
    assert plant_with_web.openapi_url is None
    paths = {getattr(r, "path", "") for r in plant_with_web.routes}
    assert "/admin/{rest:path}" in paths
    assert all(
        not getattr(r, "include_in_schema", False)
        for r in plant_with_web.routes
        if getattr(r, "path", "").startswith(("/admin", "/marketplace", "/assets"))
    )


def test_unbuilt_app_is_refused_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(WebAppMissing, match="build the app first"):
        install_web_app(FastAPI(), tmp_path, routes=["/admin"])


@pytest.mark.parametrize("route", ["/api", "/api/x", "/openapi.json", "/assets", "admin", "/x/"])
def test_routes_that_would_shadow_the_service_are_refused(dist: Path, route: str) -> None:
    with pytest.raises(ValueError, match="client route"):
        install_web_app(FastAPI(), dist, routes=[route])


def test_web_dist_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("WAOOAW_WEB_DIR", raising=False)
    assert web_dist("pp") == Path(__file__).resolve().parents[2] / "web" / "pp" / "dist"
    monkeypatch.setenv("WAOOAW_WEB_DIR", str(tmp_path))
    assert web_dist("cp") == tmp_path / "cp" / "dist"
