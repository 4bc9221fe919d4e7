"""What a verification run found: typed, plain data (the text and JSON reports read it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["CheckFailure", "Report", "RunError"]


@dataclass(frozen=True, slots=True)
class CheckFailure:
    """A check that failed on one response, and how to send that request again."""

    operation: str  # "POST /api/v1/agents"
    check: str  # "problem_details_for_errors", "status_code_conformance" ...
    title: str
    message: str
    phase: str
    status: int | None
    content_type: str | None
    excerpt: str  # the start of the response body
    curl: str
    #: requests sent before this one that it depends on (stateful runs), oldest first
    steps: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RunError:
    """Something that stopped an operation being tested (a crash, a connection error ...)."""

    operation: str
    phase: str | None
    title: str
    message: str
    curl: str | None = None


@dataclass(frozen=True, slots=True)
class Report:
    target: str
    contract: str
    seed: int
    examples: int
    phases: Mapping[str, str]  # phase -> success / failure / error / skip
    operations: int  # operations that were sent at least one request
    requests: int
    duration_s: float
    failures: tuple[CheckFailure, ...] = ()
    errors: tuple[RunError, ...] = ()
    #: failures dropped because the target lists them as known bugs
    known_failures: int = 0
    #: phase -> operation -> HTTP status -> responses
    statuses: Mapping[str, Mapping[str, Mapping[int, int]]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.errors

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def reached(self, phase: str) -> frozenset[tuple[str, int]]:
        """(operation, status) pairs answered during ``phase``."""
        return frozenset(
            (operation, status)
            for operation, counts in self.statuses.get(phase, {}).items()
            for status in counts
        )
