"""``create_app(settings)``: the executor, running agent tasks over HTTP in one mode.

The work itself is CP's deterministic engine (:class:`~waooaw.services.cp.executor.
SandboxExecutor`): the same agent, task and context always give the same result and
cost, and a context holding ``"simulate": "failure"`` fails on purpose. A production
executor reports ``mode: production`` and ``sandbox: false`` in its results; the
gateway's policies decide which executor a task reaches.

Every request received is kept in ``app.state.received`` (the last ``keep_received``),
which is what tests inspect to see where tasks went.
"""

from __future__ import annotations

from collections import deque
from importlib.resources import files
from typing import Any

from fastapi import FastAPI

from waooaw.generated.executor import models, server
from waooaw.runtime.http import install_http, serve_contract
from waooaw.runtime.security import Principal

from ..common.auth import JwtAuthenticator, JwtSettings
from ..cp.executor import ExecutionFailed, SandboxExecutor, TaskSpec
from .config import ExecutorSettings

__all__ = ["ExecutionService", "create_app"]


class ExecutionService:
    def __init__(self, settings: ExecutorSettings) -> None:
        self.settings = settings
        self.engine = SandboxExecutor(run_seconds=settings.run_seconds)
        self.received: deque[dict[str, Any]] = deque(maxlen=settings.keep_received)

    async def get_health(self, *, x_correlation_id: str | None) -> server.GetHealthResult:
        return server.GetHealth200Response(
            body=models.ExecutorHealth(status="ok", mode=models.ExecutionMode(self.settings.mode))
        )

    async def execute_task(
        self, *, x_correlation_id: str | None, principal: Principal, body: models.ExecutionRequest
    ) -> server.ExecuteTaskResult:
        self.received.append(
            {
                **body.model_dump(mode="json"),
                "principal": principal.subject,
                "correlation_id": x_correlation_id,
            }
        )
        mode = self.settings.mode
        spec = TaskSpec(
            task_id=str(body.task_id),
            agent_id=str(body.agent_id),
            trial_id="" if body.trial_id is None else str(body.trial_id),
            task=body.task,
            context=dict(body.context or {}),
            sandbox=mode == "sandbox",
            attempt=body.attempt or 1,
        )
        try:
            outcome = await self.engine.run(spec)
        except ExecutionFailed as exc:
            return server.ExecuteTask200Response(
                body=models.ExecutionResult(
                    task_id=body.task_id,
                    status="failed",
                    mode=models.ExecutionMode(mode),
                    executor=mode,
                    result={},
                    error=exc.message,
                    compute_micros=exc.cost_micros,
                    model_micros=0,
                    tokens_in=0,
                    tokens_out=0,
                    total_micros=exc.cost_micros,
                )
            )
        result = {**outcome.result, "sandbox": mode == "sandbox", "executor": mode}
        return server.ExecuteTask200Response(
            body=models.ExecutionResult(
                task_id=body.task_id,
                status="completed",
                mode=models.ExecutionMode(mode),
                executor=mode,
                result=result,
                error=None,
                compute_micros=outcome.compute_micros,
                model_micros=outcome.model_micros,
                tokens_in=outcome.tokens_in,
                tokens_out=outcome.tokens_out,
                total_micros=outcome.total_micros,
            )
        )


def create_app(
    settings: ExecutorSettings | None = None, *, jwt: JwtSettings | None = None
) -> FastAPI:
    settings = settings or ExecutorSettings()
    jwt = jwt or JwtSettings(environment=settings.environment)
    service = ExecutionService(settings)
    implementation: server.ExecutionsApi = service
    system: server.SystemApi = service
    app = FastAPI(
        title=f"WAOOAW Executor ({settings.mode})",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.received = service.received
    install_http(app, cors_origins=settings.cors_origins, max_body_bytes=settings.max_body_bytes)
    contract = files("waooaw.generated.executor").joinpath("openapi.json").read_bytes()
    serve_contract(app, contract, title="WAOOAW Executor API")
    app.include_router(
        server.create_router(implementation, system, authenticator=JwtAuthenticator(jwt))
    )
    return app
