"""A running gateway stack for integration tests: Plant and the gateway as subprocesses
(``waooaw serve``), a sandbox and a production executor in this process under real uvicorn
(so tests can read what each received), and the policy folder copied so tests may edit it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from tests.support import services
from tests.support.plant_server import PlantServer, running_plant
from tests.support.threaded import serve_in_thread
from waooaw.services.common.auth import JwtSettings
from waooaw.services.executor import ExecutorSettings
from waooaw.services.executor import create_app as executor_app
from waooaw.services.gateway.config import DEFAULT_POLICY_DIR

from .conftest import AUDIT_KEY, JWT, JWT_ENV

__all__ = ["Executor", "Stack", "gateway_env", "running_stack"]


class _HeaderLog:
    """Records the headers of every request (what the gateway sent upstream)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers: list[dict[str, str]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.headers.append({k.decode(): v.decode() for k, v in scope["headers"]})
        await self.app(scope, receive, send)


@dataclass
class Executor:
    url: str
    received: Any  # the app's deque of received requests
    log: _HeaderLog


@dataclass
class Stack:
    plant: PlantServer
    gateway: services.Service
    sandbox: Executor
    production: Executor
    policies: Path
    database_url: str
    folder: Path
    extra: dict[str, Any] = field(default_factory=dict)


@contextmanager
def _executor(mode: str) -> Iterator[Executor]:
    app = executor_app(
        ExecutorSettings(mode=mode, environment="test", run_seconds=0.0),  # type: ignore[arg-type]
        jwt=JwtSettings(secret=JWT.secret, environment="test"),
    )
    logged = _HeaderLog(app)
    with serve_in_thread(logged) as url:
        yield Executor(url, app.state.received, logged)


def gateway_env(database_url: str, policies: Path, plant_url: str, **extra: str) -> dict[str, str]:
    return {
        **JWT_ENV,
        "GATEWAY_DATABASE_URL": database_url,
        "GATEWAY_POLICY_DIR": str(policies),
        "GATEWAY_PLANT_URL": plant_url,
        "GATEWAY_AUDIT_KEY": AUDIT_KEY,
        "GATEWAY_ROUTE_POLL_SECONDS": "0.2",
        "GATEWAY_RETRY_AFTER": "7",
        **extra,
    }


@contextmanager
def running_stack(folder: Path, database_url: str, **extra: str) -> Iterator[Stack]:
    policies = folder / "policies"
    shutil.copytree(DEFAULT_POLICY_DIR, policies)
    with ExitStack() as stack:
        plant = stack.enter_context(running_plant(folder / "plant"))
        sandbox = stack.enter_context(_executor("sandbox"))
        production = stack.enter_context(_executor("production"))
        env = gateway_env(
            database_url,
            policies,
            plant.base_url,
            GATEWAY_EXECUTOR_SANDBOX_URL=sandbox.url,
            GATEWAY_EXECUTOR_PRODUCTION_URL=production.url,
            **extra,
        )
        gateway = stack.enter_context(
            services.running("gateway", folder / "gateway", env, ready="/gateway/ready")
        )
        yield Stack(plant, gateway, sandbox, production, policies, database_url, folder)
