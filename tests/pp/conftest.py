"""PP fixtures: a real Plant under uvicorn on 127.0.0.1, PP in process over ASGI in front of it,
and tokens for every role.

PP runs with short Plant timeouts and backoff (``pp_settings``) so that the failure tests
stay quick; the tokens are real HS256 JWTs signed with ``JWT`` (``mint_token``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.support.plant_server import PlantServer, running_plant
from waooaw.services.common.auth import JwtSettings, mint_token
from waooaw.services.plant.seeded import INDUSTRY_MARKETING
from waooaw.services.pp import PPSettings, create_app

JWT = JwtSettings(secret="pp-test-secret-" + "x" * 40, environment="test")
ROLES = ("genesis", "governor", "viewer")
PROBLEM = "application/problem+json"


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


def token(*roles: str, sub: str = "alice", **extra: Any) -> str:
    return mint_token(JWT, subject=sub, roles=roles, extra=extra or None)


def auth(*roles: str, sub: str = "alice") -> dict[str, str]:
    return {"Authorization": f"Bearer {token(*roles, sub=sub)}"}


ADMIN = auth(*ROLES, sub="admin")


def pp_settings(plant_url: str, **overrides: Any) -> PPSettings:
    values: dict[str, Any] = {
        "environment": "test",
        "plant_api_url": plant_url,
        "plant_timeout_seconds": 5.0,
        "plant_retry_max_backoff": 0.05,
        **overrides,
    }
    return PPSettings.model_validate(values)


def pp_app(plant_url: str, **overrides: Any) -> FastAPI:
    return create_app(pp_settings(plant_url, **overrides), jwt=JWT)


async def close(app: FastAPI) -> None:
    await app.state.context.plant.aclose()


def _serve(folder: Path, log_level: str) -> Iterator[PlantServer]:
    with running_plant(folder, log_level=log_level) as server:
        yield server
    assert "unhandled" not in server.log_text().lower(), server.log_text()


@pytest.fixture(scope="module")
def plant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlantServer]:
    """Plant over a fresh SQLite file, shared by a module's tests (access log on)."""
    yield from _serve(tmp_path_factory.mktemp("plant"), "info")


@pytest.fixture(scope="module")
async def pp(plant: PlantServer) -> AsyncIterator[httpx.AsyncClient]:
    """PP in process over ASGI, calling the module's Plant (one app per module: PP keeps no
    state of its own, and building the app is the slow part)."""
    app = pp_app(plant.base_url)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://pp") as http:
        yield http
    await close(app)


# -- building blocks through PP ------------------------------------------------------------


async def make_skill(
    pp: httpx.AsyncClient, name: str, *, certify: bool = True, sub: str = "alice"
) -> dict[str, Any]:
    made = await pp.post(
        "/api/v1/genesis/skills",
        json={"name": name, "category": "technical", "description": "A skill."},
        headers=auth("genesis", sub=sub),
    )
    assert made.status_code == 201, made.text
    skill: dict[str, Any] = made.json()
    if certify:
        done = await pp.post(
            f"/api/v1/genesis/skills/{skill['id']}/certify", headers=auth("genesis", sub=sub)
        )
        assert done.status_code == 200, done.text
        skill = done.json()
    return skill


async def make_job_role(
    pp: httpx.AsyncClient, skill_ids: list[str], *, certify: bool = True, name: str = "Writer"
) -> dict[str, Any]:
    made = await pp.post(
        "/api/v1/genesis/job-roles",
        json={
            "name": name,
            "description": "Writes content.",
            "industry_id": INDUSTRY_MARKETING,
            "required_skills": skill_ids,
            "seniority": "mid",
        },
        headers=auth("genesis"),
    )
    assert made.status_code == 201, made.text
    role: dict[str, Any] = made.json()
    if certify:
        done = await pp.post(
            f"/api/v1/genesis/job-roles/{role['id']}/certify", headers=auth("genesis")
        )
        assert done.status_code == 200, done.text
        role = done.json()
    return role


def agent_body(role: dict[str, Any], skill_ids: list[str], **overrides: Any) -> dict[str, Any]:
    return {
        "name": "Email Marketing Agent",
        "description": "Writes and tests email campaigns.",
        "industry_id": role["industry_id"],
        "job_role_id": role["id"],
        "skills": skill_ids,
        "governance_agent_id": "genesis",
        "specialties": ["newsletters"],
        "price_per_month": 12000,
        "trial_mode_sandbox_url": "https://sandbox.waooaw.com/agents/email",
        **overrides,
    }
