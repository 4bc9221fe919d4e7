"""Any service as a real subprocess: ``python -m waooaw.cli serve <name>`` on a free port.

Like :mod:`tests.support.plant_server`, for the gateway and the executors (and anything
else ``waooaw serve`` runs): the environment given, ``ready`` polled until it answers 200,
terminate then kill afterwards, a port taken meanwhile retried on another.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from .plant_server import free_port

__all__ = ["Service", "ServiceStartError", "running", "start"]

READY_TIMEOUT_S = 45.0
STOP_TIMEOUT_S = 10.0
_PREFIXES = ("PLANT_", "PP_", "CP_", "GATEWAY_", "EXECUTOR_", "JWT_")


class ServiceStartError(RuntimeError):
    pass


@dataclass(frozen=True)
class Service:
    name: str
    base_url: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(STOP_TIMEOUT_S)

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        self.process.kill()
        self.process.wait(STOP_TIMEOUT_S)


def _once(
    name: str, folder: Path, env: Mapping[str, str], ready: str, attempt: int
) -> Service | None:
    port = free_port()
    full = {k: v for k, v in os.environ.items() if not k.startswith(_PREFIXES)}
    full.pop("DATABASE_URL", None)
    full.pop("WAOOAW_ENV", None)
    full.update(env)
    log = folder / f"{name}-{port}-{attempt}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "waooaw.cli", "serve", name),
                *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
            ],
            cwd=folder,
            env=full,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    service = Service(name, f"http://127.0.0.1:{port}", port, process, log)
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(base_url=service.base_url, timeout=2.0) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                if "address already in use" in service.log_text().lower():
                    return None
                raise ServiceStartError(
                    f"{name} exited with {process.returncode}:\n{service.log_text()}"
                )
            try:
                if http.get(ready).status_code == 200:
                    return service
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    service.stop()
    raise ServiceStartError(f"{name} was not ready in {READY_TIMEOUT_S}s:\n{service.log_text()}")


def start(name: str, folder: Path, env: Mapping[str, str], *, ready: str = "/health") -> Service:
    folder.mkdir(parents=True, exist_ok=True)
    for attempt in range(3):
        service = _once(name, folder, env, ready, attempt)
        if service is not None:
            return service
    raise ServiceStartError(f"{name}: no free port after 3 attempts")


@contextmanager
def running(
    name: str, folder: Path, env: Mapping[str, str], *, ready: str = "/health"
) -> Iterator[Service]:
    service = start(name, folder, env, ready=ready)
    try:
        yield service
    finally:
        service.stop()
