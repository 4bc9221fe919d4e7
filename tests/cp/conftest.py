"""CP fixtures: a real Plant behind CP, CP's own database on each backend, apps and tokens.

* ``plant`` - one real Plant per test module (``python -m waooaw.cli serve plant`` on
  127.0.0.1, SQLite), seeded through the generated client with certified skills, a job
  role and ``AGENTS`` agents (``waooaw/services/plant/seeding.py``).
* ``database_url`` - CP's database, freshly migrated, per test: a SQLite file, and with
  ``WAOOAW_TEST_POSTGRES_URL`` a PostgreSQL database of the test's own.
* ``cp_app`` / ``client`` - CP in process (httpx over ASGI) with its lifespan running, so
  the catalogue copy, the in-process worker and the sweeper are all live. Sandbox tasks
  take ``SANDBOX_SECONDS``.
* ``token(sub)`` - a customer token CP accepts.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from waooaw.generated.plant.client import PlantClient
from waooaw.services.common.auth import JwtSettings, mint_token
from waooaw.services.common.db import run_migrations, sync_url
from waooaw.services.cp import CpSettings, create_app
from waooaw.services.cp.api.context import MIGRATIONS
from waooaw.services.plant.seeding import Catalogue, seed_catalogue

from ..support.cp_server import JWT_SECRET
from ..support.plant_server import PlantServer, running_plant

POSTGRES = os.environ.get("WAOOAW_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
AGENTS = 4
SANDBOX_SECONDS = 0.05
JWT = JwtSettings.model_validate({"JWT_SECRET": JWT_SECRET, "WAOOAW_ENV": "test"})
PROBLEM = "application/problem+json"


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


def postgres_database(prefix: str = "cp_test") -> Iterator[str]:
    import psycopg

    if not POSTGRES:
        pytest.skip("WAOOAW_TEST_POSTGRES_URL is not set")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
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
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database on the backend (whoever uses it migrates it)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'cp.db'}"
        return
    yield from postgres_database()


@pytest.fixture
def database_url(empty_database: str) -> str:
    run_migrations(MIGRATIONS, empty_database)
    return empty_database


@pytest.fixture(scope="module")
def plant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlantServer]:
    with running_plant(tmp_path_factory.mktemp("plant")) as server:
        yield server


@pytest.fixture(scope="module")
def seeded(plant: PlantServer) -> Catalogue:
    with PlantClient(plant.base_url) as client:
        return seed_catalogue(client, agents=AGENTS)


def settings_for(database_url: str, plant_url: str, **overrides: Any) -> CpSettings:
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": database_url,
        "plant_api_url": plant_url,
        "sandbox_seconds": SANDBOX_SECONDS,
        "worker_poll_seconds": 0.02,
        "sse_poll_seconds": 0.02,
        **overrides,
    }
    return CpSettings.of(**values)


def token(subject: str, *, name: str | None = None, roles: tuple[str, ...] = ("customer",)) -> str:
    return mint_token(JWT, subject=subject, roles=roles, extra={"name": name} if name else None)


def auth(subject: str, **kwargs: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(subject, **kwargs)}"}


@pytest.fixture
def cp_settings(database_url: str, plant: PlantServer, seeded: Catalogue) -> CpSettings:
    return settings_for(database_url, plant.base_url)


@pytest.fixture
def cp_app(cp_settings: CpSettings) -> FastAPI:
    return create_app(cp_settings, jwt=JWT)


@pytest.fixture
async def client(cp_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """CP in process with its lifespan (catalogue refresh, worker, sweeper) running."""
    async with cp_app.router.lifespan_context(cp_app):
        transport = httpx.ASGITransport(app=cp_app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://cp") as http:
            yield http


def plant_sql(plant: PlantServer, statement: str, *params: Any) -> None:
    """Change Plant's state where its API has no operation for it (suspend, retire)."""
    database = plant.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as conn:
        conn.execute(statement, params)
