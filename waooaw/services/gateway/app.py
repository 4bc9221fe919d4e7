"""``create_app(settings)``: the gateway, its admin API and the proxy in front of it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files

from fastapi import FastAPI

from waooaw.generated.gateway import server
from waooaw.runtime.http import install_http, serve_contract

from ..common.auth import JwtAuthenticator, JwtSettings
from ..common.db import Database
from ..common.errors import database_handlers
from ..plant.storage.audit import AuditTrail
from .api.admin import (
    AdminContext,
    BudgetsService,
    DecisionsService,
    PoliciesService,
    RoutesService,
    SystemService,
)
from .audit import AuditWriter
from .budget import BudgetGate
from .config import GatewaySettings
from .operations import load_operations
from .policy import PolicyEngine
from .proxy import Gateway, GatewayProxy
from .routing import RouteCache
from .storage import routes as route_store

__all__ = ["create_app", "seed_routes"]

log = logging.getLogger("waooaw.gateway")


async def seed_routes(settings: GatewaySettings, db: Database) -> None:
    """Fill an empty route table from the configured upstream URLs (version ``v1``)."""
    seeds = [
        ("/", "default", settings.plant_url),
        ("executeTask", "sandbox", settings.executor_sandbox_url),
        ("executeTask", "production", settings.executor_production_url),
    ]
    async with db.write() as conn:
        if await route_store.all_routes(conn):
            return
        for match, pool, url in seeds:
            if url is not None:
                await route_store.create_route(
                    conn,
                    match=match,
                    pool=pool,
                    version="v1",
                    upstream_url=url,
                    weight=100,
                    enabled=True,
                )
                log.info("route %s (%s) -> %s seeded", match, pool, url)


def create_app(
    settings: GatewaySettings | None = None, *, jwt: JwtSettings | None = None
) -> FastAPI:
    settings = settings or GatewaySettings()
    jwt = jwt or JwtSettings(environment=settings.environment)
    db = Database.connect(settings.database_url, pool_size=settings.pool_size)
    authenticator = JwtAuthenticator(jwt)
    policy = PolicyEngine(settings.policy_dir, keep=settings.decisions_kept)
    routes = RouteCache(db, poll_seconds=settings.route_poll_seconds)
    gateway = Gateway(
        operations=load_operations(),
        authenticator=authenticator,
        schemes=frozenset({"bearerAuth"}),
        policy=policy,
        budgets=BudgetGate(
            db, agent_cap=settings.agent_budget_micros, trial_cap=settings.trial_budget_micros
        ),
        audit=AuditWriter(db, AuditTrail(settings.audit_key.encode())),
        routes=routes,
        retry_after=settings.retry_after_seconds,
        timeout=settings.upstream_timeout_seconds,
        connect_timeout=settings.connect_timeout_seconds,
        max_connections=settings.max_connections,
    )
    ctx = AdminContext(settings, db, routes, policy)

    # each implementation is checked against its Protocol here, statically
    routes_api: server.RoutesApi = RoutesService(ctx)
    policies_api: server.PoliciesApi = PoliciesService(ctx)
    budgets_api: server.BudgetsApi = BudgetsService(ctx)
    decisions_api: server.DecisionsApi = DecisionsService(ctx)
    system_api: server.SystemApi = SystemService(ctx)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await seed_routes(settings, db)
        await routes.refresh()
        stop = asyncio.Event()
        watcher = asyncio.create_task(routes.watch(stop))
        try:
            yield
        finally:
            stop.set()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            await gateway.audit.close()
            await gateway.close()
            await db.dispose()

    app = FastAPI(
        title="WAOOAW Gateway",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.gateway = gateway
    app.state.context = ctx

    app.add_middleware(GatewayProxy, gateway=gateway)
    install_http(
        app,
        cors_origins=settings.cors_origins,
        max_body_bytes=settings.max_body_bytes,
        extra_handlers=database_handlers(settings.retry_after_seconds),
    )
    contract = files("waooaw.generated.gateway").joinpath("openapi.json").read_bytes()
    serve_contract(app, contract, title="WAOOAW Gateway Admin API")
    app.include_router(
        server.create_router(
            routes_api,
            policies_api,
            budgets_api,
            decisions_api,
            system_api,
            authenticator=authenticator,
        )
    )
    return app
