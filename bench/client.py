"""Benchmark the generated Plant client's overhead per call against raw httpx.

Run from anywhere with the project's venv:

    /work/main/.venv/bin/python bench/client.py [--rounds 9] [--calls 200] [--json]

A real Plant runs under uvicorn in a subprocess on 127.0.0.1 (a fresh SQLite file in a
temp dir, migrated on start, access log off), seeded with two certified skills, a
certified job role and ``--agents`` agents. Four cases, each timed both ways:

  sync-get     PlantClient.get_agent(agent_id=...)        vs httpx.Client.get(/api/v1/agents/{id})
  sync-list    PlantClient.list_agents(limit=20)          vs httpx.Client.get(/api/v1/agents?limit=20)
  async-get    AsyncPlantClient.get_agent(agent_id=...)   vs httpx.AsyncClient.get(...)
  async-list   AsyncPlantClient.list_agents(limit=20)     vs httpx.AsyncClient.get(...)

"Raw httpx" does the same request with the same headers (a fresh X-Correlation-ID per
call, so Plant does the same work), checks the status and decodes the JSON; the client
also validates the body into pydantic models and runs its retry loop (no retry
happens). Both sides use a kept-alive connection pool made before timing.

Each round makes ``--calls`` pairs of calls per case, client and raw back to back, the
order alternating (ABBA) so that load from anything else on the machine hits both
alike; every call is timed. A round's ratio is median(client) / median(raw); the table
shows the median per-call times over all rounds and the median of the round ratios
(min and max beside it). Target: ratio <= 1.10.

The same cases then run isolated (``httpx.MockTransport`` answering with the bytes
Plant sent, no server, no socket), which measures the client's own cost per call in µs
without the server's noise; "predicted" is the ratio that cost gives over the measured
raw time against Plant.

Counts are bounded (rounds 3..51, calls 10..5000, agents 1..100) and so is the time:
rounds stop early after ``--max-seconds`` (default 300). Exit status: 0 when every
case meets the target, 1 when one does not, 2 when Plant could not be started.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from waooaw.generated.plant import models
from waooaw.generated.plant.client import AsyncPlantClient, PlantAPIError, PlantClient
from waooaw.services.plant.seeding import seed_catalogue
from waooaw.services.process import ServiceStartError, running_service, service_env

TARGET_RATIO = 1.10
AUDIT_KEY = "bench-audit-key-0123456789abcdef"
READY_TIMEOUT_S = 60.0
LIST_LIMIT = 20
WARMUP_CALLS = 30
TIMEOUT_S = 30.0

SyncCall = Callable[[], object]
AsyncCall = Callable[[], Awaitable[object]]


# -- Plant ----------------------------------------------------------------------------------------


@contextmanager
def running_plant(folder: Path) -> Iterator[str]:
    """Plant on a free 127.0.0.1 port over a SQLite file in ``folder``; yields its URL."""
    env = service_env(
        DATABASE_URL=f"sqlite:///{folder / 'plant.db'}", AUDIT_KEY=AUDIT_KEY, PLANT_ENV="test"
    )
    with running_service("plant", folder, env=env, ready_timeout=READY_TIMEOUT_S) as plant:
        yield plant.base_url


def seed(url: str, agents: int) -> list[str]:
    """Two certified skills, a certified job role and ``agents`` agents; their ids."""
    with PlantClient(url, timeout=TIMEOUT_S) as client:
        catalogue = seed_catalogue(client, agents=agents, skills=2)
    return [str(agent.id) for agent in catalogue.agents]


# -- cases ----------------------------------------------------------------------------------------


@dataclass
class Sides:
    """Per-call seconds of both sides, per round."""

    client: list[list[float]] = field(default_factory=list)
    raw: list[list[float]] = field(default_factory=list)

    def add_round(self) -> None:
        self.client.append([])
        self.raw.append([])

    @property
    def rounds(self) -> int:
        return len(self.client)

    def median_us(self, side: str) -> float:
        rounds = self.client if side == "client" else self.raw
        return statistics.median(t for r in rounds for t in r) * 1e6

    @property
    def ratios(self) -> list[float]:
        return [
            statistics.median(c) / statistics.median(r)
            for c, r in zip(self.client, self.raw, strict=True)
        ]

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)


@dataclass
class Case:
    key: str
    mode: str  # sync | async
    real: Sides = field(default_factory=Sides)
    isolated: Sides = field(default_factory=Sides)

    @property
    def predicted(self) -> float:
        """The ratio the isolated client cost gives over the raw time against Plant."""
        raw = self.real.median_us("raw")
        overhead = self.isolated.median_us("client") - self.isolated.median_us("raw")
        return (raw + overhead) / raw

    @property
    def ok(self) -> bool:
        return self.real.ratio <= TARGET_RATIO


@dataclass
class Calls:
    """The four cases' callables over one pair of clients (sync or async)."""

    client: dict[str, SyncCall | AsyncCall]
    raw: dict[str, SyncCall | AsyncCall]


def _headers() -> dict[str, str]:
    return {"X-Correlation-ID": str(uuid.uuid4())}


def sync_calls(agent_id: str, client: PlantClient, http: httpx.Client) -> Calls:
    aid = uuid.UUID(agent_id)

    def raw(path: str, params: dict[str, Any]) -> SyncCall:
        def call() -> object:
            response = http.get(path, params=params, headers=_headers())
            response.raise_for_status()
            return response.json()

        return call

    return Calls(
        client={
            "get": lambda: client.get_agent(agent_id=aid),
            "list": lambda: client.list_agents(limit=LIST_LIMIT),
        },
        raw={
            "get": raw(f"/api/v1/agents/{agent_id}", {}),
            "list": raw("/api/v1/agents", {"limit": LIST_LIMIT}),
        },
    )


def async_calls(agent_id: str, client: AsyncPlantClient, http: httpx.AsyncClient) -> Calls:
    aid = uuid.UUID(agent_id)

    def raw(path: str, params: dict[str, Any]) -> AsyncCall:
        async def call() -> object:
            response = await http.get(path, params=params, headers=_headers())
            response.raise_for_status()
            return response.json()

        return call

    async def get() -> object:
        await client.get_agent(agent_id=aid)
        return None

    async def listing() -> object:
        await client.list_agents(limit=LIST_LIMIT)
        return None

    return Calls(
        client={"get": get, "list": listing},
        raw={
            "get": raw(f"/api/v1/agents/{agent_id}", {}),
            "list": raw("/api/v1/agents", {"limit": LIST_LIMIT}),
        },
    )


def check_same_answers(agent_id: str, client: PlantClient, http: httpx.Client) -> None:
    """The client and raw httpx read the same data (guards against timing different work)."""
    aid = uuid.UUID(agent_id)
    got: object = client.get_agent_raw(agent_id=aid).body
    raw = models.AgentResponse.model_validate(http.get(f"/api/v1/agents/{agent_id}").json())
    if got != raw:
        raise AssertionError("get_agent: the client and raw httpx disagree")
    listed: object = client.list_agents_raw(limit=LIST_LIMIT).body
    page = http.get("/api/v1/agents", params={"limit": LIST_LIMIT}).json()
    if listed != models.AgentList.model_validate(page):
        raise AssertionError("list_agents: the client and raw httpx disagree")


async def timed(call: SyncCall | AsyncCall) -> float:
    started = time.perf_counter()
    result = call()
    if isinstance(result, Awaitable):
        await result
    return time.perf_counter() - started


async def run_round(
    sides: Sides, client: SyncCall | AsyncCall, raw: SyncCall | AsyncCall, calls: int
) -> None:
    sides.add_round()
    gc.collect()
    for i in range(calls):
        if i % 4 in (0, 3):  # ABBA
            sides.client[-1].append(await timed(client))
            sides.raw[-1].append(await timed(raw))
        else:
            sides.raw[-1].append(await timed(raw))
            sides.client[-1].append(await timed(client))


CASES = [("sync", "get"), ("sync", "list"), ("async", "get"), ("async", "list")]


async def measure_all(
    cases: dict[str, Case],
    calls_of: dict[str, Calls],
    *,
    rounds: int,
    calls: int,
    isolated: bool,
    max_seconds: float,
) -> None:
    for mode, op in CASES:  # warm-up: connections, adapters, caches
        await run_round(Sides(), calls_of[mode].client[op], calls_of[mode].raw[op], WARMUP_CALLS)
    deadline = time.monotonic() + max_seconds
    for r in range(rounds):
        if r >= 3 and time.monotonic() > deadline:
            print(f"time limit: stopping after {r} rounds", file=sys.stderr)
            return
        print(f"{'isolated' if isolated else 'Plant'} round {r + 1}/{rounds}", file=sys.stderr)
        for mode, op in CASES:
            case = cases[f"{mode}-{op}"]
            sides = case.isolated if isolated else case.real
            await run_round(sides, calls_of[mode].client[op], calls_of[mode].raw[op], calls)


def recorded_transport(url: str, agent_id: str) -> httpx.MockTransport:
    """Answers with exactly what Plant sent for the two requests (and 404 otherwise)."""
    answers: dict[str, tuple[httpx.Headers, bytes]] = {}
    with httpx.Client(base_url=url, timeout=30.0) as http:
        for path, params in (
            (f"/api/v1/agents/{agent_id}", {}),
            ("/api/v1/agents", {"limit": LIST_LIMIT}),
        ):
            response = http.get(path, params=params)
            response.raise_for_status()
            answers[path] = (response.headers, response.content)

    def handler(request: httpx.Request) -> httpx.Response:
        found = answers.get(request.url.path)
        if found is None:
            return httpx.Response(404)
        headers, content = found
        return httpx.Response(200, headers=headers, content=content)

    return httpx.MockTransport(handler)


async def measure(url: str, agent_id: str, args: argparse.Namespace) -> dict[str, Case]:
    cases = {f"{mode}-{op}": Case(f"{mode}-{op}", mode) for mode, op in CASES}
    mock = recorded_transport(url, agent_id)
    for isolated in (False, True):
        transport = mock if isolated else None
        rounds = args.isolated_rounds if isolated else args.rounds
        with (
            PlantClient(url, timeout=TIMEOUT_S, transport=transport) as sync_client,
            httpx.Client(base_url=url, timeout=TIMEOUT_S, transport=transport) as sync_http,
        ):
            async with (
                AsyncPlantClient(url, timeout=TIMEOUT_S, transport=transport) as async_client,
                httpx.AsyncClient(base_url=url, timeout=TIMEOUT_S, transport=transport) as ahttp,
            ):
                check_same_answers(agent_id, sync_client, sync_http)
                calls_of = {
                    "sync": sync_calls(agent_id, sync_client, sync_http),
                    "async": async_calls(agent_id, async_client, ahttp),
                }
                await measure_all(
                    cases,
                    calls_of,
                    rounds=rounds,
                    calls=args.calls,
                    isolated=isolated,
                    max_seconds=args.max_seconds,
                )
    return cases


# -- report ----------------------------------------------------------------------------------------


def environment() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average_1m": os.getloadavg()[0],
        "httpx": httpx.__version__,
    }


def as_json(cases: dict[str, Case], args: argparse.Namespace) -> dict[str, Any]:
    return {
        "environment": environment(),
        "calls_per_round": args.calls,
        "agents": args.agents,
        "list_limit": LIST_LIMIT,
        "target_ratio": TARGET_RATIO,
        "cases": [
            {
                "case": c.key,
                "rounds": c.real.rounds,
                "raw_us": c.real.median_us("raw"),
                "client_us": c.real.median_us("client"),
                "ratio": c.real.ratio,
                "ratio_min": min(c.real.ratios),
                "ratio_max": max(c.real.ratios),
                "isolated_rounds": c.isolated.rounds,
                "isolated_raw_us": c.isolated.median_us("raw"),
                "isolated_client_us": c.isolated.median_us("client"),
                "isolated_overhead_us": c.isolated.median_us("client")
                - c.isolated.median_us("raw"),
                "predicted_ratio": c.predicted,
                "ok": c.ok,
            }
            for c in cases.values()
        ],
    }


def print_table(cases: dict[str, Case], args: argparse.Namespace) -> None:
    env = environment()
    rounds = min(c.real.rounds for c in cases.values())
    print(
        f"\nPlant client overhead per call: {rounds} rounds x {args.calls} call pairs per case,"
        f" {args.agents} agents, list limit {LIST_LIMIT}"
    )
    print(
        f"python {env['python']}, httpx {env['httpx']}, {env['cpus']} CPUs,"
        f" load {env['load_average_1m']:.1f}, {env['platform']}"
    )
    header = (
        f"{'case':<11}{'raw µs':>9}{'client µs':>11}{'ratio':>8}{'min':>7}{'max':>7}"
        f" │{'iso raw':>9}{'iso client':>12}{'overhead':>10}{'predicted':>11}  target"
    )
    print("\n" + header)
    print("─" * len(header))
    for c in cases.values():
        iso_raw, iso_client = c.isolated.median_us("raw"), c.isolated.median_us("client")
        print(
            f"{c.key:<11}{c.real.median_us('raw'):>9.0f}{c.real.median_us('client'):>11.0f}"
            f"{c.real.ratio:>8.3f}{min(c.real.ratios):>7.3f}{max(c.real.ratios):>7.3f}"
            f" │{iso_raw:>9.0f}{iso_client:>12.0f}{iso_client - iso_raw:>10.0f}"
            f"{c.predicted:>11.3f}  {'ok' if c.ok else 'FAIL'} (ratio <= {TARGET_RATIO:.2f})"
        )
    print(
        "\nraw/client µs: median per-call time against Plant; ratio: median over rounds of"
        " median(client)/median(raw), min and max of the rounds beside it. iso: the same calls"
        " over httpx.MockTransport with Plant's recorded answers (the client's own cost);"
        " predicted = (raw + overhead) / raw."
    )


def bounded(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
        return value

    return parse


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else "")
    parser.add_argument("--rounds", type=bounded(3, 51), default=9, help="rounds (9)")
    parser.add_argument(
        "--isolated-rounds", type=bounded(3, 51), default=9, help="isolated rounds (9)"
    )
    parser.add_argument(
        "--calls", type=bounded(10, 5000), default=100, help="call pairs per round and case (100)"
    )
    parser.add_argument("--agents", type=bounded(1, 100), default=20, help="agents seeded (20)")
    parser.add_argument(
        "--max-seconds",
        type=bounded(10, 3600),
        default=300,
        help="per part, start no round after this many seconds, 3 rounds at least (300)",
    )
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="waooaw-bench-client-") as tmp:
        try:
            with running_plant(Path(tmp)) as url:
                agent_ids = seed(url, args.agents)
                print(f"Plant at {url}, {len(agent_ids)} agents", file=sys.stderr)
                cases = asyncio.run(measure(url, agent_ids[0], args))
        except (ServiceStartError, PlantAPIError) as exc:
            print(f"could not start Plant: {exc}", file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps(as_json(cases, args), indent=2))
    else:
        print_table(cases, args)
    return 0 if all(c.ok for c in cases.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
