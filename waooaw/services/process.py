"""Run a service in a subprocess on a free 127.0.0.1 port, as tests, benchmarks and the
``verify`` targets of the services over Plant do.

``start_service("plant", folder, env=...)`` runs ``python -m waooaw.cli serve plant`` (or any
``argv`` that takes ``--host`` and ``--port``) with its output in a log file in ``folder``,
polls ``GET /ready`` (or ``ready_path``) until it answers 200 and returns a ``ServiceProcess``; ``stop()``
terminates it (and kills it if it does not exit in time). A port taken between choosing and
binding it is retried on another port; a process that exits otherwise, or is not ready in
time, is a ``ServiceStartError`` whose message holds the log::

    with running_service("plant", tmp, env=service_env(DATABASE_URL=url)) as plant:
        httpx.get(f"{plant.base_url}/api/v1/agents")
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = [
    "HOST",
    "ServiceProcess",
    "ServiceStartError",
    "free_port",
    "running_service",
    "serve_argv",
    "service_env",
    "start_service",
]

HOST = "127.0.0.1"
READY_TIMEOUT_S = 45.0
STOP_TIMEOUT_S = 10.0
PORT_ATTEMPTS = 3
#: settings of the services that a calling environment must not leak into a started one
SERVICE_PREFIXES = (
    *("PLANT_", "PP_", "CP_", "GATEWAY_", "EXECUTOR_", "JWT_", "WAOOAW_"),
    *("DATABASE_URL", "AUDIT_KEY"),
)


class ServiceStartError(RuntimeError):
    """The service exited or never became ready (the message holds its log)."""


@dataclass(frozen=True)
class ServiceProcess:
    """A started service: where it answers, its process and its log."""

    name: str
    base_url: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    #: the database it was started over, when it has one
    database_url: str | None = None

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

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        self.process.kill()
        self.process.wait(STOP_TIMEOUT_S)


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def service_env(**settings: str) -> dict[str, str]:
    """This process' environment less every service setting, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(SERVICE_PREFIXES)}
    env.update(settings)
    return env


def serve_argv(name: str, log_level: str = "warning") -> list[str]:
    """``waooaw serve NAME`` with this interpreter (``--host``/``--port`` are added)."""
    return [sys.executable, "-m", "waooaw.cli", "serve", name, "--log-level", log_level]


def _start_once(
    name: str,
    folder: Path,
    argv: Sequence[str],
    env: dict[str, str],
    attempt: int,
    ready_timeout: float,
    ready_path: str,
    database_url: str | None,
    preexec_fn: Callable[[], None] | None,
) -> ServiceProcess | None:
    port = free_port()
    log = folder / f"{name}-{port}-{attempt}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*argv, "--host", HOST, "--port", str(port)],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=preexec_fn,
        )
    service = ServiceProcess(name, f"http://{HOST}:{port}", port, process, log, database_url)
    deadline = time.monotonic() + ready_timeout
    with httpx.Client(base_url=service.base_url, timeout=5.0) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                if "address already in use" in service.log_text().lower():
                    return None
                raise ServiceStartError(
                    f"{name} exited with {process.returncode}:\n{service.log_text()}"
                )
            try:
                if http.get(ready_path).status_code == 200:
                    return service
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    service.stop()
    raise ServiceStartError(
        f"{name} was not ready within {ready_timeout:g} s:\n{service.log_text()}"
    )


def start_service(
    name: str,
    folder: Path,
    *,
    env: dict[str, str],
    argv: Sequence[str] | None = None,
    log_level: str = "warning",
    ready_timeout: float = READY_TIMEOUT_S,
    ready_path: str = "/ready",
    database_url: str | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> ServiceProcess:
    """Start ``argv`` (default ``waooaw serve NAME``) in ``folder`` and wait until it is ready.

    ``env`` is the whole environment of the process (see ``service_env``); ``database_url``
    is only recorded on the result.
    """
    folder.mkdir(parents=True, exist_ok=True)
    command = list(argv) if argv is not None else serve_argv(name, log_level)
    for attempt in range(PORT_ATTEMPTS):
        service = _start_once(
            name, folder, command, env, attempt, ready_timeout, ready_path, database_url, preexec_fn
        )
        if service is not None:
            return service
    raise ServiceStartError(f"{name}: no free port after {PORT_ATTEMPTS} attempts")


@contextmanager
def running_service(
    name: str,
    folder: Path,
    *,
    env: dict[str, str],
    argv: Sequence[str] | None = None,
    log_level: str = "warning",
    ready_timeout: float = READY_TIMEOUT_S,
    ready_path: str = "/ready",
    database_url: str | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> Iterator[ServiceProcess]:
    """:func:`start_service` for the duration of the ``with`` block."""
    service = start_service(
        name,
        folder,
        env=env,
        argv=argv,
        log_level=log_level,
        ready_timeout=ready_timeout,
        ready_path=ready_path,
        database_url=database_url,
        preexec_fn=preexec_fn,
    )
    try:
        yield service
    finally:
        service.stop()
