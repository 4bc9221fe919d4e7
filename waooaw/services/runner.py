"""Start services under uvicorn: settings checked and migrations applied first."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from waooaw.runtime.context import CorrelationLogFilter

from .common.settings import DEFAULT_CORS_ORIGINS
from .ports import busy_port_message, first_busy_port

__all__ = [
    "configure_logging",
    "cp_app",
    "executor_app",
    "gateway_app",
    "plant_app",
    "pp_app",
    "run_services",
]

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"


def configure_logging(level: str, log_format: str = "text") -> None:
    """Log lines to stderr: text, or with ``json`` one object per line (and per request)."""
    handler = logging.StreamHandler()
    handler.addFilter(CorrelationLogFilter())
    if log_format == "json":
        from waooaw.observability import JsonFormatter

        handler.setFormatter(JsonFormatter())
        # the per-request object (waooaw.request) replaces the text access line
        logging.getLogger("waooaw.access").setLevel(logging.WARNING)
    else:
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # one INFO line per outgoing call (PP and CP call Plant) would drown the access log
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _settings(name: str) -> Any:
    """The service's settings from the environment (pydantic ValidationError when bad)."""
    if name == "plant":
        from .plant import PlantSettings

        return PlantSettings()
    if name == "pp":
        from .pp import PPSettings

        return PPSettings()
    if name == "gateway":
        from .gateway import GatewaySettings

        return GatewaySettings()
    if name == "executor":
        from .executor import ExecutorSettings

        return ExecutorSettings()
    from .cp import CpSettings

    return CpSettings()


def _migrate(name: str, settings: Any) -> None:
    from .common.db import run_migrations

    if name == "plant":
        from .plant.api.context import MIGRATIONS
    elif name == "cp":
        from .cp.api.context import MIGRATIONS
    elif name == "gateway":
        from .gateway.api.admin import MIGRATIONS
    else:
        return  # PP and the executor keep no database
    run_migrations(MIGRATIONS, settings.database_url)


def _create_app(name: str, settings: Any, *, log_format: str, provider: Any) -> Any:
    if name == "plant":
        from .plant import create_app as plant

        app = plant(settings)
    elif name == "pp":
        from .common.auth import JwtSettings
        from .pp import create_app as pp

        app = pp(settings, jwt=JwtSettings(environment=settings.environment))
    elif name in ("gateway", "executor"):
        from .common.auth import JwtSettings
        from .executor import create_app as executor
        from .gateway import create_app as gateway

        factory = gateway if name == "gateway" else executor
        app = factory(settings, jwt=JwtSettings(environment=settings.environment))
    else:
        from .cp import create_app as cp

        app = cp(settings)
    from waooaw.observability import install_observability

    install_observability(app, service=name, provider=provider, log_requests=log_format == "json")
    _install_web(name, app)
    return app


def _uvicorn_options(host: str, port: int, log_level: str) -> dict[str, Any]:
    from .common.protocol import ProblemHttpToolsProtocol

    # loop "auto" picks uvloop; the HTTP protocol is httptools' (both installed with the
    # project), answering requests it cannot parse with problem+json
    return {
        "host": host,
        "port": port,
        "log_config": None,
        "log_level": log_level,
        "access_log": False,
        "http": ProblemHttpToolsProtocol,
    }


def _from_environment(name: str) -> Any:
    """App factory of a worker process: the parent checked settings and migrated."""
    from waooaw.observability import tracer_provider_from_env

    log_format = os.environ.get(_LOG_FORMAT_ENV, "text")
    configure_logging(os.environ.get(_LOG_LEVEL_ENV, "info"), log_format)
    return _create_app(
        name, _settings(name), log_format=log_format, provider=tracer_provider_from_env(name)
    )


def plant_app() -> Any:
    """Plant from the environment (``uvicorn --factory waooaw.services.runner:plant_app``)."""
    return _from_environment("plant")


def pp_app() -> Any:
    """PP from the environment (``uvicorn --factory waooaw.services.runner:pp_app``)."""
    return _from_environment("pp")


def cp_app() -> Any:
    """CP from the environment (``uvicorn --factory waooaw.services.runner:cp_app``)."""
    return _from_environment("cp")


def gateway_app() -> Any:
    """The gateway from the environment (``uvicorn --factory …:gateway_app``)."""
    return _from_environment("gateway")


def executor_app() -> Any:
    """An executor from the environment (``uvicorn --factory …:executor_app``)."""
    return _from_environment("executor")


_LOG_LEVEL_ENV = "WAOOAW_LOG_LEVEL"
_LOG_FORMAT_ENV = "WAOOAW_LOG_FORMAT"
#: where each service listens by default; `serve all --port P` shifts them all by P - 8000
PORTS = {"plant": 8000, "pp": 8001, "cp": 8002, "gateway": 8003, "executor": 8004}

# the web app each service serves when its build (web/<name>/dist) exists, and the
# client routes that answer with its index.html
WEB_APPS: dict[str, tuple[str, ...]] = {
    "pp": ("/", "/signin", "/admin"),
    "cp": ("/", "/signin", "/marketplace", "/trials"),
}


def _install_web(name: str, app: Any) -> None:
    """Serve web/<name>/dist from the service's app, when the app was built."""
    from .common.web import install_web_app, web_dist

    routes = WEB_APPS.get(name)
    dist = web_dist(name)
    if routes is None or not (dist / "index.html").is_file():
        return
    install_web_app(app, dist, routes=routes)
    logging.getLogger("waooaw").info("%s serves its web app from %s", name, dist)


def _report_invalid(name: str, exc: ValidationError) -> None:
    print(f"{name}: invalid configuration:", file=sys.stderr)
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "settings"
        print(f"  {where}: {err['msg']}", file=sys.stderr)


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
    if (
        "gateway" in ports
        and "pp" in ports
        and not {"GATEWAY_CORS_ORIGINS", "CORS_ORIGINS"} & set(env)
    ):
        # the PP portal's Gateway page calls the gateway's admin API from the browser
        portal = [
            f"http://{h}:{ports['pp']}" for h in dict.fromkeys((local, "127.0.0.1", "localhost"))
        ]
        env["GATEWAY_CORS_ORIGINS"] = ",".join([*DEFAULT_CORS_ORIGINS, *portal])
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
    log_format: str = "text",
    workers: int = 1,
) -> int:
    """Run the named services; 1 on bad settings or a port already taken.

    Without ``port`` each listens on its own port (``PORTS``); with it, one service listens
    there, and several keep their distance from Plant's port (``all --port 9000``: Plant on
    9000, CP on 9002). With one worker, all run in this process; with more, each service
    runs under uvicorn's process manager: ``workers`` processes sharing its port.
    """
    configure_logging(log_level, log_format)
    log = logging.getLogger("waooaw")
    ports = {
        name: PORTS[name]
        if port is None
        else (port if len(names) == 1 else port + PORTS[name] - PORTS["plant"])
        for name in names
    }
    busy = first_busy_port(host, ports)
    if busy is not None:
        print(busy_port_message(host, *busy), file=sys.stderr)
        return 1
    _wire(ports, host)
    import uvicorn

    from waooaw.observability import tracer_provider_from_env

    provider = tracer_provider_from_env("+".join(names)) if workers == 1 else None
    servers = []
    for name in names:
        try:
            settings = _settings(name)
            if migrate:
                _migrate(name, settings)
            # with workers each process builds its own app; this one is the settings check
            app = _create_app(name, settings, log_format=log_format, provider=provider)
        except ValidationError as exc:
            _report_invalid(name, exc)
            return 1
        if workers > 1:
            continue
        servers.append(
            uvicorn.Server(uvicorn.Config(app, **_uvicorn_options(host, ports[name], log_level)))
        )
        log.info("%s listening on http://%s:%d (docs at /docs)", name, host, ports[name])
    if workers > 1:
        return _run_workers(
            names, ports, host=host, log_level=log_level, log_format=log_format, workers=workers
        )

    async def serve_all() -> None:
        await asyncio.gather(*(s.serve() for s in servers))

    asyncio.run(serve_all())
    return 0


def _run_workers(
    names: Sequence[str],
    ports: dict[str, int],
    *,
    host: str,
    log_level: str,
    log_format: str,
    workers: int,
) -> int:
    """Each service under uvicorn's process manager (one per service when there are several)."""
    import uvicorn

    os.environ[_LOG_LEVEL_ENV] = log_level
    os.environ[_LOG_FORMAT_ENV] = log_format
    log = logging.getLogger("waooaw")
    if len(names) == 1:
        name = names[0]
        log.info("%s listening on http://%s:%d with %d workers", name, host, ports[name], workers)
        uvicorn.run(
            f"{__name__}:{name}_app",
            factory=True,
            workers=workers,
            # the manager replaces a worker that does not answer its ping in time; 5 s (the
            # default) killed busy, healthy workers on a loaded machine, dropping requests
            timeout_worker_healthcheck=30,
            **_uvicorn_options(host, ports[name], log_level),
        )
        return 0
    import signal
    import subprocess

    argv = [sys.executable, "-m", "waooaw.cli", "serve", "--host", host, "--no-migrate"]
    options = ["--workers", str(workers), "--log-level", log_level, "--log-format", log_format]
    children = [
        subprocess.Popen([*argv, name, "--port", str(ports[name]), *options]) for name in names
    ]

    def stop(signum: int, _frame: object) -> None:
        for child in children:
            child.send_signal(signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
    codes = [child.wait() for child in children]
    return max(codes, default=0)


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
        _report_invalid(name, exc)
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
