"""``create_app(settings)``: the PP service, wired from the generated router over Plant."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import Response

from waooaw.generated.plant.client import AsyncPlantClient, PlantAPIError, RetryPolicy
from waooaw.generated.pp import server
from waooaw.runtime.http import install_http, serve_contract
from waooaw.runtime.server import (
    ProblemError,
    operation_id,
    problem_response,
    validation_problem,
)

from ..common.auth import JwtAuthenticator, JwtSettings, ServiceToken
from ..common.errors import ERRORS
from .api.agents import AgentsService
from .api.audit import AuditService
from .api.context import PPContext
from .api.genesis import GenesisService
from .api.system import SystemService
from .config import PPSettings
from .upstream import plant_problem

__all__ = ["CONSTITUTIONAL", "create_app"]

log = logging.getLogger("waooaw.pp")

CONSTITUTIONAL = "https://waooaw.com/errors/constitutional-alignment"
GOVERNOR_FIELD = "body.governance_agent_id"


def plant_client(settings: PPSettings, jwt: JwtSettings | None = None) -> AsyncPlantClient:
    """The generated Plant client with PP's timeout, retries and overall deadline.

    With ``PLANT_SERVICE_TOKEN`` (Plant behind the gateway) every call carries a service
    token minted with ``jwt``.
    """
    http = None
    if settings.plant_service_token:
        auth = ServiceToken(jwt or JwtSettings(environment=settings.environment), subject="pp")
        http = httpx.AsyncClient(base_url=settings.plant_api_url, auth=auth)
    return AsyncPlantClient(
        settings.plant_api_url,
        http_client=http,
        timeout=settings.plant_timeout_seconds,
        retry=RetryPolicy(
            attempts=settings.plant_retry_attempts,
            max_backoff=settings.plant_retry_max_backoff,
            multiplier=min(0.5, settings.plant_retry_max_backoff),
            deadline=settings.plant_deadline_seconds,
        ),
    )


def create_app(
    settings: PPSettings | None = None,
    *,
    jwt: JwtSettings | None = None,
    plant: AsyncPlantClient | None = None,
) -> FastAPI:
    """PP over Plant. ``plant`` replaces the client built from ``settings`` (the caller then
    owns it and closes it); ``jwt`` defaults to the ``JWT_*`` environment."""
    settings = settings or PPSettings()
    # the development JWT secret is refused unless PP itself runs in development
    jwt = jwt or JwtSettings(environment=settings.environment)
    owned = plant is None
    ctx = PPContext(settings, plant or plant_client(settings, jwt))

    # each implementation is checked against its Protocol here, statically
    genesis: server.GenesisApi = GenesisService(ctx)
    agents: server.AgentsApi = AgentsService(ctx)
    audit: server.AuditApi = AuditService(ctx)
    system: server.SystemApi = SystemService(ctx)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            await ctx.plant.aclose()

    app = FastAPI(
        title="WAOOAW PP API",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.context = ctx

    async def on_plant_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PlantAPIError)
        problem = plant_problem(
            exc,
            retry_after=settings.retry_after_seconds,
            timeout=settings.plant_deadline_seconds,
        )
        return problem_response(problem, request)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problem = validation_problem(exc.errors())
        # L0-01: a missing or malformed governor is a constitutional problem, as in Plant
        if (
            problem.status == 422
            and operation_id(request) == "createAgent"
            and problem.violations
            and any(v["field"] == GOVERNOR_FIELD for v in problem.violations)
        ):
            for v in problem.violations:
                if v["field"] == GOVERNOR_FIELD:
                    v["rule"] = "L0-01"
                    v["message"] = f"governance_agent_id: {v['message']} (L0-01 Single Governor)"
            problem = ProblemError(
                422,
                "governance_agent_id is required and must be 'genesis' or a governor's UUID"
                " (L0-01: Single Governor)",
                type=CONSTITUTIONAL,
                title="Constitutional Alignment Error",
                violations=problem.violations,
            )
        return problem_response(problem, request)

    install_http(
        app,
        cors_origins=settings.cors_origins,
        max_body_bytes=settings.max_body_bytes,
        extra_handlers={PlantAPIError: on_plant_error, RequestValidationError: on_validation},
        problem_type_base=ERRORS,
    )
    contract = files("waooaw.generated.pp").joinpath("openapi.json").read_bytes()
    serve_contract(app, contract, title="WAOOAW PP API")
    app.include_router(
        server.create_router(genesis, agents, audit, system, authenticator=JwtAuthenticator(jwt))
    )
    return app
