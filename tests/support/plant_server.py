"""A real Plant: ``python -m waooaw.cli serve plant`` under uvicorn in a subprocess.

The same approach as ``tests/plant/test_concurrency.py``: a free 127.0.0.1 port, a fresh
SQLite file database in the given folder (the server migrates it on start), ``/ready``
polled until it answers 200, and the process stopped (terminate, then kill) afterwards.
A port taken between choosing and binding it is retried on another port.

Plain Python (no pytest), so that fixtures, tests and scripts can all use it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = ["AUDIT_KEY", "PlantServer", "PlantStartError", "free_port", "running_plant", "start"]

AUDIT_KEY = "test-audit-key-0123456789abcdef"
READY_TIMEOUT_S = 45.0
STOP_TIMEOUT_S = 10.0
PORT_ATTEMPTS = 3


class PlantStartError(RuntimeError):
    """The server exited or never became ready (the message holds its log)."""


@dataclass(frozen=True)
class PlantServer:
    base_url: str
    port: int
    database_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def worker_pids(self) -> list[int]:
        """The worker processes under uvicorn's process manager (none with one worker)."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [
            int(c)
            for c in children
            if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()  # not the tracker
        ]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    @property
    def running(self) -> bool:
        return self.process.poll() is None

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


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start_once(
    folder: Path,
    database_url: str,
    attempt: int,
    log_level: str,
    extra: Mapping[str, str],
    workers: int,
) -> PlantServer | None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANT_")}
    env.update(DATABASE_URL=database_url, AUDIT_KEY=AUDIT_KEY, PLANT_ENV="test", **extra)
    env.pop("WAOOAW_ENV", None)
    log = folder / f"plant-{port}-{attempt}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "waooaw.cli", "serve", "plant"),
                *("--host", "127.0.0.1", "--port", str(port), "--log-level", log_level),
                *("--workers", str(workers)),
            ],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = PlantServer(f"http://127.0.0.1:{port}", port, database_url, process, log)
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(base_url=server.base_url, timeout=2.0) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                if "address already in use" in server.log_text().lower():
                    return None
                raise PlantStartError(
                    f"Plant exited with {process.returncode}:\n{server.log_text()}"
                )
            try:
                if http.get("/ready").status_code == 200:
                    return server
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    server.stop()
    raise PlantStartError(f"Plant was not ready within {READY_TIMEOUT_S}s:\n{server.log_text()}")


def start(
    folder: Path,
    *,
    database_url: str | None = None,
    log_level: str = "warning",
    env: Mapping[str, str] | None = None,
    workers: int = 1,
) -> PlantServer:
    """Start Plant over ``database_url`` (default: a new SQLite file in ``folder``), with
    ``env`` added to its environment and ``workers`` processes."""
    folder.mkdir(parents=True, exist_ok=True)
    url = database_url or f"sqlite:///{folder / 'plant.db'}"
    for attempt in range(PORT_ATTEMPTS):
        server = _start_once(folder, url, attempt, log_level, env or {}, workers)
        if server is not None:
            return server
    raise PlantStartError(f"no free port after {PORT_ATTEMPTS} attempts")


@contextmanager
def running_plant(
    folder: Path, *, database_url: str | None = None, log_level: str = "warning"
) -> Iterator[PlantServer]:
    server = start(folder, database_url=database_url, log_level=log_level)
    try:
        yield server
    finally:
        server.stop()
