"""A real CP, and real CP workers: ``python -m waooaw.cli serve cp`` / ``worker cp`` in
subprocesses.

Like :mod:`tests.support.plant_server`: a free 127.0.0.1 port, the given database (the
server migrates it on start), ``/ready`` polled until it answers 200, and the process
stopped (terminate, then kill) afterwards. ``CP_*`` variables of the calling environment are
dropped so each test says what it runs with; ``env`` adds settings (``CP_SANDBOX_SECONDS``...).

Plain Python (no pytest), so that fixtures, tests and scripts can all use it.
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

__all__ = [
    "JWT_SECRET",
    "CpServer",
    "CpStartError",
    "cp_env",
    "running_cp",
    "start",
    "start_worker",
]

JWT_SECRET = "test-jwt-secret-0123456789abcdef-0123456789"
READY_TIMEOUT_S = 45.0
STOP_TIMEOUT_S = 10.0
PORT_ATTEMPTS = 3


class CpStartError(RuntimeError):
    """The server exited or never became ready (the message holds its log)."""


def cp_env(
    database_url: str, plant_url: str, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CP_", "JWT_", "PLANT_"))}
    env.pop("WAOOAW_ENV", None)
    env.pop("DATABASE_URL", None)
    env.update(
        CP_DATABASE_URL=database_url,
        PLANT_API_URL=plant_url,
        CP_ENV="test",
        WAOOAW_ENV="test",
        JWT_SECRET=JWT_SECRET,
        PYTHONUNBUFFERED="1",
    )
    env.update(extra or {})
    return env


@dataclass(frozen=True)
class CpServer:
    base_url: str
    port: int
    database_url: str
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


def _start_once(
    folder: Path, env: dict[str, str], database_url: str, attempt: int, log_level: str
) -> CpServer | None:
    port = free_port()
    log = folder / f"cp-{port}-{attempt}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "waooaw.cli", "serve", "cp"),
                *("--host", "127.0.0.1", "--port", str(port), "--log-level", log_level),
            ],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = CpServer(f"http://127.0.0.1:{port}", port, database_url, process, log)
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(base_url=server.base_url, timeout=2.0) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                if "address already in use" in server.log_text().lower():
                    return None
                raise CpStartError(f"CP exited with {process.returncode}:\n{server.log_text()}")
            try:
                if http.get("/ready").status_code == 200:
                    return server
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    server.stop()
    raise CpStartError(f"CP was not ready within {READY_TIMEOUT_S}s:\n{server.log_text()}")


def start(
    folder: Path,
    *,
    database_url: str,
    plant_url: str,
    env: Mapping[str, str] | None = None,
    log_level: str = "warning",
) -> CpServer:
    folder.mkdir(parents=True, exist_ok=True)
    full = cp_env(database_url, plant_url, env)
    for attempt in range(PORT_ATTEMPTS):
        server = _start_once(folder, full, database_url, attempt, log_level)
        if server is not None:
            return server
    raise CpStartError(f"no free port after {PORT_ATTEMPTS} attempts")


@contextmanager
def running_cp(
    folder: Path,
    *,
    database_url: str,
    plant_url: str,
    env: Mapping[str, str] | None = None,
    log_level: str = "warning",
) -> Iterator[CpServer]:
    server = start(
        folder, database_url=database_url, plant_url=plant_url, env=env, log_level=log_level
    )
    try:
        yield server
    finally:
        server.stop()


def start_worker(
    folder: Path,
    *,
    database_url: str,
    env: Mapping[str, str] | None = None,
    args: tuple[str, ...] = (),
    name: str = "worker",
    log_level: str = "info",
) -> tuple[subprocess.Popen[bytes], Path]:
    """``waooaw worker cp`` in a subprocess (migrations left to whoever made the database)."""
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "waooaw.cli", "worker", "cp", "--no-migrate"),
                *("--log-level", log_level, *args),
            ],
            cwd=folder,
            env=cp_env(database_url, "http://127.0.0.1:9", env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return process, log
