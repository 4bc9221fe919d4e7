"""What runs an agent task: the :class:`Executor` interface and the sandbox executor.

An executor prices a task before it is accepted (:meth:`Executor.estimate`, an upper bound
that is reserved from the trial's budget) and runs it (:meth:`Executor.run`), returning an
:class:`Outcome` or raising :class:`ExecutionFailed`. Workers call it; it never touches
CP's database. A production executor (the plan's Agent Execution Service) would implement
the same two methods.

:class:`SandboxExecutor` is the default and the only one: **deterministic** and isolated,
it never calls outside systems. The same agent, task and context always give the same
result and cost; it takes ``run_seconds`` (``CP_SANDBOX_SECONDS``) per task, so tests can
make tasks take milliseconds. A context holding ``"simulate": "failure"`` makes it fail
the task on purpose (with the compute cost only), so the failure path can be tried too.

Sandbox pricing: 0.25 USD of compute per task, 15 USD per million input tokens, 60 USD per
million output tokens; input tokens are the task and context length / 4 (rounded up),
output tokens 512 to 1024 (from the input's hash). The estimate assumes 1024 output
tokens, so it is never below the cost.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "EXECUTORS",
    "Estimate",
    "ExecutionFailed",
    "Executor",
    "Outcome",
    "SandboxExecutor",
    "TaskSpec",
]


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """A claimed task, as an executor sees it."""

    task_id: str
    agent_id: str
    trial_id: str
    task: str
    context: Mapping[str, Any]
    sandbox: bool
    attempt: int


@dataclass(frozen=True, slots=True)
class Estimate:
    cost_micros: int  # upper bound of Outcome.total_micros
    seconds: float


@dataclass(frozen=True, slots=True)
class Outcome:
    result: dict[str, Any]
    compute_micros: int
    model_micros: int
    tokens_in: int
    tokens_out: int

    @property
    def total_micros(self) -> int:
        return self.compute_micros + self.model_micros


class ExecutionFailed(Exception):
    """The executor ran the task and it failed (not retried); ``cost_micros`` was spent."""

    def __init__(self, message: str, *, cost_micros: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.cost_micros = cost_micros


class Executor(Protocol):
    name: str

    def estimate(self, *, task: str, context: Mapping[str, Any], sandbox: bool) -> Estimate: ...

    async def run(self, spec: TaskSpec) -> Outcome: ...


COMPUTE_MICROS = 250_000
INPUT_MICROS_PER_TOKEN = 15
OUTPUT_MICROS_PER_TOKEN = 60
MAX_OUTPUT_TOKENS = 1024


def _input_tokens(task: str, context: Mapping[str, Any]) -> int:
    size = len(task.encode()) + len(json.dumps(context, sort_keys=True).encode())
    return max(1, math.ceil(size / 4))


class SandboxExecutor:
    """Deterministic, isolated execution for trial tasks (see the module docstring)."""

    name = "sandbox"

    def __init__(self, *, run_seconds: float = 5.0) -> None:
        self.run_seconds = run_seconds

    def estimate(self, *, task: str, context: Mapping[str, Any], sandbox: bool) -> Estimate:
        tokens_in = _input_tokens(task, context)
        cost = (
            COMPUTE_MICROS
            + tokens_in * INPUT_MICROS_PER_TOKEN
            + MAX_OUTPUT_TOKENS * OUTPUT_MICROS_PER_TOKEN
        )
        return Estimate(cost_micros=cost, seconds=self.run_seconds)

    async def run(self, spec: TaskSpec) -> Outcome:
        if self.run_seconds:
            await asyncio.sleep(self.run_seconds)
        if spec.context.get("simulate") == "failure":
            raise ExecutionFailed(
                "the sandbox failed this task on request (context.simulate = failure)",
                cost_micros=COMPUTE_MICROS,
            )
        material = json.dumps(
            {"agent_id": spec.agent_id, "task": spec.task, "context": spec.context},
            sort_keys=True,
        ).encode()
        digest = hashlib.sha256(material).hexdigest()
        tokens_in = _input_tokens(spec.task, spec.context)
        tokens_out = 512 + int(digest[:4], 16) % (MAX_OUTPUT_TOKENS - 512 + 1)
        headline = spec.task if len(spec.task) <= 200 else spec.task[:197] + "..."
        findings = [
            f"Finding {i + 1}: sandbox analysis {digest[8 * i : 8 * i + 8]} of the request"
            for i in range(3)
        ]
        result: dict[str, Any] = {
            "summary": f"Sandbox result for: {headline}",
            "findings": findings,
            "context_keys": sorted(spec.context),
            "sandbox": True,
            "executor": self.name,
            "fingerprint": digest[:16],
        }
        return Outcome(
            result=result,
            compute_micros=COMPUTE_MICROS,
            model_micros=tokens_in * INPUT_MICROS_PER_TOKEN + tokens_out * OUTPUT_MICROS_PER_TOKEN,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
        )


#: CP_EXECUTOR name -> factory taking the sandbox run time
EXECUTORS: dict[str, Callable[[float], Executor]] = {
    "sandbox": lambda seconds: SandboxExecutor(run_seconds=seconds),
}
