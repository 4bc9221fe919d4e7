"""Gateway fixtures: a migrated gateway database (SQLite file; PostgreSQL when configured),
tokens, and the repository's policies."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from waooaw.services.common.auth import JwtSettings, mint_token
from waooaw.services.common.db import run_migrations, sync_url
from waooaw.services.gateway.api.admin import MIGRATIONS

POSTGRES = os.environ.get("WAOOAW_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
JWT_SECRET = "gateway-test-secret-" + "x" * 40
JWT = JwtSettings(secret=JWT_SECRET, environment="test")
AUDIT_KEY = "gateway-test-audit-key-0123456789"
#: what every service under test reads for its tokens
JWT_ENV = {"JWT_SECRET": JWT_SECRET, "WAOOAW_ENV": "test"}


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


def token(*roles: str, sub: str = "alice", **extra: Any) -> str:
    return mint_token(JWT, subject=sub, roles=roles, extra=extra or None)


def auth(*roles: str, sub: str = "alice") -> dict[str, str]:
    return {"Authorization": f"Bearer {token(*roles, sub=sub)}"}


def postgres_database(prefix: str) -> Iterator[str]:
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
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated gateway database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gateway.db'}"
        run_migrations(MIGRATIONS, url)
        yield url
        return
    for url in postgres_database("gateway_test"):
        run_migrations(MIGRATIONS, url)
        yield url
