"""A real Plant: ``waooaw serve plant`` under uvicorn in a subprocess
(``waooaw.services.process``), over a fresh SQLite file in the given folder (the server
migrates it on start) unless ``database_url`` names another database.

Plain Python (no pytest), so that fixtures, tests and scripts can all use it.
"""

from __future__ import annotations

from collections.abc import Iterator
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
]

AUDIT_KEY = "test-audit-key-0123456789abcdef"
#: a Plant process (``database_url`` is set)
PlantServer = ServiceProcess


def plant_env(database_url: str) -> dict[str, str]:
    return service_env(DATABASE_URL=database_url, AUDIT_KEY=AUDIT_KEY, PLANT_ENV="test")


def start(
    folder: Path, *, database_url: str | None = None, log_level: str = "warning"
) -> PlantServer:
    """Start Plant over ``database_url`` (default: a new SQLite file in ``folder``)."""
    url = database_url or f"sqlite:///{folder / 'plant.db'}"
    return start_service("plant", folder, env=plant_env(url), log_level=log_level, database_url=url)


@contextmanager
def running_plant(
    folder: Path, *, database_url: str | None = None, log_level: str = "warning"
) -> Iterator[PlantServer]:
    url = database_url or f"sqlite:///{folder / 'plant.db'}"
    with running_service(
        "plant", folder, env=plant_env(url), log_level=log_level, database_url=url
    ) as server:
        yield server
