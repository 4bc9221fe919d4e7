"""``create_app(settings)``: the Plant service, wired from the generated router."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import Response

from waooaw.generated.plant import server
from waooaw.runtime.http import install_http, serve_contract
from waooaw.runtime.server import operation_id, problem_response, validation_problem

from ..common.db import Database
from ..common.errors import ERRORS, database_handlers
from .api.agents import CREATE_AGENT, AgentsService, constitutional_validation
from .api.audit import AuditService
from .api.context import PlantContext
from .api.genesis import GenesisService
from .api.system import SystemService
from .config import PlantSettings
from .storage.audit import AuditTrail

__all__ = ["create_app"]


def create_app(settings: PlantSettings | None = None) -> FastAPI:
    settings = settings or PlantSettings()
    # every write appends to the one audit chain: writers queue in order in process
    db = Database.connect(
        settings.database_url, pool_size=settings.pool_size, serial_writes=settings.serial_writes
    )
    ctx = PlantContext(settings, db, AuditTrail(settings.audit_key.get_secret_value().encode()))

    # each implementation is checked against its Protocol here, statically
    genesis: server.GenesisApi = GenesisService(ctx)
    agents: server.AgentsApi = AgentsService(ctx)
    audit: server.AuditApi = AuditService(ctx)
    system: server.SystemApi = SystemService(ctx)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await db.dispose()

    app = FastAPI(
        title="WAOOAW Plant API",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.context = ctx

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problem = validation_problem(exc.errors())
        if operation_id(request) == CREATE_AGENT:
            # a malformed field some L0 principle owns (the governor) breaks that principle
            problem = constitutional_validation(problem)
        return problem_response(problem, request)

    install_http(
        app,
        cors_origins=settings.cors_origins,
        max_body_bytes=settings.max_body_bytes,
        extra_handlers={
            **database_handlers(settings.retry_after_seconds),
            RequestValidationError: on_validation,
        },
        problem_type_base=ERRORS,
    )
    contract = files("waooaw.generated.plant").joinpath("openapi.json").read_bytes()
    serve_contract(app, contract, title="WAOOAW Plant API")
    app.include_router(server.create_router(genesis, agents, audit, system))
    return app
