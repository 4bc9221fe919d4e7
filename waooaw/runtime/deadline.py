"""An overall deadline for one client call: every attempt, and every wait between
attempts, fits inside it.

A per-attempt timeout alone lets a hung server cost ``attempts x timeout`` plus the
backoff; with ``RetryPolicy.deadline`` set, each attempt gets at most the time left,
no backoff outlasts it, no attempt starts after it, and a call cut short by it fails
with :class:`DeadlineExceeded` (an ``httpx.TimeoutException``, so a transport timeout
to whoever maps those).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
import httpx
from tenacity import RetryCallState
from tenacity.stop import stop_base

__all__ = ["Deadline", "DeadlineExceeded"]

T = TypeVar("T")
#: A timeout this close to the deadline is the deadline's doing.
_SLACK = 0.05


class DeadlineExceeded(httpx.TimeoutException):
    """The call's overall deadline passed before an answer came."""


@dataclass(frozen=True, slots=True)
class Deadline:
    seconds: float
    end: float

    @classmethod
    def start(cls, seconds: float | None) -> Deadline | None:
        return None if seconds is None else cls(seconds, time.monotonic() + seconds)

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def expired(self) -> DeadlineExceeded:
        return DeadlineExceeded(f"no answer within the {self.seconds:g} s deadline")

    def capped(self, request: dict[str, Any]) -> dict[str, Any]:
        """The request with its timeout cut to the time left (at least a millisecond)."""
        left = self.remaining()
        if left <= 0:
            raise self.expired()
        chosen = request.get("timeout")
        timeout = left if not isinstance(chosen, int | float) else min(float(chosen), left)
        return {**request, "timeout": max(timeout, 0.001)}

    @property
    def stop(self) -> stop_base:
        """tenacity stop condition: no attempt starts once the deadline has passed."""
        return _PastDeadline(self)

    def wait(self, inner: Callable[[RetryCallState], float]) -> Callable[[RetryCallState], float]:
        """tenacity wait: the policy's wait, never beyond the deadline."""

        def wait(state: RetryCallState) -> float:
            return max(0.0, min(inner(state), self.remaining()))

        return wait

    def translate(self, exc: Exception) -> Exception:
        """A timeout that ran into the deadline becomes :class:`DeadlineExceeded`."""
        if isinstance(exc, TimeoutError | httpx.TimeoutException) and self.remaining() <= _SLACK:
            expired = self.expired()
            expired.__cause__ = exc
            return expired
        return exc

    async def run(self, send: Awaitable[T]) -> T:
        """Await ``send`` for at most the time left."""
        try:
            with anyio.fail_after(max(self.remaining(), 0.001)):
                return await send
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise self.translate(exc) from exc


class _PastDeadline(stop_base):
    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self.deadline.remaining() <= 0
