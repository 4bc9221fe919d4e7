"""Plant, PP and CP as real subprocesses on 127.0.0.1, serving the built web apps.

Each is ``python -m waooaw.cli serve NAME`` (the runner installs ``web/<name>/dist``
when it exists), over a fresh SQLite file, with one ``JWT_SECRET`` for all, polled on
``/ready`` until it answers 200 and stopped (terminate, then kill) afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.plant_server import AUDIT_KEY, free_port

__all__ = ["JWT_SECRET", "Service", "ServiceStartError", "running_stack", "start_service"]

JWT_SECRET = "e2e-jwt-secret-0123456789abcdef0123456789"
READY_TIMEOUT_S = 60.0
FAST = {"cp": {"CP_PLANT_CACHE_SECONDS": "1", "CP_SANDBOX_SECONDS": "1.5"}}
STOP_TIMEOUT_S = 10.0


class ServiceStartError(RuntimeError):
    """A service exited or never became ready (the message holds its log)."""


@dataclass(frozen=True)
class Service:
    name: str
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(STOP_TIMEOUT_S)


def start_service(name: str, folder: Path, env_extra: Mapping[str, str]) -> Service:
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PLANT_", "PP_", "CP_", "JWT_", "DATABASE_URL", "WAOOAW_ENV"))
    }
    env.update(JWT_SECRET=JWT_SECRET, **env_extra)
    log = folder / f"{name}-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "waooaw.cli", "serve", name),
                *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
            ],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    service = Service(name, f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(base_url=service.base_url, timeout=2.0) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ServiceStartError(
                    f"{name} exited with {process.returncode}:\n{service.log_text()}"
                )
            try:
                if http.get("/ready").status_code == 200:
                    return service
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    service.stop()
    raise ServiceStartError(
        f"{name} was not ready within {READY_TIMEOUT_S}s:\n{service.log_text()}"
    )


@contextmanager
def running_stack(
    folder: Path,
    names: tuple[str, ...] = ("pp", "cp"),
    *,
    before: Callable[[Service], None] | None = None,
) -> Iterator[dict[str, Service]]:
    """Plant, then the named services over it; all stopped on exit.

    ``before(plant)`` runs once Plant is ready and before the others start (seeding).
    CP refreshes its copy of Plant's agents often and runs sandbox tasks in a second, so
    a browser test sees new agents and finished tasks quickly.
    """
    with ExitStack() as stack:
        services: dict[str, Service] = {}
        plant = start_service(
            "plant",
            folder / "plant",
            {
                "DATABASE_URL": f"sqlite:///{folder / 'plant.db'}",
                "AUDIT_KEY": AUDIT_KEY,
                "PLANT_ENV": "test",
            },
        )
        stack.callback(plant.stop)
        services["plant"] = plant
        if before is not None:
            before(plant)
        for name in names:
            upper = name.upper()
            service = start_service(
                name,
                folder / name,
                {
                    "PLANT_API_URL": plant.base_url,
                    f"{upper}_ENV": "test",
                    "WAOOAW_ENV": "test",
                    "DATABASE_URL": f"sqlite:///{folder / (name + '.db')}",
                    **FAST.get(name, {}),
                },
            )
            stack.callback(service.stop)
            services[name] = service
        yield services
