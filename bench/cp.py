"""Benchmark CP: marketplace list latency with 10k agents in Plant and 100k reviews in CP,
and the queue's drain rate (1,000 tasks) with one and with two worker processes.

Run with the project's venv (traffic goes to 127.0.0.1 only):

    .venv/bin/python bench/cp.py              # full run, a few minutes
    .venv/bin/python bench/cp.py --quick      # smoke run
    .venv/bin/python bench/cp.py --postgres postgresql://postgres:postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/cp.py --json out.json --pin

What runs, and how the data gets there:

* **Plant** - ``waooaw serve plant`` over a SQLite file holding 10k agents (2k with
  ``--quick``), written by ``bench/plant.py``'s ``seed_plant``: SQL rows exactly as
  ``create_agent`` writes them, with a valid audit chain.
* **CP** - ``waooaw serve cp`` over its own database (a SQLite file; PostgreSQL with
  ``--postgres``), with ``CP_WORKER_ENABLED=false``. CP copies Plant's agents itself, through
  Plant's API, when it starts; the time that copy takes is reported (it is what every
  ``CP_PLANT_CACHE_SECONDS`` refresh costs). For the measurements the refresh period is
  raised to 600 s, so that the figures are the list's own, not a refresh running beside it.
* **Reviews** - 100k reviews (10k with ``--quick``) are bulk-inserted into CP's database
  with their customers and trials (a review needs a trial), ratings 1-5 from a seeded
  random generator, then each agent's aggregates (rating sum, count, average, sign-ups) are
  set from those rows with one ``UPDATE`` - what CP's own writes keep up to date one by one.
* **List** - the load generator of ``bench/plant.py`` (another process, raw HTTP/1.1
  keep-alive) sends ``GET /api/v1/marketplace/agents`` in several shapes (default sort by
  rating, filters, search, price sort, a deep page) at concurrency 1 and 16, for
  ``--duration`` seconds after a warm-up, over ``--rounds`` rounds; medians over the rounds
  of req/s, p50 and p99.
* **Drain** - a fresh CP database per run with 1,000 pending tasks, written by bulk insert
  as ``executeAgentTask`` writes them (task row, estimate reserved on its trial), then
  ``waooaw worker cp --drain`` in one or two processes (``CP_WORKER_CONCURRENCY`` 16 each,
  sandbox run time 0 so the queue itself is measured). Reported: tasks/s over the span from
  the first claim to the last completion (from the tasks' timestamps), and wall time from
  starting the processes until they exit (process start-up included). Every task must end
  ``completed`` after exactly one claim.

No targets are asserted: the figures are printed (and written with ``--json``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
JWT_SECRET = "bench-jwt-secret-0123456789abcdef-0123456789"


def _plant_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("plant_bench", BENCH / "plant.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["plant_bench"] = module
    spec.loader.exec_module(module)
    return module


pb = _plant_bench()


@dataclass(frozen=True)
class Profile:
    agents: int
    reviews: int
    customers: int
    tasks: int
    rounds: int
    duration_s: float
    warmup_s: float
    max_requests: int


FULL = Profile(10_000, 100_000, 20_000, 1_000, 3, 3.0, 0.5, 30_000)
QUICK = Profile(2_000, 10_000, 2_000, 300, 1, 1.5, 0.3, 5_000)
CONCURRENCIES = (1, 16)


# -- databases ----------------------------------------------------------------------------


def cp_migrate(url: str) -> None:
    from waooaw.services.common.db import run_migrations
    from waooaw.services.cp.api.context import MIGRATIONS

    run_migrations(MIGRATIONS, url)


@contextmanager
def postgres_database(admin_url: str, name: str) -> Iterator[str]:
    import psycopg

    from waooaw.services.common.db import sync_url

    admin = sync_url(admin_url).set(drivername="postgresql")
    dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def engine_for(url: str) -> Any:
    from sqlalchemy import create_engine

    from waooaw.services.common.db import sync_url

    return create_engine(sync_url(url))


def ts(moment: datetime) -> str:
    from waooaw.services.common.values import ts as cp_ts

    return cp_ts(moment)


def seed_reviews(url: str, agent_ids: list[str], profile: Profile) -> float:
    """Customers, trials and reviews in bulk, then the aggregates from them; seconds taken."""
    from sqlalchemy import text

    from waooaw.services.cp.storage.tables import customers, reviews, trials

    started = time.perf_counter()
    rng = random.Random(11)
    now = datetime.now(UTC)
    per_customer = max(1, profile.reviews // profile.customers)
    customer_rows, trial_rows, review_rows = [], [], []
    statuses = ["completed", "converted", "cancelled", "active"]
    for c in range(profile.customers):
        customer = f"bench-customer-{c}"
        at = ts(now - timedelta(days=rng.randint(0, 60)))
        customer_rows.append(
            {"id": customer, "display_name": f"Customer {c}", "created_at": at, "last_seen_at": at}
        )
        for agent in rng.sample(agent_ids, per_customer):
            started_at = now - timedelta(days=rng.randint(0, 30), seconds=rng.randint(0, 86_400))
            status = rng.choice(statuses)
            trial_rows.append(
                {
                    "id": str(uuid.uuid4()),
                    "customer_id": customer,
                    "agent_id": agent,
                    "agent_name": "Email Marketing Agent",
                    "status": status,
                    "trial_mode": True,
                    "sandbox_url": None,
                    "started_at": ts(started_at),
                    "expires_at": ts(started_at + timedelta(days=7)),
                    "ended_at": None if status == "active" else ts(started_at + timedelta(days=3)),
                    "budget_limit_micros": 5_000_000,
                    "spent_micros": 0,
                    "reserved_micros": 0,
                    "deliverables_count": 0,
                    "tasks_count": 0,
                }
            )
            review_rows.append(
                {
                    "id": str(uuid.uuid4()),
                    "agent_id": agent,
                    "customer_id": customer,
                    "rating": rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 3, 6, 9])[0],
                    "text": "Helpful, fast, and the drafts needed little editing.",
                    "author": f"Customer {c}",
                    "created_at": ts(started_at + timedelta(days=2)),
                }
            )
    engine = engine_for(url)
    try:
        with engine.begin() as conn:
            for table, rows in (
                (customers, customer_rows),
                (trials, trial_rows),
                (reviews, review_rows),
            ):
                for i in range(0, len(rows), 5_000):
                    conn.execute(table.insert(), rows[i : i + 5_000])
            conn.execute(
                text(
                    """
                    UPDATE cp_catalogue SET
                      rating_sum = COALESCE((SELECT SUM(rating) FROM cp_reviews r
                                             WHERE r.agent_id = cp_catalogue.id), 0),
                      reviews_count = (SELECT COUNT(*) FROM cp_reviews r
                                       WHERE r.agent_id = cp_catalogue.id),
                      trial_signups = (SELECT COUNT(*) FROM cp_trials t
                                       WHERE t.agent_id = cp_catalogue.id)
                    """
                )
            )
            conn.execute(
                text(
                    "UPDATE cp_catalogue SET rating_milli = CASE WHEN reviews_count = 0 THEN 0"
                    " ELSE rating_sum * 1000 / reviews_count END"
                )
            )
    finally:
        engine.dispose()
    return time.perf_counter() - started


def queue_tasks(url: str, count: int) -> None:
    """``count`` pending tasks over 10 trials, as executeAgentTask writes them."""
    from sqlalchemy import update

    from waooaw.services.common.values import canonical_json
    from waooaw.services.cp.executor import SandboxExecutor
    from waooaw.services.cp.storage.tables import customers, tasks, trials

    cp_migrate(url)
    now = datetime.now(UTC)
    estimate = SandboxExecutor(run_seconds=0).estimate(task="Task", context={}, sandbox=True)
    trial_ids = [str(uuid.uuid4()) for _ in range(10)]
    engine = engine_for(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                customers.insert(),
                [
                    {
                        "id": f"drain-{i}",
                        "display_name": None,
                        "created_at": ts(now),
                        "last_seen_at": ts(now),
                    }
                    for i in range(10)
                ],
            )
            conn.execute(
                trials.insert(),
                [
                    {
                        "id": trial_id,
                        "customer_id": f"drain-{i}",
                        "agent_id": str(uuid.uuid4()),
                        "agent_name": "Email Marketing Agent",
                        "status": "active",
                        "trial_mode": True,
                        "sandbox_url": None,
                        "started_at": ts(now),
                        "expires_at": ts(now + timedelta(days=7)),
                        "ended_at": None,
                        "budget_limit_micros": 10**12,
                        "spent_micros": 0,
                        "reserved_micros": 0,
                        "deliverables_count": 0,
                        "tasks_count": 0,
                    }
                    for i, trial_id in enumerate(trial_ids)
                ],
            )
            rows = []
            for n in range(count):
                i = n % len(trial_ids)
                rows.append(
                    {
                        "id": str(uuid.uuid4()),
                        "trial_id": trial_ids[i],
                        "customer_id": f"drain-{i}",
                        "agent_id": str(uuid.uuid4()),
                        "status": "pending",
                        "sandbox_mode": True,
                        "task": f"Task {n}",
                        "context": canonical_json({}),
                        "estimate_micros": estimate.cost_micros,
                        "estimate_ms": 0,
                        "attempts": 0,
                        "max_attempts": 3,
                        "version": 1,
                        "created_at": ts(now),
                    }
                )
            conn.execute(tasks.insert(), rows)
            for i, trial_id in enumerate(trial_ids):
                share = sum(1 for n in range(count) if n % len(trial_ids) == i)
                conn.execute(
                    update(trials)
                    .where(trials.c.id == trial_id)
                    .values(reserved_micros=share * estimate.cost_micros, tasks_count=share)
                )
    finally:
        engine.dispose()


# -- servers ------------------------------------------------------------------------------


def cp_env(url: str, plant_url: str, **extra: str) -> dict[str, str]:
    from waooaw.services.process import service_env

    return service_env(
        CP_DATABASE_URL=url,
        PLANT_API_URL=plant_url,
        CP_ENV="production",
        WAOOAW_ENV="production",
        JWT_SECRET=JWT_SECRET,
        CP_WORKER_ENABLED="false",
        PYTHONUNBUFFERED="1",
        **extra,
    )


CP_ARGV = (sys.executable, "-m", "waooaw.cli", "serve", "cp", "--log-level", "warning")


def wait_for_copy(url: str, timeout: float = 600.0) -> float:
    import httpx

    started = time.perf_counter()
    with httpx.Client(base_url=url, timeout=60) as http:
        # the first list request waits for (or makes) the first copy of Plant
        while time.perf_counter() - started < timeout:
            ready = http.get("/ready").json()
            if ready.get("catalogue_synced_at"):
                return time.perf_counter() - started
            time.sleep(0.05)
    raise RuntimeError("CP never finished copying Plant's agents")


# -- list ---------------------------------------------------------------------------------


@dataclass
class ListCell:
    scenario: str
    concurrency: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def list_paths(base_url: str) -> dict[str, list[str]]:
    import httpx

    with httpx.Client(base_url=base_url, timeout=60) as http:
        cursor = None
        for _ in range(50):  # page 51 of the default order
            page = http.get(
                "/api/v1/marketplace/agents", params={"cursor": cursor} if cursor else {}
            ).json()
            cursor = page["next_cursor"]
    deep = f"/api/v1/marketplace/agents?cursor={cursor}"
    return {
        "default (rating)": ["/api/v1/marketplace/agents"],
        "filters": [
            "/api/v1/marketplace/agents?industry=marketing&min_rating=4&max_price=15000",
            "/api/v1/marketplace/agents?specialty=b2b%20saas&min_rating=3.5&sort=reviews",
        ],
        "search": [f"/api/v1/marketplace/agents?q=agent%20{n}" for n in (12, 345, 7, 99)],
        "price sort, 100": ["/api/v1/marketplace/agents?sort=price_asc&limit=100"],
        "page 51": [deep],
    }


def list_benchmark(port: int, base_url: str, profile: Profile, cpus: Any) -> list[ListCell]:
    cells: list[ListCell] = []
    for scenario, paths in list_paths(base_url).items():
        for concurrency in CONCURRENCIES:
            runs = []
            for _ in range(profile.rounds):
                spec = {
                    "port": port,
                    "method": "GET",
                    "paths": paths,
                    "expect": 200,
                    "concurrency": concurrency,
                    "warmup_s": profile.warmup_s,
                    "duration_s": profile.duration_s,
                    "max_requests": profile.max_requests,
                    "cpus": sorted(cpus) if cpus else None,
                }
                runs.append(pb.run_load(spec))
            cell = ListCell(
                scenario,
                concurrency,
                statistics.median(r.rps for r in runs),
                statistics.median(r.p50_ms for r in runs),
                statistics.median(r.p99_ms for r in runs),
                sum(r.errors for r in runs),
            )
            print(
                f"  {scenario:<18} c={concurrency:<3} {cell.rps:8,.0f} req/s"
                f"  p50 {cell.p50_ms:7.2f} ms  p99 {cell.p99_ms:7.2f} ms"
                + (f"  errors {cell.errors} ({runs[0].error_sample})" if cell.errors else ""),
                flush=True,
            )
            cells.append(cell)
    return cells


# -- drain --------------------------------------------------------------------------------


@dataclass
class DrainResult:
    backend: str
    workers: int
    tasks: int
    span_s: float
    per_s: float
    wall_s: float
    wall_per_s: float
    all_once: bool


def drain(url: str, backend: str, workers: int, count: int, work: Path) -> DrainResult:
    from sqlalchemy import func, select

    from waooaw.services.common.values import parse_ts
    from waooaw.services.cp.storage.tables import tasks

    queue_tasks(url, count)
    env = cp_env(url, "http://127.0.0.1:9", CP_SANDBOX_SECONDS="0", CP_WORKER_POLL_SECONDS="0.05")
    argv = [sys.executable, "-m", "waooaw.cli", "worker", "cp", "--no-migrate", "--drain"]
    argv += ["--log-level", "warning"]
    started = time.perf_counter()
    procs = [
        subprocess.Popen(argv, env=env, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(workers)
    ]
    outputs = [p.communicate(timeout=900)[0].decode(errors="replace") for p in procs]
    wall = time.perf_counter() - started
    for proc, out in zip(procs, outputs, strict=True):
        if proc.returncode != 0:
            raise RuntimeError(f"worker failed:\n{out[-2000:]}")
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            first, last, done, once = conn.execute(
                select(
                    func.min(tasks.c.started_at),
                    func.max(tasks.c.finished_at),
                    func.count().filter(tasks.c.status == "completed"),
                    func.count().filter(tasks.c.attempts == 1),
                )
            ).one()
    finally:
        engine.dispose()
    span = (parse_ts(last) - parse_ts(first)).total_seconds()
    return DrainResult(
        backend, workers, count, span, count / span, wall, count / wall, done == once == count
    )


def drain_benchmark(work: Path, profile: Profile, postgres: str | None) -> list[DrainResult]:
    results = []
    backends = [("sqlite", None)] + ([("postgresql", postgres)] if postgres else [])
    for backend, admin in backends:
        for workers in (1, 2):
            name = f"cp_bench_drain_{workers}"
            if admin is None:
                database = work / f"drain-{workers}.db"
                result = drain(f"sqlite:///{database}", backend, workers, profile.tasks, work)
            else:
                with postgres_database(admin, name) as url:
                    result = drain(url, backend, workers, profile.tasks, work)
            print(
                f"  {backend:<10} {workers} worker{'s' if workers > 1 else ' '}: {result.tasks} tasks,"
                f" {result.per_s:7,.0f} tasks/s over {result.span_s:.2f} s of work;"
                f" {result.wall_per_s:6,.0f} tasks/s wall ({result.wall_s:.2f} s with start-up);"
                f" every task once: {result.all_once}",
                flush=True,
            )
            results.append(result)
    return results


# -- main ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--pin", action="store_true", help="servers on CPU 0, load on CPU 1")
    parser.add_argument("--rounds", type=int, help="rounds per list cell (medians over them)")
    parser.add_argument("--duration", type=float, help="recorded seconds per list cell")
    parser.add_argument(
        "--postgres",
        help="also run on PostgreSQL (a server URL the benchmark creates databases on)",
    )
    parser.add_argument("--skip-list", action="store_true", help="only the drain figures")
    parser.add_argument("--skip-drain", action="store_true", help="only the list figures")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args(argv)

    profile = QUICK if args.quick else FULL
    if args.rounds or args.duration:
        profile = Profile(
            **{
                **asdict(profile),
                "rounds": args.rounds or profile.rounds,
                "duration_s": args.duration or profile.duration_s,
            }
        )
    server_cpus: set[int] | None = None
    load_cpus: set[int] | None = None
    if args.pin and (os.cpu_count() or 1) >= 2:
        server_cpus, load_cpus = {0}, {1}
    print(
        f"cp benchmark ({'quick' if args.quick else 'full'}): {profile.agents:,} agents in Plant,"
        f" {profile.reviews:,} reviews in CP, {profile.tasks:,} tasks to drain;"
        f" {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f},"
        f" pinned={'yes' if server_cpus else 'no'}",
        flush=True,
    )
    wall, cpu = pb.calibrate()
    print(
        f"calibration: a 5M-step Python loop takes {wall:.2f} s wall, {cpu:.2f} s CPU", flush=True
    )
    work = Path(tempfile.mkdtemp(prefix="cp-bench-"))
    cells: list[ListCell] = []
    drains: list[DrainResult] = []
    extra: dict[str, float] = {}
    try:
        if not args.skip_list:
            plant_db = work / "plant.db"
            started = time.perf_counter()
            seeded = pb.seed_plant(plant_db, profile.agents)
            print(
                f"Plant seeded: {profile.agents:,} agents in {time.perf_counter() - started:.1f} s"
            )
            with (
                postgres_database(args.postgres, "cp_bench_list")
                if args.postgres
                else _sqlite(work / "cp.db") as cp_url
            ):
                cp_migrate(cp_url)
                with pb.serve(
                    "plant", pb.PLANT_ARGV, env=pb.plant_env(plant_db), cwd=work, cpus=server_cpus
                ) as plant:
                    env = cp_env(
                        cp_url,
                        plant.base_url,
                        CP_PLANT_CACHE_SECONDS="600",
                        CP_PLANT_MAX_STALE_SECONDS="1200",
                    )
                    with pb.serve("cp", CP_ARGV, env=env, cwd=work, cpus=server_cpus) as cp:
                        copy_s = wait_for_copy(cp.base_url)
                        extra["catalogue_copy_s"] = copy_s
                        print(
                            f"CP copied Plant's {profile.agents:,} agents in {copy_s:.1f} s"
                            " (the cost of one refresh)",
                            flush=True,
                        )
                        seed_s = seed_reviews(cp_url, seeded.agent_ids, profile)
                        print(
                            f"CP seeded: {profile.reviews:,} reviews (and their trials, customers"
                            f" and aggregates) in {seed_s:.1f} s",
                            flush=True,
                        )
                        print(
                            f"\nMarketplace list ({'PostgreSQL' if args.postgres else 'SQLite'};"
                            " medians over rounds)"
                        )
                        cells = list_benchmark(cp.port, cp.base_url, profile, load_cpus)
        if not args.skip_drain:
            print("\nQueue drain (sandbox run time 0; CP_WORKER_CONCURRENCY 16 per worker)")
            drains = drain_benchmark(work, profile, args.postgres)
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "profile": asdict(profile),
                        "list": [asdict(c) for c in cells],
                        "drain": [asdict(d) for d in drains],
                        **extra,
                    },
                    indent=2,
                )
            )
    finally:
        if args.keep:
            print(f"scratch kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    failed = any(c.errors for c in cells) or not all(d.all_once for d in drains)
    return 1 if failed else 0


@contextmanager
def _sqlite(path: Path) -> Iterator[str]:
    url = f"sqlite:///{path}"
    yield url
    with sqlite3.connect(path) as conn:  # leave the file checkpointed for --keep
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


if __name__ == "__main__":
    sys.exit(main())
