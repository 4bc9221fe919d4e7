"""``create_app(settings)``: the Plant service, wired from the generated router."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError
from starlette.responses import Response

from waooaw.generated.plant import server
from waooaw.runtime.server import ProblemError, problem_response, validation_problem

from ..common.db import Database, DatabaseUnavailable
from ..common.http import PROBLEM_TYPE_BASE, install_http, serve_contract
from .api.agents import CONSTITUTIONAL, AgentsService
from .api.audit import AuditService
from .api.context import PlantContext
from .api.genesis import GenesisService
from .api.system import SystemService
from .config import PlantSettings
from .storage.audit import AuditTrail

__all__ = ["create_app"]

log = logging.getLogger("waooaw.plant")


def create_app(settings: PlantSettings | None = None) -> FastAPI:
    settings = settings or PlantSettings()
    db = Database.connect(settings.database_url, pool_size=settings.pool_size)
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

    async def on_database_down(request: Request, exc: Exception) -> Response:
        log.warning("database unavailable: %s", exc)
        problem = ProblemError(
            503,
            "the database is unavailable; retry later",
            headers={"Retry-After": str(settings.retry_after_seconds)},
        )
        return problem_response(problem, request)

    async def on_unstorable(request: Request, exc: Exception) -> Response:
        # a value the database cannot hold (PostgreSQL: NUL in text) is the client's input
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        problem = ProblemError(
            422,
            f"a value cannot be stored: {reason}",
            violations=[{"rule": "validation", "field": "body", "message": reason}],
        )
        return problem_response(problem, request)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problem = validation_problem(exc.errors())
        # L0-01: a missing or malformed governor is a constitutional problem, as the plan shows
        if (
            problem.status == 422
            and request.method == "POST"
            and request.url.path == "/api/v1/agents"
            and problem.violations
            and any(v["field"] == "body.governance_agent_id" for v in problem.violations)
        ):
            for v in problem.violations:
                if v["field"] == "body.governance_agent_id":
                    v["rule"] = "L0-01"
                    v["message"] = f"governance_agent_id: {v['message']} (L0-01 Single Governor)"
            problem = ProblemError(
                422,
                "governance_agent_id is required and must be 'genesis' or a governor's UUID (L0-01: Single Governor)",
                type=CONSTITUTIONAL,
                title="Constitutional Alignment Error",
                violations=problem.violations,
            )
        return problem_response(problem, request)

    install_http(
        app,
        cors_origins=settings.cors_origins,
        max_body_bytes=settings.max_body_bytes,
        extra_handlers={
            DatabaseUnavailable: on_database_down,
            RequestValidationError: on_validation,
            DataError: on_unstorable,
        },
        problem_type_base=PROBLEM_TYPE_BASE,
    )
    contract = files("waooaw.generated.plant").joinpath("openapi.json").read_bytes()
    serve_contract(app, contract, title="WAOOAW Plant API")
    app.include_router(server.create_router(genesis, agents, audit, system))
    return app
