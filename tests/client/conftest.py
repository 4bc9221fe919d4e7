"""Fixtures for the generated Plant client: a scripted fake transport (unit tests) and a
real Plant under uvicorn (integration tests).

``Harness`` drives either ``PlantClient`` or ``AsyncPlantClient`` through one awaitable
``call``, so a behaviour is written once and checked on both; it records every request
the client sent and every sleep the retry loop asked for (the sleep is replaced, so
unit tests never wait).
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.plant_server import PlantServer, running_plant
from waooaw.generated.plant.client import AsyncPlantClient, PlantClient, RetryPolicy

BASE_URL = "http://plant.test"
PROBLEM = "application/problem+json"
ERRORS = "https://waooaw.com/errors/"
SKILL_ID = "0b4c3f7e-6a1d-4a59-9d1e-1f2a3b4c5d6e"

Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


# -- payloads ----------------------------------------------------------------------------


def skill_json(**overrides: Any) -> dict[str, Any]:
    now = datetime(2026, 1, 16, 9, 30, tzinfo=UTC).isoformat()
    return {
        "id": SKILL_ID,
        "name": "Copywriting",
        "category": "technical",
        "description": "Writes copy.",
        "status": "pending_certification",
        "certified_at": None,
        "certified_by": None,
        "created_at": now,
        "updated_at": now,
        **overrides,
    }


def problem(status: int, kind: str, detail: str = "it went wrong", **extra: Any) -> dict[str, Any]:
    return {
        "type": ERRORS + kind,
        "title": kind.replace("-", " ").title(),
        "status": status,
        "detail": detail,
        "instance": "/api/v1/genesis/skills",
        "correlation_id": "cid-from-problem",
        **extra,
    }


def problem_response(
    status: int, kind: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> httpx.Response:
    return httpx.Response(
        status,
        json=problem(status, kind, **extra),
        headers={"content-type": PROBLEM, **(headers or {})},
    )


def bare(status: int, headers: dict[str, str] | None = None) -> httpx.Response:
    """An error answer with a generic problem body and the given headers (e.g. Retry-After)."""
    kind = "service-unavailable" if status == 503 else "error"
    return problem_response(status, kind, headers=headers)


# -- the harness --------------------------------------------------------------------------


class Script:
    """An httpx handler answering from a list (the last answer repeats), recording requests."""

    def __init__(self, *answers: Answer) -> None:
        assert answers, "give at least one answer"
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        index = min(len(self.requests), len(self.answers)) - 1
        answer = self.answers[index]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            # a fresh copy per request: a Response is read once
            return httpx.Response(
                answer.status_code, headers=answer.headers, content=answer.content
            )
        return answer(request)

    def header(self, name: str) -> list[str | None]:
        return [r.headers.get(name) for r in self.requests]


class Harness:
    """One generated client (sync or async) over a ``Script``, with sleeps recorded."""

    def __init__(self, kind: str, script: Script, **client_kwargs: Any) -> None:
        self.kind = kind
        self.script = script
        self.sleeps: list[float] = []
        client_kwargs.setdefault("base_url", BASE_URL)
        transport = httpx.MockTransport(script)
        self.client: PlantClient | AsyncPlantClient
        if kind == "sync":
            self.client = PlantClient(transport=transport, **client_kwargs)
            self.client._core._sleep = self.sleeps.append
        else:
            self.client = AsyncPlantClient(transport=transport, **client_kwargs)

            async def sleep(seconds: float) -> None:
                self.sleeps.append(seconds)

            self.client._core._sleep = sleep

    @property
    def requests(self) -> list[httpx.Request]:
        return self.script.requests

    async def call(self, operation: str, **kwargs: Any) -> Any:
        result = getattr(self.client, operation)(**kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result

    async def aclose(self) -> None:
        if isinstance(self.client, AsyncPlantClient):
            await self.client.aclose()
        else:
            self.client.close()


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def harness(kind: str) -> AsyncIterator[Callable[..., Harness]]:
    """``harness(*answers, **client_kwargs)``: a Harness of this test's kind."""
    made: list[Harness] = []

    def make(*answers: Answer, **client_kwargs: Any) -> Harness:
        made.append(Harness(kind, Script(*answers), **client_kwargs))
        return made[-1]

    yield make
    for h in made:
        await h.aclose()


def max_wait(policy: RetryPolicy, retry_number: int) -> float:
    """Upper bound of the full-jitter wait before retry ``retry_number`` (1-based)."""
    return float(min(policy.max_backoff, policy.multiplier * 2 ** (retry_number - 1)))


def max_total_wait(policy: RetryPolicy) -> float:
    return sum(max_wait(policy, n) for n in range(1, policy.attempts))


# -- a real Plant ------------------------------------------------------------------------------


def _serve(folder: Path) -> Iterator[PlantServer]:
    with running_plant(folder) as server:
        yield server
    # a 500 is never an acceptable answer here: the log shows its traceback
    assert "unhandled" not in server.log_text().lower(), server.log_text()


@pytest.fixture(scope="module")
def plant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlantServer]:
    """Plant under uvicorn on 127.0.0.1 over a fresh SQLite file, shared by a module's tests
    (tests that count entities scope the count to what they created)."""
    yield from _serve(tmp_path_factory.mktemp("plant"))


@pytest.fixture
def fresh_plant(tmp_path: Path) -> Iterator[PlantServer]:
    """A Plant of this test's own (for tests that stop it)."""
    yield from _serve(tmp_path / "plant")
