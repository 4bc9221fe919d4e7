"""The gateway (and executors) as real subprocesses in front of a running Plant, for the PP
and CP tests that run their workflows through it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from waooaw.services.gateway.config import DEFAULT_POLICY_DIR

from . import services

__all__ = ["running_executor", "running_gateway"]

AUDIT_KEY = "gateway-test-audit-key-0123456789"


@contextmanager
def running_gateway(
    folder: Path,
    plant_url: str,
    jwt_secret: str,
    *,
    sandbox_url: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[services.Service]:
    """A gateway over a fresh SQLite file, with a copy of the repository's policies."""
    folder.mkdir(parents=True, exist_ok=True)
    policies = folder / "policies"
    if not policies.exists():
        shutil.copytree(DEFAULT_POLICY_DIR, policies)
    settings = {
        "JWT_SECRET": jwt_secret,
        "WAOOAW_ENV": "test",
        "GATEWAY_DATABASE_URL": f"sqlite:///{folder / 'gateway.db'}",
        "GATEWAY_POLICY_DIR": str(policies),
        "GATEWAY_PLANT_URL": plant_url,
        "GATEWAY_AUDIT_KEY": AUDIT_KEY,
        **({"GATEWAY_EXECUTOR_SANDBOX_URL": sandbox_url} if sandbox_url else {}),
        **(env or {}),
    }
    with services.running("gateway", folder, settings, ready="/gateway/ready") as gateway:
        yield gateway
    assert "unhandled" not in gateway.log_text().lower(), gateway.log_text()


@contextmanager
def running_executor(
    folder: Path, jwt_secret: str, *, mode: str = "sandbox", env: Mapping[str, str] | None = None
) -> Iterator[services.Service]:
    settings = {
        "JWT_SECRET": jwt_secret,
        "WAOOAW_ENV": "test",
        "EXECUTOR_MODE": mode,
        **(env or {}),
    }
    with services.running("executor", folder, settings) as executor:
        yield executor
