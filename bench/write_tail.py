"""Write tail: POST /api/v1/agents latency at a given concurrency, on SQLite and PostgreSQL.

    .venv/bin/python bench/write_tail.py                          # SQLite, c=32, 20 s
    .venv/bin/python bench/write_tail.py --postgres postgresql://postgres:postgres@127.0.0.1:5432/postgres

Plant runs as ``waooaw serve plant`` (one uvicorn process) over a fresh database (a new
SQLite file; with ``--postgres``, also a new database created on that server and dropped
afterwards), seeded through the API. ``--concurrency`` asyncio clients then create agents
back to back for ``--seconds`` after a warm-up; printed per database: requests, req/s,
p50, p99 and max (target: p99 <= 500 ms). The load average comes first: the machine may be
shared, so compare runs made together. The clients are httpx in this process: on a busy
machine their own CPU shows in the figures (``bench/plant.py``'s raw-socket load generator
in a process of its own is lighter; it has SQLite only).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from waooaw.generated.plant.client import PlantClient  # noqa: E402
from waooaw.services.plant.seeding import agent_create, seed_catalogue  # noqa: E402

TARGET_P99_MS = 500.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_plant(folder: Path, database_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANT_")}
    env.update(
        DATABASE_URL=database_url, AUDIT_KEY="bench-audit-key-0123456789abcdef", PLANT_ENV="test"
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
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            if httpx.get(url + "/ready", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit("Plant did not start")


async def load(url: str, body: dict[str, Any], concurrency: int, seconds: float) -> list[float]:
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:

        async def worker(until: float, record: bool) -> None:
            while time.monotonic() < until:
                started = time.perf_counter()
                response = await http.post("/api/v1/agents", json=body)
                if response.status_code != 201:
                    raise SystemExit(f"create answered {response.status_code}: {response.text}")
                if record:
                    latencies.append(time.perf_counter() - started)

        warm = time.monotonic() + 2.0
        await asyncio.gather(*(worker(warm, False) for _ in range(concurrency)))
        end = time.monotonic() + seconds
        await asyncio.gather(*(worker(end, True) for _ in range(concurrency)))
    return latencies


def run(label: str, database_url: str, folder: Path, args: argparse.Namespace) -> bool:
    process, url = start_plant(folder, database_url)
    try:
        with PlantClient(url) as client:
            catalogue = seed_catalogue(client, agents=1)
        ids = [s.id for s in catalogue.skills]
        body = agent_create(catalogue.job_role, ids).model_dump(mode="json", exclude_none=True)
        started = time.monotonic()
        latencies = asyncio.run(load(url, body, args.concurrency, args.seconds))
        wall = time.monotonic() - started - 2.0
    finally:
        process.terminate()
        process.wait(10)
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000
    ok = p99 <= TARGET_P99_MS
    print(
        f"{label:<12}{args.concurrency:>5}{len(ordered):>10}{len(ordered) / wall:>9.1f}"
        f"{p50:>10.1f}{p99:>10.1f}{ordered[-1] * 1000:>10.1f}   {'PASS' if ok else 'FAIL'}"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a database is created)")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, cpus: {os.cpu_count()}")
    print(
        f"{'database':<12}{'conc':>5}{'requests':>10}{'req/s':>9}{'p50 ms':>10}{'p99 ms':>10}"
        f"{'max ms':>10}   p99 <= {TARGET_P99_MS:g} ms"
    )
    ok = True
    with tempfile.TemporaryDirectory(prefix="waooaw-tail-") as scratch:
        folder = Path(scratch)
        if not args.skip_sqlite:
            ok &= run("sqlite", f"sqlite:///{folder / 'plant.db'}", folder, args)
        if args.postgres:
            import psycopg

            name = f"waooaw_tail_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(args.postgres, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            try:
                base = args.postgres.rsplit("/", 1)[0]
                ok &= run("postgresql", f"{base}/{name}", folder, args)
            finally:
                with psycopg.connect(args.postgres, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
