"""Plant fixtures: a migrated database (SQLite file, and PostgreSQL when configured) and clients.

PostgreSQL runs when ``WAOOAW_TEST_POSTGRES_URL`` names a server the tests may
create databases on (``.ci/run`` sets it); each test gets a database of its own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from waooaw.services.common.db import run_migrations, sync_url
from waooaw.services.plant import PlantSettings, create_app
from waooaw.services.plant.api.context import MIGRATIONS
from waooaw.services.plant.seeded import GENESIS, INDUSTRY_MARKETING

POSTGRES = os.environ.get("WAOOAW_TEST_POSTGRES_URL")
AUDIT_KEY = "test-audit-key-0123456789abcdef"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


def _postgres_database() -> Iterator[str]:
    import psycopg

    if not POSTGRES:
        pytest.skip("WAOOAW_TEST_POSTGRES_URL is not set")
    name = f"plant_test_{uuid.uuid4().hex[:12]}"
    admin = sync_url(POSTGRES).set(drivername="postgresql")
    dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'plant.db'}"
        run_migrations(MIGRATIONS, url)
        yield url
        return
    for url in _postgres_database():
        run_migrations(MIGRATIONS, url)
        yield url


def settings_for(database_url: str, **overrides: Any) -> PlantSettings:
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": database_url,
        "audit_key": AUDIT_KEY,
        **overrides,
    }
    return PlantSettings.model_validate(values)


@pytest.fixture
def plant_app(database_url: str) -> FastAPI:
    return create_app(settings_for(database_url))


@pytest.fixture
async def client(plant_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=plant_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://plant") as http:
        yield http
    await plant_app.state.context.db.dispose()


async def make_skill(
    client: httpx.AsyncClient, name: str | None = None, *, certify: bool = True
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/genesis/skills",
        json={
            "name": name or f"Skill {uuid.uuid4().hex[:8]}",
            "category": "technical",
            "description": "A skill.",
        },
    )
    assert response.status_code == 201, response.text
    skill: dict[str, Any] = response.json()
    if certify:
        certified = await client.post(f"/api/v1/genesis/skills/{skill['id']}/certify")
        assert certified.status_code == 200, certified.text
        skill = certified.json()
    return skill


async def make_job_role(
    client: httpx.AsyncClient,
    skill_ids: list[str],
    *,
    industry: str = INDUSTRY_MARKETING,
    certify: bool = True,
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/genesis/job-roles",
        json={
            "name": "Content Writer",
            "description": "Writes content.",
            "industry_id": industry,
            "required_skills": skill_ids,
            "seniority": "mid",
        },
    )
    assert response.status_code == 201, response.text
    role: dict[str, Any] = response.json()
    if certify:
        certified = await client.post(f"/api/v1/genesis/job-roles/{role['id']}/certify")
        assert certified.status_code == 200, certified.text
        role = certified.json()
    return role


def agent_body(role: dict[str, Any], skill_ids: list[str], **overrides: Any) -> dict[str, Any]:
    return {
        "name": "Email Marketing Agent",
        "description": "Writes and tests email campaigns.",
        "industry_id": role["industry_id"],
        "job_role_id": role["id"],
        "skills": skill_ids,
        "governance_agent_id": GENESIS,
        "specialties": ["B2B SaaS"],
        "price_per_month": 12000,
        "trial_mode_sandbox_url": "https://sandbox.waooaw.com/agents/email",
        **overrides,
    }
