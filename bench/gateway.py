"""Benchmark the gateway: what it adds to a call to Plant, a blue/green switch under load,
and the cost of a policy decision.

    .venv/bin/python bench/gateway.py            # about 3 minutes
    .venv/bin/python bench/gateway.py --quick    # under a minute
    .venv/bin/python bench/gateway.py --json out.json

What runs (127.0.0.1 only): Plant (``waooaw serve plant``, SQLite file, 200 agents seeded
through its API) and the gateway in front of it (``waooaw serve gateway``, its own SQLite
file, the repository's policies), each one uvicorn process. A load generator in another
process (this script with ``--load-worker``: asyncio keep-alive HTTP/1.1 on raw streams,
lighter than an HTTP library) sends the same requests, with the same bearer token, straight
to Plant and through the gateway, alternating which goes first, for ``--rounds`` rounds;
figures are medians over the rounds. Each cell also reports the server CPU time per request
of Plant and of the gateway (utime + stime from /proc), which other load on the machine
disturbs much less than latency.

Cells: GET /api/v1/agents/{id} (random seeded id), GET /api/v1/agents?limit=20, POST
/api/v1/genesis/skills (a new name each time; audited by the gateway), at concurrency 1 and
32. Targets: the gateway adds at most 1.0 ms to the p50 latency and at most 15 % of the
direct p50, at c=1 (at c=32 a queue forms in front of the one-process servers and the
figures are reported without target). Then a blue/green switch under c=16 load (a switch
every 0.25 s between two versions of the route; target: 0 failed requests), and the p99 of a
policy decision in process (target <= 0.5 ms; wall time, and the thread's CPU time, which
preemption on a busy machine does not inflate) for a Plant call (one resource) and an
execution (a batch of two).

The machine's load matters: the header prints the load average; compare ratios from one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HOST = "127.0.0.1"
JWT_SECRET = "bench-gateway-secret-" + "x" * 40


@dataclass
class LoadResult:
    requests: int
    requests_total: int
    errors: int
    p50_ms: float
    p99_ms: float
    rps: float
    first_errors: list[str]


# -- load worker (a separate process) ------------------------------------------------------


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        low = line.lower()
        if low.startswith(b"content-length:"):
            length = int(low.split(b":", 1)[1])
        elif low.startswith(b"transfer-encoding:") and b"chunked" in low:
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


def _request(spec: dict[str, Any], path: str, rng: random.Random) -> bytes:
    head = f"{spec['method']} {path} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {spec['token']}\r\n"
    if spec["method"] == "GET":
        return (head + "\r\n").encode()
    body = spec["body"].replace("{n}", uuid.uuid4().hex[:12]).encode()  # unique across runs
    head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


async def _load(spec: dict[str, Any]) -> LoadResult:
    rng = random.Random(spec["seed"])
    start = time.perf_counter()
    measure_from = start + spec["warmup_s"]
    stop_at = measure_from + spec["duration_s"]
    latencies: list[float] = []
    errors: list[str] = []
    total = [0]

    async def client() -> None:
        reader, writer = await asyncio.open_connection(HOST, spec["port"])
        try:
            while True:
                began = time.perf_counter()
                if began >= stop_at or len(latencies) >= spec["max_requests"]:
                    break
                path = spec["paths"][rng.randrange(len(spec["paths"]))]
                writer.write(_request(spec, path, rng))
                try:
                    status = await _read_response(reader)
                except (asyncio.IncompleteReadError, ConnectionError) as exc:
                    errors.append(type(exc).__name__)
                    writer.close()
                    reader, writer = await asyncio.open_connection(HOST, spec["port"])
                    continue
                done = time.perf_counter()
                total[0] += 1
                if began >= measure_from:
                    latencies.append(done - began)
                    if status != spec["expect"]:
                        errors.append(f"HTTP {status}")
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(spec["concurrency"])))
    elapsed = max(time.perf_counter() - max(t0, measure_from), 1e-9)
    latencies.sort()
    if not latencies:
        return LoadResult(0, total[0], len(errors), 0.0, 0.0, 0.0, errors[:5])
    return LoadResult(
        requests=len(latencies),
        requests_total=total[0],
        errors=len(errors),
        p50_ms=latencies[len(latencies) // 2] * 1000,
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        rps=len(latencies) / elapsed,
        first_errors=errors[:5],
    )


def load_worker() -> None:
    spec = json.loads(sys.stdin.read())
    print(json.dumps(asdict(asyncio.run(_load(spec)))))


def run_load(spec: dict[str, Any]) -> LoadResult:
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--load-worker"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        check=True,
    )
    return LoadResult(**json.loads(out.stdout))


# -- servers ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    def __init__(self, name: str, env: dict[str, str], folder: Path, ready: str = "/ready") -> None:
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        full = {
            k: v for k, v in os.environ.items() if not k.startswith(("PLANT_", "GATEWAY_", "JWT_"))
        }
        full.pop("DATABASE_URL", None)
        full.update(env)
        self.log = (folder / f"{name}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "waooaw.cli", "serve", name, "--host", HOST,
             "--port", str(self.port), "--log-level", "warning"],
            env=full, cwd=folder, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        import httpx

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{name} exited; see {folder / (name + '.log')}")
            try:
                if httpx.get(self.url + ready, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"{name} not ready")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def seed(plant_url: str, token: str, agents: int) -> list[str]:
    from waooaw.generated.plant.client import PlantClient
    from waooaw.services.plant.seeding import seed_catalogue

    with PlantClient(plant_url, headers={"Authorization": f"Bearer {token}"}) as client:
        return [str(a.id) for a in seed_catalogue(client, agents=agents).agents]


# -- the measurements ------------------------------------------------------------------------


CELLS = {
    "get agent": ("GET", None, 200),
    "list agents": ("GET", ["/api/v1/agents?limit=20"], 200),
    "create skill": ("POST", ["/api/v1/genesis/skills"], 201),
}
SKILL_BODY = json.dumps(
    {
        "name": "Bench skill {n}",
        "description": "A skill created by the benchmark.",
        "category": "technical",
    }
)


def http_cells(
    plant: Server, gateway: Server, token: str, agent_ids: list[str], args: argparse.Namespace
) -> list[dict[str, Any]]:
    rows = []
    for cell, (method, paths, expect) in CELLS.items():
        for concurrency in (1, 32):
            results: dict[str, list[LoadResult]] = {"direct": [], "gateway": []}
            gw_cpu: list[float] = []
            plant_cpu: list[float] = []
            for round_no in range(args.rounds):
                order = [("direct", plant), ("gateway", gateway)]
                if round_no % 2:
                    order.reverse()
                for label, server in order:
                    cpu_before = {s.port: cpu_seconds(s.process.pid) for s in (plant, gateway)}
                    spec = {
                        "port": server.port,
                        "method": method,
                        "paths": paths or [f"/api/v1/agents/{a}" for a in agent_ids],
                        "body": SKILL_BODY,
                        "token": token,
                        "expect": expect,
                        "concurrency": concurrency,
                        "warmup_s": args.warmup,
                        "duration_s": args.duration,
                        "max_requests": 100_000,
                        "seed": round_no,
                    }
                    result = run_load(spec)
                    results[label].append(result)
                    if label == "direct" and result.requests:
                        plant_cpu.append(
                            (cpu_seconds(plant.process.pid) - cpu_before[plant.port])
                            / result.requests_total
                            * 1000
                        )
                    if label == "gateway" and result.requests:
                        gw_cpu.append(
                            (cpu_seconds(gateway.process.pid) - cpu_before[gateway.port])
                            / result.requests_total
                            * 1000
                        )
            d = {k: statistics.median(r.p50_ms for r in v) for k, v in results.items()}
            d99 = {k: statistics.median(r.p99_ms for r in v) for k, v in results.items()}
            rps = {k: statistics.median(r.rps for r in v) for k, v in results.items()}
            errors = sum(r.errors for v in results.values() for r in v)
            added = d["gateway"] - d["direct"]
            row = {
                "cell": cell,
                "c": concurrency,
                "direct_p50_ms": d["direct"],
                "gateway_p50_ms": d["gateway"],
                "added_p50_ms": added,
                "added_pct": 100 * added / d["direct"] if d["direct"] else 0.0,
                "direct_p99_ms": d99["direct"],
                "gateway_p99_ms": d99["gateway"],
                "direct_rps": rps["direct"],
                "gateway_rps": rps["gateway"],
                "errors": errors,
                "gateway_cpu_ms_per_request": statistics.median(gw_cpu) if gw_cpu else 0.0,
                "plant_cpu_ms_per_request": statistics.median(plant_cpu) if plant_cpu else 0.0,
                "samples": [asdict(r) for v in results.values() for r in v if r.errors][:2],
            }
            rows.append(row)
            print(
                f"  {cell:<13} c={concurrency:<3} direct p50 {d['direct']:7.2f} ms"
                f"  gateway p50 {d['gateway']:7.2f} ms  added {added:+6.2f} ms"
                f" ({row['added_pct']:+5.1f} %)  rps {rps['direct']:7.0f} / {rps['gateway']:7.0f}"
                f"  CPU/req Plant {row['plant_cpu_ms_per_request']:.2f} ms,"
                f" gateway {row['gateway_cpu_ms_per_request']:.2f} ms  errors {errors}",
                flush=True,
            )
    return rows


def switch_under_load(
    gateway: Server, plant: Server, governor: str, token: str, seconds: float
) -> dict[str, Any]:
    import httpx

    admin = httpx.Client(base_url=gateway.url, headers={"Authorization": f"Bearer {governor}"})
    for version, weight in (("blue", 100), ("green", 0)):
        r = admin.post(
            "/gateway/v1/routes",
            json={
                "match": "listAgents",
                "version": version,
                "upstream_url": plant.url,
                "weight": weight,
            },
        )
        r.raise_for_status()
    spec = {
        "port": gateway.port,
        "method": "GET",
        "paths": ["/api/v1/agents?limit=20"],
        "body": "",
        "token": token,
        "expect": 200,
        "concurrency": 16,
        "warmup_s": 0.0,
        "duration_s": seconds,
        "max_requests": 1_000_000,
        "seed": 7,
    }
    worker = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--load-worker"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert worker.stdin is not None
    worker.stdin.write(json.dumps(spec))
    worker.stdin.close()
    switches = 0
    deadline = time.monotonic() + seconds
    time.sleep(0.3)
    while time.monotonic() < deadline - 0.3:
        version = "green" if switches % 2 == 0 else "blue"
        admin.post(
            "/gateway/v1/route-groups/switch", json={"match": "listAgents", "version": version}
        ).raise_for_status()
        switches += 1
        time.sleep(0.25)
    assert worker.stdout is not None
    out = worker.stdout.read()
    worker.wait(60)
    result = LoadResult(**json.loads(out))
    admin.close()
    print(
        f"  blue/green: {switches} switches under c=16, {result.requests} requests,"
        f" {result.errors} failed, p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms",
        flush=True,
    )
    return {"switches": switches, **asdict(result)}


def policy_timing(calls: int) -> dict[str, float]:
    from waooaw.services.gateway.config import DEFAULT_POLICY_DIR
    from waooaw.services.gateway.policy import PolicyEngine

    engine = PolicyEngine(DEFAULT_POLICY_DIR, keep=1000)
    context = {"operation": "getAgent", "method": "GET", "path": "/api/v1/agents/x",
               "mutating": False, "trial": False, "agent_id": ""}  # fmt: skip
    out: dict[str, float] = {}
    for label, resources, ctx in (
        ("plant call", ["plant"], context),
        ("execution (2)", ["executor/production", "executor/sandbox"],
         {**context, "operation": "executeTask", "method": "POST", "mutating": True, "trial": True}),
    ):  # fmt: skip
        timings: list[float] = []
        cpu: list[float] = []
        for _ in range(calls):
            t, c = time.perf_counter(), time.thread_time()
            engine.decide(
                principal="bench",
                roles=["service"],
                resources=resources,
                context=ctx,
                correlation_id="c",
            )
            cpu.append(time.thread_time() - c)
            timings.append(time.perf_counter() - t)
        timings.sort()
        cpu.sort()
        out[f"{label} p50_ms"] = timings[len(timings) // 2] * 1000
        out[f"{label} p99_ms"] = timings[int(len(timings) * 0.99)] * 1000
        out[f"{label} cpu p50_ms"] = cpu[len(cpu) // 2] * 1000
        out[f"{label} cpu p99_ms"] = cpu[int(len(cpu) * 0.99)] * 1000
        print(
            f"  policy decision, {label}: wall p50 {out[f'{label} p50_ms']:.3f} ms,"
            f" p99 {out[f'{label} p99_ms']:.3f} ms; CPU p50 {out[f'{label} cpu p50_ms']:.3f} ms,"
            f" p99 {out[f'{label} cpu p99_ms']:.3f} ms ({calls} calls)",
            flush=True,
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--load-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=4.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.load_worker:
        load_worker()
        return 0
    if args.quick:
        args.rounds, args.duration, args.warmup = 1, 2.0, 0.5

    from waooaw.services.common.auth import JwtSettings, mint_token

    jwt = JwtSettings(secret=JWT_SECRET, environment="test")
    token = mint_token(jwt, subject="bench", roles=["service"], ttl_seconds=86_400)
    governor = mint_token(jwt, subject="bench-admin", roles=["governor"], ttl_seconds=86_400)
    print(
        f"gateway benchmark; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs",
        flush=True,
    )
    folder = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    common = {"JWT_SECRET": JWT_SECRET, "WAOOAW_ENV": "test", "PYTHONUNBUFFERED": "1"}
    servers: list[Server] = []
    try:
        plant = Server("plant", {**common, "DATABASE_URL": f"sqlite:///{folder / 'plant.db'}",
                                 "AUDIT_KEY": "bench-audit-key-0123456789", "PLANT_ENV": "test"}, folder)  # fmt: skip
        servers.append(plant)
        gateway = Server("gateway", {**common, "GATEWAY_DATABASE_URL": f"sqlite:///{folder / 'gateway.db'}",
                                     "GATEWAY_PLANT_URL": plant.url, "GATEWAY_ENV": "test",
                                     "GATEWAY_AUDIT_KEY": "bench-gateway-audit-key-0123"},
                         folder, ready="/gateway/ready")  # fmt: skip
        servers.append(gateway)
        agent_ids = seed(plant.url, token, 50 if args.quick else 200)
        print("HTTP, direct Plant vs through the gateway (medians over rounds):", flush=True)
        rows = http_cells(plant, gateway, token, agent_ids, args)
        switch = switch_under_load(gateway, plant, governor, token, 3.0 if args.quick else 6.0)
        policy = policy_timing(2000 if args.quick else 20_000)
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(folder, ignore_errors=True)
    failures = []
    for row in rows:
        if row["c"] == 1 and (row["added_p50_ms"] > 1.0 or row["added_pct"] > 15.0):
            failures.append(
                f"{row['cell']} c=1: added {row['added_p50_ms']:.2f} ms ({row['added_pct']:.1f} %)"
            )
        if row["errors"]:
            failures.append(f"{row['cell']} c={row['c']}: {row['errors']} errors {row['samples']}")
    if switch["errors"]:
        failures.append(f"blue/green: {switch['errors']} failed requests")
    for key, value in policy.items():
        if key.endswith("p99_ms") and value > 0.5:
            failures.append(f"policy {key} {value:.3f} ms")
    print("targets:", "all met" if not failures else "; ".join(failures))
    if args.json:
        args.json.write_text(
            json.dumps({"http": rows, "switch": switch, "policy": policy}, indent=2)
        )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
