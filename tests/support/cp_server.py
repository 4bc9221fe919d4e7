"""A real CP, and real CP workers: ``waooaw serve cp`` / ``waooaw worker cp`` in
subprocesses (the server through ``waooaw.services.process``).

The given database is migrated by the server on start. Service settings of the calling
environment are dropped so each test says what it runs with; ``env`` adds settings
(``CP_SANDBOX_SECONDS``...).

Plain Python (no pytest), so that fixtures, tests and scripts can all use it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from waooaw.services.process import ServiceProcess, running_service, service_env, start_service

__all__ = ["JWT_SECRET", "CpServer", "cp_env", "running_cp", "start", "start_worker"]

JWT_SECRET = "test-jwt-secret-0123456789abcdef-0123456789"
#: a CP process (``database_url`` is set)
CpServer = ServiceProcess


def cp_env(
    database_url: str, plant_url: str, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    return service_env(
        CP_DATABASE_URL=database_url,
        PLANT_API_URL=plant_url,
        CP_ENV="test",
        WAOOAW_ENV="test",
        JWT_SECRET=JWT_SECRET,
        PYTHONUNBUFFERED="1",
        **(extra or {}),
    )


def start(
    folder: Path,
    *,
    database_url: str,
    plant_url: str,
    env: Mapping[str, str] | None = None,
    log_level: str = "warning",
) -> CpServer:
    return start_service(
        "cp",
        folder,
        env=cp_env(database_url, plant_url, env),
        log_level=log_level,
        database_url=database_url,
    )


@contextmanager
def running_cp(
    folder: Path,
    *,
    database_url: str,
    plant_url: str,
    env: Mapping[str, str] | None = None,
    log_level: str = "warning",
) -> Iterator[CpServer]:
    with running_service(
        "cp",
        folder,
        env=cp_env(database_url, plant_url, env),
        log_level=log_level,
        database_url=database_url,
    ) as server:
        yield server


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
