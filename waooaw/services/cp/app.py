"""``create_app(settings)``: the CP service, wired from the generated router.

The app's lifespan runs CP's background work: the refresh of the Plant catalogue copy, and
(unless ``CP_WORKER_ENABLED=false``) a task worker with its trial sweeper — otherwise the
sweeper alone, so expired trials are recorded even without a worker.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import datetime
from importlib.resources import files
from typing import Any

from fastapi import FastAPI

from waooaw.generated.cp import server
from waooaw.runtime.http import install_http, serve_contract

from ..common.auth import JwtAuthenticator, JwtSettings, ServiceToken
from ..common.db import Database
from ..common.errors import ERRORS, database_handlers
from ..common.values import now
from .api.context import CpContext
from .api.customers import CustomersService
from .api.marketplace import MarketplaceService
from .api.system import SystemService
from .api.tasks import TasksService
from .api.trials import TrialsService
from .catalogue import Catalogue
from .config import CpSettings
from .executor import Executor
from .plant import PlantGateway
from .remote import build_executor
from .worker import Sweeper, Worker, new_worker_id

__all__ = ["create_app"]

log = logging.getLogger("waooaw.cp")


def create_app(
    settings: CpSettings | None = None,
    *,
    jwt: JwtSettings | None = None,
    executor: Executor | None = None,
    clock: Callable[[], datetime] = now,
    background: bool = True,
) -> FastAPI:
    """The CP app; ``background=False`` leaves out the lifespan's loops (tests drive them)."""
    settings = settings or CpSettings()
    db = Database.connect(settings.database_url, pool_size=settings.pool_size)
    jwt = jwt or JwtSettings()
    gateway = PlantGateway(
        settings,
        auth=ServiceToken(jwt, subject="cp") if settings.plant_service_token else None,
    )
    owner = new_worker_id()
    ctx = CpContext(
        settings=settings,
        db=db,
        plant=gateway,
        catalogue=Catalogue(settings, db, gateway, owner=owner, clock=clock),
        executor=executor or build_executor(settings, jwt),
        clock=clock,
    )

    # each implementation is checked against its Protocol here, statically
    marketplace: server.MarketplaceApi = MarketplaceService(ctx)
    customers: server.CustomersApi = CustomersService(ctx)
    trials: server.TrialsApi = TrialsService(ctx)
    tasks: server.TasksApi = TasksService(ctx)
    system: server.SystemApi = SystemService(ctx)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        loops: list[asyncio.Task[Any]] = []
        if background:
            jobs: list[Coroutine[Any, Any, Any]] = [ctx.catalogue.run(stop)]
            if settings.worker_enabled:
                worker = Worker(settings, db, ctx.executor, clock=clock, worker_id=owner)
                jobs.append(worker.run(stop))
            else:
                jobs.append(Sweeper(settings, db, clock=clock).run(stop))
            loops = [asyncio.create_task(job) for job in jobs]
        try:
            yield
        finally:
            stop.set()
            for loop in loops:
                try:
                    await asyncio.wait_for(loop, timeout=10)
                except Exception:
                    log.exception("background work did not stop cleanly")
            await gateway.aclose()
            await db.dispose()

    app = FastAPI(
        title="WAOOAW CP API", openapi_url=None, docs_url=None, redoc_url=None, lifespan=lifespan
    )
    app.state.context = ctx

    install_http(
        app,
        cors_origins=settings.cors_origins,
        max_body_bytes=settings.max_body_bytes,
        extra_handlers=database_handlers(settings.retry_after_seconds),
        problem_type_base=ERRORS,
    )
    contract = files("waooaw.generated.cp").joinpath("openapi.json").read_bytes()
    serve_contract(app, contract, title="WAOOAW CP API")
    authenticator = JwtAuthenticator(jwt)
    app.include_router(
        server.create_router(
            marketplace, customers, trials, tasks, system, authenticator=authenticator
        )
    )
    return app
