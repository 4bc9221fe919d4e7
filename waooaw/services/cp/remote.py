"""Tasks run by an executor service, reached through the gateway (``CP_EXECUTOR=gateway``).

:class:`GatewayExecutor` is an :class:`~.executor.Executor`: it prices tasks like the
sandbox (the same upper bound CP reserves from the trial's budget) and runs each one with
the generated executor client, against the gateway, as the ``service`` role. The gateway
decides where the task runs (a trial task in a sandbox executor only) and meters its cost
against the agent's and the trial's budgets; CP's own trial cap stays as a second guard.

A 402 from the gateway (a budget would be passed) fails the task with nothing spent; a
task the executor ran and failed is a failure with the cost it reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import httpx

from waooaw.generated.executor import models
from waooaw.generated.executor.client import AsyncExecutorClient, ExecutorAPIError

from ..common.auth import JwtSettings, ServiceToken
from .config import CpSettings
from .executor import (
    EXECUTORS,
    Estimate,
    ExecutionFailed,
    Executor,
    Outcome,
    SandboxExecutor,
    TaskSpec,
)

__all__ = ["GatewayExecutor", "build_executor"]


class GatewayExecutor:
    name = "gateway"

    def __init__(self, client: AsyncExecutorClient, *, timeout: float) -> None:
        self.client = client
        self.timeout = timeout
        self._pricing = SandboxExecutor(run_seconds=0)

    def estimate(self, *, task: str, context: Mapping[str, Any], sandbox: bool) -> Estimate:
        return self._pricing.estimate(task=task, context=context, sandbox=sandbox)

    async def run(self, spec: TaskSpec) -> Outcome:
        bound = self.estimate(task=spec.task, context=spec.context, sandbox=spec.sandbox)
        body = models.ExecutionRequest(
            task_id=UUID(spec.task_id),
            agent_id=UUID(spec.agent_id),
            trial_id=UUID(spec.trial_id) if spec.trial_id else None,
            task=spec.task,
            context=dict(spec.context),
            max_cost_micros=bound.cost_micros,
            attempt=spec.attempt,
        )
        try:
            result = await self.client.execute_task(body=body, timeout=self.timeout)
        except ExecutorAPIError as exc:
            if exc.status_code == 402:
                raise ExecutionFailed(f"the gateway refused the task: {exc.detail}") from None
            raise
        if result.status == "failed":
            raise ExecutionFailed(
                result.error or "the task failed", cost_micros=result.total_micros
            )
        return Outcome(
            result={**result.result, "mode": result.mode.value},
            compute_micros=result.compute_micros,
            model_micros=result.model_micros,
            tokens_in=result.tokens_in,
            tokens_out=result.tokens_out,
        )


def build_executor(settings: CpSettings, jwt: JwtSettings | None = None) -> Executor:
    """The executor ``CP_EXECUTOR`` names."""
    if settings.executor != "gateway":
        return EXECUTORS[settings.executor](settings.sandbox_seconds)
    assert settings.gateway_url is not None  # the settings refuse gateway without a URL
    jwt = jwt or JwtSettings(environment=settings.environment)
    http = httpx.AsyncClient(
        base_url=settings.gateway_url,
        auth=ServiceToken(jwt, subject="cp-worker"),
        timeout=settings.task_timeout_seconds,
    )
    return GatewayExecutor(
        AsyncExecutorClient(settings.gateway_url, http_client=http),
        timeout=settings.task_timeout_seconds,
    )
