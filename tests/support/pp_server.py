"""A real PP: ``python -m waooaw.cli serve pp`` under uvicorn in a subprocess, in front of a
running Plant.

Configured only through the environment, as in production: ``PLANT_API_URL``,
``JWT_SECRET`` (plus ``PP_ENV=test``, so the development secret would be refused), and
optional extra variables. Started on a free 127.0.0.1 port and polled on ``/ready`` (which
asks Plant) until it answers 200; stopped with terminate, then kill.
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

from .plant_server import PlantStartError, free_port

__all__ = ["JWT_SECRET", "PPServer", "running_pp", "start_pp"]

JWT_SECRET = "pp-server-test-secret-0123456789abcdef"
READY_TIMEOUT_S = 45.0
STOP_TIMEOUT_S = 10.0
PORT_ATTEMPTS = 3


@dataclass(frozen=True)
class PPServer:
    base_url: str
    port: int
    plant_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        """Terminate the process (kill it if it does not exit in time); idempotent."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(STOP_TIMEOUT_S)


def _start_once(
    folder: Path, plant_url: str, attempt: int, log_level: str, env_extra: Mapping[str, str]
) -> PPServer | None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PP_", "JWT_", "PLANT_"))}
    env.pop("WAOOAW_ENV", None)
    env.update(PLANT_API_URL=plant_url, JWT_SECRET=JWT_SECRET, PP_ENV="test", **env_extra)
    log = folder / f"pp-{port}-{attempt}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "waooaw.cli", "serve", "pp"),
                *("--host", "127.0.0.1", "--port", str(port), "--log-level", log_level),
            ],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = PPServer(f"http://127.0.0.1:{port}", port, plant_url, process, log)
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(base_url=server.base_url, timeout=5.0) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                if "address already in use" in server.log_text().lower():
                    return None
                raise PlantStartError(f"PP exited with {process.returncode}:\n{server.log_text()}")
            try:
                if http.get("/ready").status_code == 200:
                    return server
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    server.stop()
    raise PlantStartError(f"PP was not ready within {READY_TIMEOUT_S}s:\n{server.log_text()}")


def start_pp(
    folder: Path,
    plant_url: str,
    *,
    log_level: str = "warning",
    env: Mapping[str, str] | None = None,
) -> PPServer:
    """Start PP in front of ``plant_url``."""
    folder.mkdir(parents=True, exist_ok=True)
    for attempt in range(PORT_ATTEMPTS):
        server = _start_once(folder, plant_url, attempt, log_level, env or {})
        if server is not None:
            return server
    raise PlantStartError(f"no free port after {PORT_ATTEMPTS} attempts")


@contextmanager
def running_pp(
    folder: Path,
    plant_url: str,
    *,
    log_level: str = "warning",
    env: Mapping[str, str] | None = None,
) -> Iterator[PPServer]:
    server = start_pp(folder, plant_url, log_level=log_level, env=env)
    try:
        yield server
    finally:
        server.stop()
