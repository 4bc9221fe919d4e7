"""Benchmark the latency PP adds over calling Plant directly.

Run from the repository root with the project's venv:

    .venv/bin/python bench/pp.py [--rounds 9] [--calls 200] [--agents 20] [--json]

Two real servers run under uvicorn in subprocesses on 127.0.0.1, one worker each, access
logs off: Plant over a fresh SQLite file (``waooaw serve plant``) and PP in front of it
(``waooaw serve pp``, configured through ``PLANT_API_URL`` and ``JWT_SECRET`` as in
production). Plant is seeded through its client with two certified skills, a certified job
role and ``--agents`` agents. Then each case is called both ways:

  get-agent    PP GET /api/v1/agents/{id}          vs Plant GET /api/v1/agents/{id}
  list-agents  PP GET /api/v1/agents?limit=20      vs Plant GET /api/v1/agents?limit=20
  get-skill    PP GET /api/v1/genesis/skills/{id}  vs Plant GET /api/v1/genesis/skills/{id}
  health       PP GET /health                      vs Plant GET /health   (no Plant call)

Each side is an ``httpx.Client`` with a kept-alive connection made before timing; every call
sends a fresh ``X-Correlation-ID`` (PP forwards it to Plant), the PP side a bearer token with
the viewer role (verified on every call), and both check the status and decode the JSON. A
round makes ``--calls`` pairs per case, PP and Plant back to back with the order alternating
(ABBA), so that other load on the machine hits both alike. PP's call contains a whole Plant
call, so "added" = PP - Plant is what PP costs: its own HTTP handling, token check, the
Plant client (a second loopback hop), validation of Plant's answer and of its own.

The table gives, per case, p50 and p99 of every call of every round on each side, the
differences (p50 added is the target: <= 3 ms), their ratio, and the spread of the per-round
p50 differences. Latency on a shared machine is mostly waiting for a CPU (three processes
take turns per PP call), so the table also gives each server's CPU time per call (utime +
stime from /proc, all threads): PP's is the work PP adds, Plant's is per direct call (a
round's Plant CPU divided by the Plant calls made in it, direct or from PP). Last, the same
calls go to PP in this process, straight into its ASGI app, with Plant's recorded answers
served by ``httpx.MockTransport`` (no socket, no server): "own" is PP's own cost per call
in µs, free of the other processes' noise. Exit status: 0 when every case with a target
meets it, 1 when one does not, 2 when a server could not be started.
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.plant_server import ServiceStartError, running_plant  # noqa: E402
from tests.support.pp_server import JWT_SECRET, running_pp  # noqa: E402
from waooaw.generated.plant.client import AsyncPlantClient, PlantClient  # noqa: E402
from waooaw.services.common.auth import JwtSettings, mint_token  # noqa: E402
from waooaw.services.plant.seeding import seed_catalogue  # noqa: E402
from waooaw.services.pp import PPSettings, create_app  # noqa: E402

TARGET_ADDED_P50_MS = 3.0
LIST_LIMIT = 20
WARMUP_CALLS = 50
TIMEOUT_S = 30.0

Call = Callable[[], object]


@dataclass
class Case:
    key: str
    targeted: bool
    calls_plant: bool  # whether PP calls Plant to answer it
    pp: list[list[float]] = field(default_factory=list)
    plant: list[list[float]] = field(default_factory=list)
    pp_cpu: list[float] = field(default_factory=list)  # PP process seconds per PP call, per round
    plant_cpu: list[float] = field(default_factory=list)  # Plant seconds per Plant call
    own: list[float] = field(default_factory=list)  # in-process PP seconds per call, per round

    def add_round(self) -> None:
        self.pp.append([])
        self.plant.append([])

    @property
    def rounds(self) -> int:
        return len(self.pp)

    def pooled(self, side: str) -> list[float]:
        rounds = self.pp if side == "pp" else self.plant
        return [t for r in rounds for t in r]

    def pct_ms(self, side: str, q: float) -> float:
        return percentile(self.pooled(side), q) * 1000

    def added_ms(self, q: float) -> float:
        return self.pct_ms("pp", q) - self.pct_ms("plant", q)

    @property
    def round_added_ms(self) -> list[float]:
        return [
            (statistics.median(p) - statistics.median(d)) * 1000
            for p, d in zip(self.pp, self.plant, strict=True)
        ]

    @property
    def own_us(self) -> float:
        return statistics.median(self.own) * 1e6 if self.own else float("nan")

    def cpu_ms(self, side: str) -> float:
        return statistics.median(self.pp_cpu if side == "pp" else self.plant_cpu) * 1000

    @property
    def ok(self) -> bool:
        return not self.targeted or self.added_ms(0.5) <= TARGET_ADDED_P50_MS


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q * len(ordered) + 0.5)))
    return ordered[rank - 1]


def caller(http: httpx.Client, path: str, headers: dict[str, str]) -> Call:
    def call() -> object:
        response = http.get(path, headers={**headers, "X-Correlation-ID": str(uuid.uuid4())})
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
        return response.json()

    return call


def timed(call: Call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Pids:
    pp: int
    plant: int


def run_round(
    case: Case, pp: Call, plant: Call, calls: int, pids: Pids, record: bool = True
) -> None:
    if record:
        case.add_round()
    gc.collect()
    pp_before, plant_before = cpu_seconds(pids.pp), cpu_seconds(pids.plant)
    for i in range(calls):
        order = (pp, plant) if i % 4 in (0, 3) else (plant, pp)  # ABBA
        for call in order:
            elapsed = timed(call)
            if record:
                (case.pp if call is pp else case.plant)[-1].append(elapsed)
    if record:
        case.pp_cpu.append((cpu_seconds(pids.pp) - pp_before) / calls)
        plant_calls = 2 * calls if case.calls_plant else calls
        case.plant_cpu.append((cpu_seconds(pids.plant) - plant_before) / plant_calls)


def check_same_data(pp: httpx.Client, plant: httpx.Client, agent_id: str, token: str) -> None:
    """PP answers with what Plant holds (guards against timing different work)."""
    bearer = {"Authorization": f"Bearer {token}"}
    ours = pp.get(f"/api/v1/agents/{agent_id}", headers=bearer).json()
    theirs = plant.get(f"/api/v1/agents/{agent_id}").json()
    if ours != theirs:
        raise AssertionError("PP's agent differs from Plant's")
    rows = pp.get(f"/api/v1/agents?limit={LIST_LIMIT}", headers=bearer).json()["items"]
    page = plant.get(f"/api/v1/agents?limit={LIST_LIMIT}").json()["items"]
    if [r["id"] for r in rows] != [a["id"] for a in page]:
        raise AssertionError("PP's agent page differs from Plant's")


def measure(pp_url: str, plant_url: str, pids: Pids, args: argparse.Namespace) -> dict[str, Case]:
    with PlantClient(plant_url, timeout=TIMEOUT_S) as client:
        catalogue = seed_catalogue(client, agents=args.agents)
    agent_id = str(catalogue.agents[0].id)
    skill_id = str(catalogue.skills[0].id)
    jwt = JwtSettings(secret=JWT_SECRET, environment="test")
    token = mint_token(jwt, subject="bench", roles=["viewer"], ttl_seconds=86400)
    bearer = {"Authorization": f"Bearer {token}"}
    paths = {
        "get-agent": f"/api/v1/agents/{agent_id}",
        "list-agents": f"/api/v1/agents?limit={LIST_LIMIT}",
        "get-skill": f"/api/v1/genesis/skills/{skill_id}",
        "health": "/health",
    }
    cases = {key: Case(key, targeted=key != "health", calls_plant=key != "health") for key in paths}
    with (
        httpx.Client(base_url=pp_url, timeout=TIMEOUT_S) as pp,
        httpx.Client(base_url=plant_url, timeout=TIMEOUT_S) as plant,
    ):
        check_same_data(pp, plant, agent_id, token)
        calls = {
            key: (caller(pp, path, bearer), caller(plant, path, {})) for key, path in paths.items()
        }
        for key, (pp_call, plant_call) in calls.items():  # connections, caches, adapters
            run_round(cases[key], pp_call, plant_call, WARMUP_CALLS, pids, record=False)
        deadline = time.monotonic() + args.max_seconds
        for r in range(args.rounds):
            if r >= 3 and time.monotonic() > deadline:
                print(f"time limit: stopping after {r} rounds", file=sys.stderr)
                break
            print(f"round {r + 1}/{args.rounds}", file=sys.stderr)
            for key, (pp_call, plant_call) in calls.items():
                run_round(cases[key], pp_call, plant_call, args.calls, pids)
    print("isolated", file=sys.stderr)
    asyncio.run(measure_isolated(cases, paths, plant_url, token, args))
    return cases


# -- isolated: PP in this process, Plant's answers recorded ------------------------------------------


def recorded_transport(plant_url: str, paths: Sequence[str]) -> httpx.MockTransport:
    """Answers with exactly what Plant sent for each path (and 404 otherwise)."""
    answers: dict[str, tuple[httpx.Headers, bytes]] = {}
    with httpx.Client(base_url=plant_url, timeout=TIMEOUT_S) as http:
        for path in paths:
            response = http.get(path)
            response.raise_for_status()
            answers[httpx.URL(path).raw_path.decode()] = (response.headers, response.content)

    def handler(request: httpx.Request) -> httpx.Response:
        found = answers.get(request.url.raw_path.decode())
        if found is None:
            return httpx.Response(404)
        headers, content = found
        return httpx.Response(200, headers=headers, content=content)

    return httpx.MockTransport(handler)


async def _asgi_get(app: Any, target: str, authorization: bytes) -> None:
    path, _, query = target.partition("?")
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [
            (b"host", b"pp"),
            (b"authorization", authorization),
            (b"x-correlation-id", str(uuid.uuid4()).encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("pp", 80),
    }
    await app(scope, receive, send)
    if sent[0]["status"] != 200:
        raise RuntimeError(f"{target}: {sent}")


async def measure_isolated(
    cases: dict[str, Case],
    paths: dict[str, str],
    plant_url: str,
    token: str,
    args: argparse.Namespace,
) -> None:
    transport = recorded_transport(plant_url, [p for k, p in paths.items() if k != "health"])
    async with AsyncPlantClient(plant_url, transport=transport) as plant:
        app = create_app(
            PPSettings(environment="test", plant_api_url=plant_url),
            jwt=JwtSettings(secret=JWT_SECRET, environment="test"),
            plant=plant,
        )
        authorization = f"Bearer {token}".encode()
        for key, path in paths.items():
            for _ in range(WARMUP_CALLS):
                await _asgi_get(app, path, authorization)
            for _ in range(args.rounds):
                gc.collect()
                started = time.perf_counter()
                for _ in range(args.calls):
                    await _asgi_get(app, path, authorization)
                cases[key].own.append((time.perf_counter() - started) / args.calls)


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
        "target_added_p50_ms": TARGET_ADDED_P50_MS,
        "cases": [
            {
                "case": c.key,
                "rounds": c.rounds,
                "plant_p50_ms": c.pct_ms("plant", 0.5),
                "plant_p99_ms": c.pct_ms("plant", 0.99),
                "pp_p50_ms": c.pct_ms("pp", 0.5),
                "pp_p99_ms": c.pct_ms("pp", 0.99),
                "added_p50_ms": c.added_ms(0.5),
                "added_p99_ms": c.added_ms(0.99),
                "ratio_p50": c.pct_ms("pp", 0.5) / c.pct_ms("plant", 0.5),
                "round_added_p50_ms": c.round_added_ms,
                "pp_cpu_ms_per_call": c.cpu_ms("pp"),
                "plant_cpu_ms_per_call": c.cpu_ms("plant"),
                "pp_own_us_isolated": c.own_us,
                "targeted": c.targeted,
                "ok": c.ok,
            }
            for c in cases.values()
        ],
    }


def print_table(cases: dict[str, Case], args: argparse.Namespace) -> None:
    env = environment()
    rounds = min(c.rounds for c in cases.values())
    print(
        f"\nLatency PP adds over Plant: {rounds} rounds x {args.calls} call pairs per case,"
        f" {args.agents} agents, list limit {LIST_LIMIT}"
    )
    print(
        f"python {env['python']}, httpx {env['httpx']}, {env['cpus']} CPUs,"
        f" load {env['load_average_1m']:.1f}, {env['platform']}"
    )
    header = (
        f"{'case':<12}{'Plant p50':>10}{'p99':>8}{'PP p50':>9}{'p99':>8}"
        f" │{'added p50':>10}{'p99':>8}{'ratio':>7}{'rounds min..max':>17}"
        f" │{'CPU Plant':>10}{'PP':>6} │{'own µs':>7}  target"
    )
    print("\n" + header)
    print("─" * len(header))
    for c in cases.values():
        spread = c.round_added_ms
        target = (
            f"{'ok' if c.ok else 'FAIL'} (added p50 <= {TARGET_ADDED_P50_MS:g} ms)"
            if c.targeted
            else "-"
        )
        print(
            f"{c.key:<12}{c.pct_ms('plant', 0.5):>10.2f}{c.pct_ms('plant', 0.99):>8.2f}"
            f"{c.pct_ms('pp', 0.5):>9.2f}{c.pct_ms('pp', 0.99):>8.2f}"
            f" │{c.added_ms(0.5):>10.2f}{c.added_ms(0.99):>8.2f}"
            f"{c.pct_ms('pp', 0.5) / c.pct_ms('plant', 0.5):>7.2f}"
            f"{min(spread):>8.2f}..{max(spread):<7.2f}"
            f" │{c.cpu_ms('plant'):>10.2f}{c.cpu_ms('pp'):>6.2f} │{c.own_us:>7.0f}  {target}"
        )
    print(
        "\nms per call on 127.0.0.1; p50/p99 over every call of every round. added = PP - Plant"
        " at that percentile; ratio = PP p50 / Plant p50; rounds: the per-round differences"
        " of the medians. CPU: ms of each server's CPU per call (median over rounds; PP's is"
        " the work it adds). own: PP in process over ASGI with Plant's recorded answers, µs"
        " per call. health calls no Plant: it is each server's own floor."
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
        "--calls", type=bounded(10, 5000), default=200, help="call pairs per round and case (200)"
    )
    parser.add_argument("--agents", type=bounded(1, 100), default=20, help="agents seeded (20)")
    parser.add_argument(
        "--max-seconds",
        type=bounded(10, 3600),
        default=300,
        help="start no round after this many seconds, 3 rounds at least (300)",
    )
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="waooaw-bench-pp-") as tmp:
        try:
            with (
                running_plant(Path(tmp) / "plant") as plant,
                running_pp(Path(tmp) / "pp", plant.base_url) as pp,
            ):
                print(f"Plant at {plant.base_url}, PP at {pp.base_url}", file=sys.stderr)
                pids = Pids(pp=pp.process.pid, plant=plant.process.pid)
                cases = measure(pp.base_url, plant.base_url, pids, args)
        except ServiceStartError as exc:
            print(f"could not start the servers: {exc}", file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps(as_json(cases, args), indent=2))
    else:
        print_table(cases, args)
    return 0 if all(c.ok for c in cases.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
