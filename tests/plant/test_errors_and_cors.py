"""RFC 9457 problems for every failure, correlation ids, CORS, settings that refuse to start."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from waooaw.services.plant import PlantSettings, create_app

from .conftest import AUDIT_KEY, settings_for

pytestmark = pytest.mark.anyio


def _assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert isinstance(body["type"], str) and isinstance(body["title"], str)
    assert body["correlation_id"] == response.headers["x-correlation-id"]
    return body


async def test_validation_problem_has_one_violation_per_field(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/genesis/skills",
        json={"name": "", "category": "dance", "description": "x", "is_admin": True},
    )
    body = _assert_problem(response, 422)
    assert body["type"] == "https://waooaw.com/errors/validation"
    fields = [v["field"] for v in body["violations"]]  # type: ignore[attr-defined]
    assert fields == ["body.name", "body.category", "body.is_admin"]


async def test_text_the_database_cannot_store_is_a_422_not_a_500(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/genesis/skills",
        json={"name": "a\u0000b", "category": "technical", "description": "x"},
    )
    # SQLite stores NUL; PostgreSQL refuses it, which must reach the client as its own error
    assert response.status_code in (201, 422), response.text
    if response.status_code == 422:
        _assert_problem(response, 422)


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/genesis/skills", content=b'{"name": ', headers={"content-type": "application/json"}
    )
    body = _assert_problem(response, 400)
    assert "not valid JSON" in str(body["detail"])


async def test_unknown_route_and_wrong_method(client: httpx.AsyncClient) -> None:
    _assert_problem(await client.get("/api/v1/nothing-here"), 404)
    response = await client.delete("/api/v1/agents")
    _assert_problem(response, 405)
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}


async def test_too_large_body_is_413(client: httpx.AsyncClient) -> None:
    big = "x" * (1_048_576 + 10)
    response = await client.post(
        "/api/v1/genesis/skills", json={"name": "n", "category": "technical", "description": big}
    )
    body = _assert_problem(response, 413)
    assert "exceeds" in str(body["detail"])


async def test_unhandled_exception_is_a_500_problem_without_internals(
    client: httpx.AsyncClient,
    plant_app: FastAPI,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from waooaw.services.plant.api.genesis import GenesisService

    async def explode(self: object, **kwargs: object) -> object:
        raise RuntimeError("secret detail at /srv/plant/secret.py")

    monkeypatch.setattr(GenesisService, "list_industries", explode)
    app = create_app(plant_app.state.context.settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://plant") as http:
        with caplog.at_level(logging.ERROR):
            response = await http.get(
                "/api/v1/genesis/industries",
                headers={"X-Correlation-ID": "trace-500", "Origin": "http://localhost:3000"},
            )
    await app.state.context.db.dispose()
    body = _assert_problem(response, 500)
    assert body["correlation_id"] == "trace-500"
    assert (
        "secret" not in response.text
        and "Traceback" not in response.text
        and ".py" not in response.text
    )
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert any("RuntimeError" in r.getMessage() or r.exc_info for r in caplog.records)


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("abc-123_X.y", True), ("a" * 128, True), ("a" * 129, False), ("bad id!", False), ("", False)],
)
async def test_correlation_id_is_kept_only_when_well_formed(
    client: httpx.AsyncClient, sent: str, kept: bool
) -> None:
    response = await client.get("/health", headers={"X-Correlation-ID": sent})
    echoed = response.headers["x-correlation-id"]
    if kept:
        assert echoed == sent
    else:
        assert echoed != sent
        uuid.UUID(echoed)


async def test_database_down_is_503_with_retry_after(tmp_path: Path) -> None:
    settings = settings_for("postgresql://nobody:nothing@127.0.0.1:1/none")
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://plant") as http:
        listing = await http.get("/api/v1/agents")
        ready = await http.get("/ready")
    await app.state.context.db.dispose()
    _assert_problem(listing, 503)
    assert listing.headers["retry-after"] == "5"
    _assert_problem(ready, 503)
    assert ready.headers["retry-after"] == "5"


async def test_not_ready_until_migrated(tmp_path: Path) -> None:
    app = create_app(settings_for(f"sqlite:///{tmp_path / 'empty.db'}"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://plant") as http:
        ready = await http.get("/ready")
        health = await http.get("/health")
    await app.state.context.db.dispose()
    body = _assert_problem(ready, 503)
    assert "schema" in str(body["detail"])
    assert health.status_code == 200


async def test_contract_and_docs_are_served(client: httpx.AsyncClient) -> None:
    from importlib.resources import files

    served = await client.get("/openapi.json")
    assert served.content == files("waooaw.generated.plant").joinpath("openapi.json").read_bytes()
    assert [t["name"] for t in served.json()["tags"]] == ["Genesis", "Agents", "Audit", "System"]
    docs = await client.get("/docs")
    assert (
        docs.status_code == 200 and "/openapi.json" in docs.text and "swagger" in docs.text.lower()
    )
    redoc = await client.get("/redoc")
    assert redoc.status_code == 200 and "/openapi.json" in redoc.text


# -- CORS -------------------------------------------------------------------------------


async def test_allowed_origin_gets_credentials_and_exposed_headers(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/health", headers={"Origin": "http://localhost:5173"})
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "X-Correlation-ID" in response.headers["access-control-expose-headers"]
    assert "Origin" in response.headers["vary"]


async def test_disallowed_origin_is_never_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"Origin": "https://evil.example"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    assert "Origin" in response.headers["vary"]


async def test_preflight_allowed_and_rejected(client: httpx.AsyncClient) -> None:
    ok = await client.options(
        "/api/v1/agents",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type, X-Correlation-ID, Idempotency-Key, Authorization",
        },
    )
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "POST" in ok.headers["access-control-allow-methods"]
    refused = await client.options(
        "/api/v1/agents",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"
    assert "evil" not in refused.headers.get("access-control-allow-origin", "")
    assert refused.json()["status"] == 400


def test_cors_origins_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://cp.demo.waooaw.com, https://pp.demo.waooaw.com")
    assert PlantSettings().cors_origins == [
        "https://cp.demo.waooaw.com",
        "https://pp.demo.waooaw.com",
    ]


@pytest.mark.parametrize("origins", ["*", "https://*.waooaw.com", "ftp://x", "https://a.com/path"])
def test_start_up_refuses_bad_cors_origins(monkeypatch: pytest.MonkeyPatch, origins: str) -> None:
    monkeypatch.setenv("CORS_ORIGINS", origins)
    with pytest.raises(ValidationError, match="CORS"):
        PlantSettings()


def test_start_up_refuses_bad_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://x/y")
    with pytest.raises(ValidationError, match="DATABASE_URL"):
        PlantSettings()
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("PLANT_ENV", "production")
    with pytest.raises(ValidationError, match="AUDIT_KEY"):
        PlantSettings()
    monkeypatch.setenv("AUDIT_KEY", AUDIT_KEY)
    assert PlantSettings().environment == "production"


def test_serve_reports_bad_settings_clearly(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "CORS_ORIGINS": "*"}
    result = subprocess.run(
        [sys.executable, "-m", "waooaw.cli", "serve", "plant", "--port", "1"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "plant: invalid configuration" in result.stderr
    assert "CORS_ORIGINS may not contain '*'" in result.stderr
