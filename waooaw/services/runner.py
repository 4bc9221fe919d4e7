"""Start services under uvicorn: settings checked and migrations applied first."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from waooaw.runtime.context import CorrelationLogFilter

__all__ = ["configure_logging", "run_services"]

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(CorrelationLogFilter())
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # one INFO line per outgoing call (PP and CP call Plant) would drown the access log
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _plant(host: str, port: int, migrate: bool, log_level: str) -> object:
    import uvicorn

    from .common.db import run_migrations
    from .plant import PlantSettings, create_app
    from .plant.api.context import MIGRATIONS

    settings = PlantSettings()
    if migrate:
        run_migrations(MIGRATIONS, settings.database_url)
    config = uvicorn.Config(
        create_app(settings),
        host=host,
        port=port,
        log_config=None,
        log_level=log_level,
        access_log=False,
    )
    return uvicorn.Server(config)


def _pp(host: str, port: int, migrate: bool, log_level: str) -> object:
    import uvicorn

    from .common.auth import JwtSettings
    from .pp import PPSettings, create_app

    settings = PPSettings()
    jwt = JwtSettings(environment=settings.environment)
    config = uvicorn.Config(
        create_app(settings, jwt=jwt),
        host=host,
        port=port,
        log_config=None,
        log_level=log_level,
        access_log=False,
    )
    return uvicorn.Server(config)


def _cp(host: str, port: int, migrate: bool, log_level: str) -> object:
    import uvicorn

    from .common.db import run_migrations
    from .cp import CpSettings, create_app
    from .cp.api.context import MIGRATIONS

    settings = CpSettings()
    if migrate:
        run_migrations(MIGRATIONS, settings.database_url)
    config = uvicorn.Config(
        create_app(settings),
        host=host,
        port=port,
        log_config=None,
        log_level=log_level,
        access_log=False,
    )
    return uvicorn.Server(config)


def _gateway(host: str, port: int, migrate: bool, log_level: str) -> object:
    import uvicorn

    from .common.auth import JwtSettings
    from .common.db import run_migrations
    from .gateway import GatewaySettings, create_app
    from .gateway.api.admin import MIGRATIONS

    settings = GatewaySettings()
    if migrate:
        run_migrations(MIGRATIONS, settings.database_url)
    config = uvicorn.Config(
        create_app(settings, jwt=JwtSettings(environment=settings.environment)),
        host=host,
        port=port,
        log_config=None,
        log_level=log_level,
        access_log=False,
    )
    return uvicorn.Server(config)


def _executor(host: str, port: int, migrate: bool, log_level: str) -> object:
    import uvicorn

    from .common.auth import JwtSettings
    from .executor import ExecutorSettings, create_app

    settings = ExecutorSettings()
    config = uvicorn.Config(
        create_app(settings, jwt=JwtSettings(environment=settings.environment)),
        host=host,
        port=port,
        log_config=None,
        log_level=log_level,
        access_log=False,
    )
    return uvicorn.Server(config)


FACTORIES = {"plant": _plant, "pp": _pp, "cp": _cp, "gateway": _gateway, "executor": _executor}
#: where each service listens by default; `serve all --port P` shifts them all by P - 8000
PORTS = {"plant": 8000, "pp": 8001, "cp": 8002, "gateway": 8003, "executor": 8004}

# the web app each service serves when its build (web/<name>/dist) exists, and the
# client routes that answer with its index.html
WEB_APPS: dict[str, tuple[str, ...]] = {
    "pp": ("/", "/signin", "/admin"),
    "cp": ("/", "/signin", "/marketplace", "/trials"),
}


def _install_web(name: str, server: object) -> None:
    """Serve web/<name>/dist from the service's app, when the app was built."""
    from .common.web import install_web_app, web_dist

    routes = WEB_APPS.get(name)
    dist = web_dist(name)
    if routes is None or not (dist / "index.html").is_file():
        return
    install_web_app(server.config.app, dist, routes=routes)  # type: ignore[attr-defined]
    logging.getLogger("waooaw").info("%s serves its web app from %s", name, dist)


def _wire(ports: dict[str, int], host: str) -> None:
    """Point services started together at each other (unless the environment already does).

    PP and CP reach Plant through the gateway when it runs with them (``WAOOAW_VIA_GATEWAY``,
    default true; false: straight to Plant), with a service token; the gateway fronts the
    Plant and the (sandbox) executor started with it.
    """
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host

    def url(name: str) -> str:
        return f"http://{local}:{ports[name]}"

    env = os.environ
    via_gateway = "gateway" in ports and env.get("WAOOAW_VIA_GATEWAY", "true").lower() not in (
        "0",
        "false",
        "no",
    )
    if "plant" in ports:
        env.setdefault("GATEWAY_PLANT_URL", url("plant"))
    if "executor" in ports:
        env.setdefault("GATEWAY_EXECUTOR_SANDBOX_URL", url("executor"))
    if {"PLANT_API_URL", "CP_PLANT_API_URL", "PP_PLANT_API_URL"} & set(env):
        return
    if via_gateway:
        env["PLANT_API_URL"] = url("gateway")
        env.setdefault("PLANT_SERVICE_TOKEN", "true")
        env.setdefault("CP_EXECUTOR", "gateway")
        env.setdefault("CP_GATEWAY_URL", url("gateway"))
    elif "plant" in ports:
        # services started together call the Plant started with them
        env["PLANT_API_URL"] = url("plant")


def run_services(
    names: Sequence[str],
    *,
    host: str,
    port: int | None = None,
    migrate: bool = True,
    log_level: str = "info",
) -> int:
    """Run the named services in one process; 1 on bad settings.

    Without ``port`` each listens on its own port (``PORTS``); with it, one service listens
    there, and several keep their distance from Plant's port (``all --port 9000``: Plant on
    9000, CP on 9002).
    """
    configure_logging(log_level)
    log = logging.getLogger("waooaw")
    servers = []
    ports = {
        name: PORTS[name]
        if port is None
        else (port if len(names) == 1 else port + PORTS[name] - PORTS["plant"])
        for name in names
    }
    _wire(ports, host)
    for name in names:
        chosen = ports[name]
        try:
            server = FACTORIES[name](host, chosen, migrate, log_level)
            _install_web(name, server)
            servers.append(server)
        except ValidationError as exc:
            print(f"{name}: invalid configuration:", file=sys.stderr)
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"]) or "settings"
                print(f"  {where}: {err['msg']}", file=sys.stderr)
            return 1
        log.info("%s listening on http://%s:%d (docs at /docs)", name, host, chosen)

    async def serve_all() -> None:
        await asyncio.gather(*(s.serve() for s in servers))  # type: ignore[attr-defined]

    asyncio.run(serve_all())
    return 0


WORKERS = ("cp",)


def run_worker(
    name: str,
    *,
    concurrency: int | None = None,
    drain: bool = False,
    migrate: bool = True,
    log_level: str = "info",
) -> int:
    """Run a service's task worker until SIGINT/SIGTERM (or, with ``drain``, an empty queue)."""
    import signal

    from .common.db import Database, run_migrations
    from .common.values import now
    from .cp import CpSettings
    from .cp.api.context import MIGRATIONS
    from .cp.remote import build_executor
    from .cp.worker import Worker, WorkerStats

    configure_logging(log_level)
    log = logging.getLogger("waooaw")
    if name not in WORKERS:
        print(f"{name}: has no worker; choose from {', '.join(WORKERS)}", file=sys.stderr)
        return 2
    try:
        settings = CpSettings()
    except ValidationError as exc:
        print(f"{name}: invalid configuration:", file=sys.stderr)
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "settings"
            print(f"  {where}: {err['msg']}", file=sys.stderr)
        return 1
    if migrate:
        run_migrations(MIGRATIONS, settings.database_url)

    async def work() -> WorkerStats:
        db = Database.connect(settings.database_url, pool_size=settings.pool_size)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        executor = build_executor(settings)
        worker = Worker(settings, db, executor, clock=now, concurrency=concurrency)
        try:
            return await worker.run(stop, drain=drain)
        finally:
            await db.dispose()

    stats = asyncio.run(work())
    log.info(
        "%s worker done: %d claimed, %d completed, %d failed, %d lost",
        name,
        stats.claimed,
        stats.completed,
        stats.failed,
        stats.lost,
    )
    return 0
