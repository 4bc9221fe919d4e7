"""Amplification: what a cheap hostile body costs Plant and everyone else.

Run with the project's venv (traffic to 127.0.0.1 only):

    .venv/bin/python bench/amplification.py              # ~1 minute
    .venv/bin/python bench/amplification.py --seconds 5  # shorter

Plant runs as ``waooaw serve plant`` (uvicorn, one process) over a fresh SQLite file. A
probe client sends ``GET /api/v1/agents?limit=20`` one at a time, first alone (the
baseline, in the same invocation), then while ``--attackers`` processes loop ``POST
/api/v1/agents`` with a ~924 KB body of 85,000 unknown fields. Printed: the probe's p50 and
p99 in both phases and their ratio (target: p50 within 2x of the baseline), the attack
answer's status, size and latency, and the time the generated PP model takes to refuse
10,000 unknown fields in process. The machine's load average is printed first: on a shared
machine compare ratios, not absolute figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
FIELDS = 85_000
TARGET_RATIO = 2.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def hostile_body(fields: int) -> bytes:
    body: dict[str, Any] = {"name": "x", "governance_agent_id": "genesis"}
    body.update({f"f{i}": 0 for i in range(fields)})
    return json.dumps(body, separators=(",", ":")).encode()


def start_plant(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANT_")}
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'plant.db'}",
        AUDIT_KEY="bench-audit-key-0123456789abcdef",
        PLANT_ENV="test",
    )
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "waooaw.cli", "serve", "plant"),
            *("--port", str(port), "--log-level", "warning"),
        ],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/ready", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit("Plant did not start")


def probe(url: str, seconds: float) -> list[float]:
    latencies: list[float] = []
    with httpx.Client(base_url=url, timeout=60) as http:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            started = time.perf_counter()
            response = http.get("/api/v1/agents", params={"limit": 20})
            latencies.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
    return latencies


def attacker(url: str, stop: Any, out: Any) -> None:
    body = hostile_body(FIELDS)
    headers = {"Content-Type": "application/json"}
    seen: list[tuple[int, int, float]] = []
    with httpx.Client(base_url=url, timeout=120) as http:
        while not stop.is_set():
            started = time.perf_counter()
            response = http.post("/api/v1/agents", content=body, headers=headers)
            seen.append(
                (response.status_code, len(response.content), time.perf_counter() - started)
            )
    out.put(seen)


def in_process_refusal(fields: int, runs: int = 20) -> float:
    from pydantic import ValidationError

    from waooaw.generated.pp.models import AgentCreate

    body = json.loads(hostile_body(fields))
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        with contextlib.suppress(ValidationError):
            AgentCreate.model_validate(body)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="per phase")
    parser.add_argument("--attackers", type=int, default=2)
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, cpus: {os.cpu_count()}")
    print(f"hostile body: {len(hostile_body(FIELDS)):,} bytes, {FIELDS:,} unknown fields")
    with tempfile.TemporaryDirectory(prefix="waooaw-amp-") as scratch:
        process, url = start_plant(Path(scratch))
        try:
            probe(url, 1.0)  # warm-up
            alone = probe(url, args.seconds)
            ctx = multiprocessing.get_context("spawn")
            stop, out = ctx.Event(), ctx.Queue()
            workers = [
                ctx.Process(target=attacker, args=(url, stop, out)) for _ in range(args.attackers)
            ]
            for w in workers:
                w.start()
            time.sleep(1.0)
            loaded = probe(url, args.seconds)
            stop.set()
            attacks = [item for _ in workers for item in out.get(timeout=120)]
            for w in workers:
                w.join(30)
        finally:
            process.terminate()
            process.wait(10)
    p50_alone, p50_loaded = statistics.median(alone), statistics.median(loaded)
    ratio = p50_loaded / p50_alone
    print()
    print(f"{'phase':<28}{'requests':>10}{'p50 ms':>10}{'p99 ms':>10}")
    print(
        f"{'GET agents, alone':<28}{len(alone):>10}{p50_alone * 1000:>10.2f}"
        f"{pct(alone, 0.99) * 1000:>10.2f}"
    )
    print(
        f"{'GET agents, under attack':<28}{len(loaded):>10}{p50_loaded * 1000:>10.2f}"
        f"{pct(loaded, 0.99) * 1000:>10.2f}"
    )
    statuses = sorted({s for s, _, _ in attacks})
    sizes = [n for _, n, _ in attacks]
    times = [t for _, _, t in attacks]
    print(
        f"attack answers: {len(attacks)}, status {statuses}, body {max(sizes):,} bytes max, "
        f"p50 {statistics.median(times) * 1000:.1f} ms"
    )
    refusal = in_process_refusal(10_000)
    print(f"PP model refusing 10,000 unknown fields in process: {refusal * 1000:.2f} ms (median)")
    verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
    print(f"p50 ratio under attack / alone: {ratio:.2f} (target <= {TARGET_RATIO}) {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
