"""A real PP: ``waooaw serve pp`` under uvicorn in a subprocess
(``waooaw.services.process``), in front of a running Plant.

Configured only through the environment, as in production: ``PLANT_API_URL``,
``JWT_SECRET`` (plus ``PP_ENV=test``, so the development secret would be refused), and
optional extra variables. ``/ready`` asks Plant, so PP is ready only once Plant answers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from waooaw.services.process import ServiceProcess, running_service, service_env, start_service

__all__ = ["JWT_SECRET", "PPServer", "running_pp", "start_pp"]

JWT_SECRET = "pp-server-test-secret-0123456789abcdef"
#: a PP process
PPServer = ServiceProcess


def _env(plant_url: str, env: Mapping[str, str] | None) -> dict[str, str]:
    return service_env(PLANT_API_URL=plant_url, JWT_SECRET=JWT_SECRET, PP_ENV="test", **(env or {}))


def start_pp(
    folder: Path,
    plant_url: str,
    *,
    log_level: str = "warning",
    env: Mapping[str, str] | None = None,
) -> PPServer:
    """Start PP in front of ``plant_url``."""
    return start_service("pp", folder, env=_env(plant_url, env), log_level=log_level)


@contextmanager
def running_pp(
    folder: Path,
    plant_url: str,
    *,
    log_level: str = "warning",
    env: Mapping[str, str] | None = None,
) -> Iterator[PPServer]:
    with running_service("pp", folder, env=_env(plant_url, env), log_level=log_level) as server:
        yield server
