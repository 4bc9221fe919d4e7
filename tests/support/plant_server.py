"""A real Plant: ``waooaw serve plant`` under uvicorn in a subprocess
(``waooaw.services.process``), over a fresh SQLite file in the given folder (the server
migrates it on start) unless ``database_url`` names another database.

Plain Python (no pytest), so that fixtures, tests and scripts can all use it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from waooaw.services.process import (
    ServiceProcess,
    ServiceStartError,
    free_port,
    running_service,
    service_env,
    start_service,
)

__all__ = [
    "AUDIT_KEY",
    "PlantServer",
    "ServiceStartError",
    "free_port",
    "plant_env",
    "running_plant",
    "start",
    "worker_pids",
]

AUDIT_KEY = "test-audit-key-0123456789abcdef"
#: a Plant process (``database_url`` is set)
PlantServer = ServiceProcess


def plant_env(database_url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    return service_env(
        DATABASE_URL=database_url, AUDIT_KEY=AUDIT_KEY, PLANT_ENV="test", **(extra or {})
    )


def _argv(log_level: str, workers: int) -> list[str]:
    return [
        *(sys.executable, "-m", "waooaw.cli", "serve", "plant"),
        *("--log-level", log_level, "--workers", str(workers)),
    ]


def worker_pids(server: PlantServer) -> list[int]:
    """The worker processes under uvicorn's process manager (none with one worker)."""
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [
        int(c)
        for c in children
        if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()  # not the tracker
    ]


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
    url = database_url or f"sqlite:///{folder / 'plant.db'}"
    return start_service(
        "plant",
        folder,
        env=plant_env(url, env),
        argv=_argv(log_level, workers),
        database_url=url,
    )


@contextmanager
def running_plant(
    folder: Path, *, database_url: str | None = None, log_level: str = "warning"
) -> Iterator[PlantServer]:
    url = database_url or f"sqlite:///{folder / 'plant.db'}"
    with running_service(
        "plant", folder, env=plant_env(url), log_level=log_level, database_url=url
    ) as server:
        yield server
