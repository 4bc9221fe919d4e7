"""Plant, PP and CP as real subprocesses on 127.0.0.1, serving the built web apps.

Each is ``waooaw serve NAME`` started through ``waooaw.services.process`` (the runner
installs ``web/<name>/dist`` when it exists), over a fresh SQLite file, with one
``JWT_SECRET`` for all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from tests.support.plant_server import AUDIT_KEY
from waooaw.services.process import ServiceProcess, ServiceStartError, service_env, start_service

__all__ = ["JWT_SECRET", "Service", "ServiceStartError", "running_stack"]

JWT_SECRET = "e2e-jwt-secret-0123456789abcdef0123456789"
READY_TIMEOUT_S = 60.0
FAST = {"cp": {"CP_PLANT_CACHE_SECONDS": "1", "CP_SANDBOX_SECONDS": "1.5"}}
#: a started service of the stack
Service = ServiceProcess


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
        plant_db = f"sqlite:///{folder / 'plant.db'}"
        plant = start_service(
            "plant",
            folder / "plant",
            env=service_env(
                JWT_SECRET=JWT_SECRET, DATABASE_URL=plant_db, AUDIT_KEY=AUDIT_KEY, PLANT_ENV="test"
            ),
            ready_timeout=READY_TIMEOUT_S,
            database_url=plant_db,
        )
        stack.callback(plant.stop)
        services["plant"] = plant
        if before is not None:
            before(plant)
        for name in names:
            database = f"sqlite:///{folder / (name + '.db')}"
            service = start_service(
                name,
                folder / name,
                env=service_env(
                    JWT_SECRET=JWT_SECRET,
                    PLANT_API_URL=plant.base_url,
                    WAOOAW_ENV="test",
                    DATABASE_URL=database,
                    **{f"{name.upper()}_ENV": "test"},
                    **FAST.get(name, {}),
                ),
                ready_timeout=READY_TIMEOUT_S,
                database_url=database,
            )
            stack.callback(service.stop)
            services[name] = service
        yield services
