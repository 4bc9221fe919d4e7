"""Benchmark the Plant service: HTTP throughput and latency, overhead against a hand-written
FastAPI baseline, audit-chain verification speed and the memory of a 1M-entry export.

Run with the project's venv (nothing else to install; traffic goes to 127.0.0.1 only):

    .venv/bin/python bench/plant.py            # full run, about 10 minutes
    .venv/bin/python bench/plant.py --quick    # smoke run, under a minute
    .venv/bin/python bench/plant.py --json out.json --pin

What runs:

* Plant: ``python -m waooaw.cli serve plant --log-level warning`` (uvicorn, one worker,
  one process) over a SQLite file seeded with 10k agents (2k with --quick). The seed is
  written with SQL directly, as ``create_agent`` writes it: agent row with its alignment
  and version hash, its skills, its ``created`` amendment and a valid HMAC audit entry
  (chained after the skills and job role it uses). The chain is verified after seeding.
* The baseline: ``bench/plant_baseline.py``, a minimal FastAPI app answering the same two
  reads with the same JSON, same tables, same driver and connection set-up (SQLAlchemy
  async + aiosqlite), also under uvicorn with one worker, twice: ``baseline`` returns dicts
  (the idiomatic FastAPI way: jsonable_encoder, then json.dumps; the targets are against
  it) and ``base-json`` returns JSONResponse (json.dumps only; a stricter reference,
  reported without target). Before measuring, all answers are compared for equality.
* The load generator: this script re-run as ``--load-worker`` in another process, an
  asyncio HTTP/1.1 keep-alive client on raw streams (lighter than an HTTP library, so that
  the server, not the client, is what saturates). Each cell runs ``--warmup`` seconds
  unrecorded, then ``--duration`` seconds (at most ``--max-requests`` requests) recorded.
  Cells: GET /api/v1/agents/{id} (random seeded id), GET /api/v1/agents?limit=20 and
  POST /api/v1/agents, at concurrency 1 and 32; the reads on every app, rotating which app
  goes first, for ``--rounds`` rounds; figures are medians over the rounds. Besides req/s
  and p50/p99 latency, each cell records the server's CPU time per request (utime+stime
  from /proc, all threads), which other load on the machine disturbs much less.
* Audit: a separate migrated SQLite file whose ``audit_entries`` are written in bulk with
  valid HMACs (``AuditTrail.entry_hash``, a realistic mix of ``created`` and
  ``team_assigned`` payloads) and a signed head; ``AuditTrail.verify_chain`` is timed on a
  synchronous SQLAlchemy connection at 100k and at 1M entries; then a fresh Plant server
  streams ``GET /api/v1/audit/export`` of all 1M entries (CSV, the default, and JSON Lines)
  and its peak RSS (``VmHWM`` in /proc/<pid>/status) is read. The baseline: the first
  size again, hashed as before migration 0003 (HMAC-SHA256), verified by ``verify_chain``
  and by the loop as it was before 0003 (``legacy_verify``); ratios are printed.
* ``--workers N``: Plant with 1 worker, with N workers (``waooaw serve plant --workers N``)
  and with 1 worker on uvicorn's old stack (``--loop asyncio --http h11``), the reads at
  c=1 and c=32 (N workers at c=32 only), taking turns; server CPU counts all worker
  processes. Target: N workers / 1 worker throughput at c=32 >= 1.7.

Targets (PASS/FAIL in the table; exit status 1 when one fails): overhead waooaw/baseline
<= 1.10 on p50 latency and (inverse) on throughput, for each read and concurrency;
verification >= 300k entries/s (wall time; CPU-time figures are printed alongside);
export peak RSS <= 150 MB. The create cells have no target.

The machine's speed and business matter a lot: the header prints the load average and a
calibration loop (wall and CPU seconds); compare runs on the same, otherwise idle machine.

``--pin`` (with two or more CPUs) puts the servers on CPU 0 and the load generator on
CPU 1, so that they do not compete; without it the OS schedules them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from waooaw.services.process import ServiceProcess, running_service, service_env

if TYPE_CHECKING:
    from waooaw.services.plant.storage.audit import AuditTrail

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
HOST = "127.0.0.1"
AUDIT_KEY = "bench-audit-key-0123456789abcdef"
READY_TIMEOUT_S = 180.0  # a loaded machine starts processes slowly
SANDBOX = "https://sandbox.waooaw.com/agents/email"

# Targets.
OVERHEAD_MAX = 1.10
VERIFY_MIN_PER_S = 300_000.0
EXPORT_MAX_RSS_MB = 150.0

CONCURRENCIES = (1, 32)
READS = ("get", "list")


@dataclass(frozen=True)
class Profile:
    agents: int
    rounds: int
    duration_s: float
    warmup_s: float
    max_requests: int
    audit_sizes: tuple[int, ...]
    verify_runs: int
    export_formats: tuple[str, ...]


FULL = Profile(10_000, 5, 2.0, 0.5, 20_000, (100_000, 1_000_000), 3, ("csv", "jsonl"))
QUICK = Profile(2_000, 1, 1.0, 0.3, 5_000, (10_000, 50_000), 1, ("csv",))


# -- load generator (runs in its own process) -----------------------------------------------


@dataclass
class LoadResult:
    count: int
    errors: int
    elapsed_s: float
    rps: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    completed: int = 0  # warm-up included
    error_sample: str = ""
    server_cpu_ms: float = math.nan  # server CPU time per completed request (set by the parent)


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one HTTP/1.1 response; (status, connection kept open)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    at = lower.find(b"\r\ncontent-length:")
    if at >= 0:
        end = lower.index(b"\r\n", at + 2)
        await reader.readexactly(int(lower[at + 17 : end]))
    elif b"\r\ntransfer-encoding: chunked" in lower:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            await reader.readexactly(size + 2)
    return status, b"\r\nconnection: close" not in lower


def _request(spec: dict[str, Any], path: str) -> bytes:
    port = spec["port"]
    if spec["method"] == "GET":
        return f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode()
    body: bytes = spec["body"].encode()
    head = (
        f"{spec['method']} {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _load(spec: dict[str, Any]) -> LoadResult:
    requests = [_request(spec, p) for p in spec["paths"]]
    expect: int = spec["expect"]
    start = time.perf_counter()
    measure_from = start + spec["warmup_s"]
    stop_at = measure_from + spec["duration_s"]
    cap: int = spec["max_requests"]
    latencies: list[float] = []
    errors: list[str] = []
    completed = [0]
    finished = [measure_from]
    rng = random.Random(spec.get("seed", 1))

    async def client() -> None:
        reader, writer = await asyncio.open_connection(HOST, spec["port"])
        try:
            while len(latencies) < cap:
                began = time.perf_counter()
                if began >= stop_at:
                    break
                writer.write(requests[rng.randrange(len(requests))])
                try:
                    status, keep = await _read_response(reader)
                except (asyncio.IncompleteReadError, ConnectionError) as exc:
                    errors.append(f"{type(exc).__name__}")
                    writer.close()
                    reader, writer = await asyncio.open_connection(HOST, spec["port"])
                    continue
                done = time.perf_counter()
                completed[0] += 1
                if began >= measure_from:
                    latencies.append(done - began)
                    finished[0] = max(finished[0], done)
                    if status != expect:
                        errors.append(f"HTTP {status}")
                if not keep:
                    writer.close()
                    reader, writer = await asyncio.open_connection(HOST, spec["port"])
        finally:
            writer.close()

    await asyncio.wait_for(
        asyncio.gather(*(client() for _ in range(spec["concurrency"]))),
        spec["warmup_s"] + spec["duration_s"] + 60.0,
    )
    latencies.sort()
    n = len(latencies)
    elapsed = finished[0] - measure_from

    def pct(q: float) -> float:
        return 1000 * latencies[min(n - 1, max(0, math.ceil(q * n) - 1))] if n else math.nan

    return LoadResult(
        count=n,
        errors=len(errors),
        elapsed_s=elapsed,
        rps=n / elapsed if elapsed > 0 else math.nan,
        p50_ms=pct(0.50),
        p99_ms=pct(0.99),
        mean_ms=1000 * statistics.fmean(latencies) if n else math.nan,
        completed=completed[0],
        error_sample=", ".join(sorted(set(errors))[:3]),
    )


def load_worker() -> None:
    spec = json.loads(sys.stdin.read())
    if spec.get("cpus"):
        os.sched_setaffinity(0, spec["cpus"])
    print(json.dumps(asdict(asyncio.run(_load(spec)))))


def run_load(spec: dict[str, Any]) -> LoadResult:
    """Run the load generator in another process and return what it measured."""
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--load-worker"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        timeout=spec["warmup_s"] + spec["duration_s"] + 120.0,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"load generator failed: {proc.stderr.strip()[-800:]}")
    return LoadResult(**json.loads(proc.stdout))


# -- servers ------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of a process and its live descendants (uvicorn's workers)."""
    total = cpu_seconds(pid)
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return total
    return total + sum(tree_cpu_seconds(int(c)) for c in children)


def measure(server: ServiceProcess, spec: dict[str, Any]) -> LoadResult:
    """One load run against ``server``, with the server's CPU time per request."""
    before = tree_cpu_seconds(server.process.pid)
    result = run_load(spec)
    used = tree_cpu_seconds(server.process.pid) - before
    result.server_cpu_ms = 1000 * used / result.completed if result.completed else math.nan
    return result


def proc_status_mb(pid: int, field_name: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field_name} not in /proc/{pid}/status")


def peak_rss_mb(server: ServiceProcess) -> float:
    return proc_status_mb(server.process.pid, "VmHWM")


@contextmanager
def serve(
    name: str, argv: Sequence[str], *, env: dict[str, str], cwd: Path, cpus: set[int] | None
) -> Iterator[ServiceProcess]:
    """``argv`` on a free port until ready (``waooaw.services.process``), pinned to ``cpus``."""
    preexec: Callable[[], None] | None = None
    if cpus:

        def preexec() -> None:
            os.sched_setaffinity(0, cpus)

    with running_service(
        name, cwd, env=env, argv=argv, ready_timeout=READY_TIMEOUT_S, preexec_fn=preexec
    ) as server:
        yield server


def plant_env(database: Path, pool_size: int | None = None) -> dict[str, str]:
    env = service_env(
        DATABASE_URL=f"sqlite:///{database}",
        AUDIT_KEY=AUDIT_KEY,
        PLANT_ENV="production",
        PYTHONUNBUFFERED="1",
    )
    if pool_size is not None:
        env["PLANT_DB_POOL_SIZE"] = str(pool_size)
    return env


PLANT_ARGV = (sys.executable, "-m", "waooaw.cli", "serve", "plant", "--log-level", "warning")


def baseline_argv(database: Path, pool_size: int | None, respond: str) -> list[str]:
    argv = [sys.executable, str(BENCH / "plant_baseline.py"), "--database", str(database)]
    argv += ["--respond", respond]
    return argv if pool_size is None else [*argv, "--pool-size", str(pool_size)]


# The apps measured: Plant and the two baselines (see bench/plant_baseline.py --respond).
BASELINE = "baseline"  # returns dicts: FastAPI's jsonable_encoder, then json.dumps (targets)
STRICT = "base-json"  # returns JSONResponse: json.dumps only


# -- seeding ------------------------------------------------------------------------------


class Clock:
    """Increasing fixed-width timestamps (never on a whole second, as the API renders them)."""

    def __init__(self) -> None:
        from waooaw.services.common.values import ts

        self.ts = ts
        self.start = datetime(2026, 1, 1, tzinfo=UTC)
        self.ticks = 0

    def __call__(self) -> str:
        self.ticks += 1
        return self.ts(self.start + timedelta(microseconds=1000 * self.ticks + 7))


AuditRow = tuple[int, str, str, str, str, str, str, str | None, str | None, str]
#: an audit row as inserted: the row, then the algorithm column
InsertRow = tuple[int, str, str, str, str, str, str, str | None, str | None, str, int]


class Chain:
    """Audit entries computed in bulk the way ``AuditTrail.append`` computes them."""

    def __init__(self, trail: AuditTrail, algorithm: int | None = None) -> None:
        from waooaw.services.plant.storage.audit import CURRENT_ALGORITHM

        self.trail = trail
        self.algorithm = CURRENT_ALGORITHM if algorithm is None else algorithm
        self.count = 0
        self.last: str | None = None
        self.entity_last: dict[str, str] = {}

    def add(
        self, entity_type: str, entity_id: str, event: str, actor: str, payload: str, at: str
    ) -> InsertRow:
        sequence = self.count + 1
        row: AuditRow = (
            sequence,
            entity_type,
            entity_id,
            event,
            actor,
            at,
            payload,
            self.last,
            self.entity_last.get(entity_id),
            "",
        )
        digest = self.trail.entry_hash(row, algorithm=self.algorithm)
        self.count, self.last = sequence, digest
        self.entity_last[entity_id] = digest
        return (*row[:9], digest, self.algorithm)

    def head(self) -> tuple[int, int, str | None, str]:
        return (1, self.count, self.last, self.trail.sign_head(self.count, self.last))


def _insert_sql(table: Any, *, skip: Sequence[str] = ()) -> str:
    names = [c.name for c in table.columns if c.name not in skip]
    return f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"


def _write_head(con: sqlite3.Connection, chain: Chain) -> None:
    con.execute("DELETE FROM audit_head")
    con.execute(
        "INSERT INTO audit_head (id, entries, last_hash, signature) VALUES (?, ?, ?, ?)",
        chain.head(),
    )


def _open(database: Path) -> sqlite3.Connection:
    con = sqlite3.connect(database, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("BEGIN")
    return con


def migrate(database: Path) -> None:
    from waooaw.services.common.db import run_migrations
    from waooaw.services.plant.api.context import MIGRATIONS

    run_migrations(MIGRATIONS, f"sqlite:///{database}")


@dataclass
class Seeded:
    agent_ids: list[str]
    skill_ids: list[str]
    role_id: str
    audit_entries: int
    industry_id: str  # the role's


def seed_plant(database: Path, agents_n: int) -> Seeded:
    """Skills, a job role and ``agents_n`` agents, written as the API writes them."""
    from waooaw.services.common.values import canonical_json
    from waooaw.services.plant.domain.constitution import AgentFacts, alignment, evaluate
    from waooaw.services.plant.seeded import INDUSTRY_MARKETING as MARKETING
    from waooaw.services.plant.storage import repo, tables
    from waooaw.services.plant.storage.audit import AuditTrail

    migrate(database)
    rng = random.Random(7)

    def new_id() -> str:
        return str(uuid_from(rng.getrandbits(128)))

    chain = Chain(AuditTrail(AUDIT_KEY.encode()))
    now = Clock()
    audit: list[InsertRow] = []
    con = _open(database)
    skill_ids = [new_id(), new_id()]
    for number, skill_id in enumerate(skill_ids):
        created, certified = now(), now()
        values = {
            "id": skill_id,
            "name": f"Bench Skill {number}",
            "category": "technical",
            "description": "A skill the benchmark agents use.",
            "status": "pending_certification",
            "certified_at": None,
            "certified_by": None,
        }
        audit.append(
            chain.add("skill", skill_id, "created", "genesis", canonical_json(values), created)
        )
        con.execute(
            _insert_sql(tables.skills, skip=["seq"]),
            (*list(values.values())[:4], "certified", certified, "genesis", created, certified),
        )
        data = canonical_json({"status": "certified", "notes": None})
        audit.append(chain.add("skill", skill_id, "certified", "genesis", data, certified))

    role_id = new_id()
    created, certified = now(), now()
    role = {
        "id": role_id,
        "name": "Content Writer",
        "description": "Writes content.",
        "industry_id": MARKETING,
        "seniority": "mid",
        "status": "pending_certification",
        "certified_at": None,
        "certified_by": None,
    }
    con.execute(
        _insert_sql(tables.job_roles, skip=["seq"]),
        (*list(role.values())[:5], "certified", certified, "genesis", created, certified),
    )
    con.executemany(
        _insert_sql(tables.job_role_skills), [(role_id, s, i) for i, s in enumerate(skill_ids)]
    )
    data = canonical_json({**role, "required_skills": skill_ids})
    audit.append(chain.add("job_role", role_id, "created", "genesis", data, created))
    data = canonical_json({"status": "certified", "notes": None})
    audit.append(chain.add("job_role", role_id, "certified", "genesis", data, certified))

    facts = AgentFacts(
        governance_agent_id="genesis",
        governor_exists=False,
        job_role_certified=True,
        job_role_industry_id=MARKETING,
        industry_id=MARKETING,
        required_skill_ids=frozenset(skill_ids),
        skill_ids=tuple(skill_ids),
        uncertified_skill_ids=frozenset(),
        trial_mode_sandbox_url=SANDBOX,
    )
    agent_rows: list[tuple[Any, ...]] = []
    link_rows: list[tuple[Any, ...]] = []
    amendment_rows: list[tuple[Any, ...]] = []
    agent_ids: list[str] = []
    for number in range(agents_n):
        agent_id, at = new_id(), now()
        content = repo.agent_content(
            agent_id=agent_id,
            name=f"Email Marketing Agent {number}",
            description="Writes and tests email campaigns.",
            industry_id=MARKETING,
            job_role_id=role_id,
            skills=skill_ids,
            governance_agent_id="genesis",
            specialties=["B2B SaaS"],
            price_per_month=12000,
            trial_mode_sandbox_url=SANDBOX,
            team_id=None,
            status="active",
        )
        digest = repo.version_hash(content)
        agent_ids.append(agent_id)
        agent_rows.append(
            (
                agent_id,
                content["name"],
                content["description"],
                MARKETING,
                role_id,
                "genesis",
                canonical_json(["B2B SaaS"]),
                12000,
                SANDBOX,
                None,
                "active",
                canonical_json(alignment(evaluate(facts), at)),
                digest,
                at,
                at,
            )
        )
        link_rows.extend((agent_id, s, i) for i, s in enumerate(skill_ids))
        changes = canonical_json({"created": content})
        amendment_rows.append((agent_id, 1, "created", "genesis", at, changes, digest))
        data = canonical_json({"content": content, "version_hash": digest})
        audit.append(chain.add("agent", agent_id, "created", "genesis", data, at))
    con.executemany(_insert_sql(tables.agents, skip=["seq"]), agent_rows)
    con.executemany(_insert_sql(tables.agent_skills), link_rows)
    con.executemany(_insert_sql(tables.amendments), amendment_rows)
    con.executemany(_insert_sql(tables.audit_entries), audit)
    _write_head(con, chain)
    con.execute("COMMIT")
    con.close()
    return Seeded(agent_ids, skill_ids, role_id, chain.count, MARKETING)


def uuid_from(bits: int) -> str:
    import uuid

    return str(uuid.UUID(int=bits, version=4))


class SyntheticTrail:
    """A growing audit trail: per block, three agents created and one of them re-teamed."""

    def __init__(self, database: Path, algorithm: int | None = None) -> None:
        from waooaw.services.common.values import canonical_json
        from waooaw.services.plant.seeded import INDUSTRY_MARKETING as MARKETING
        from waooaw.services.plant.storage import repo
        from waooaw.services.plant.storage.audit import AuditTrail

        migrate(database)
        self.database = database
        self.chain = Chain(AuditTrail(AUDIT_KEY.encode()), algorithm)
        self.clock = Clock()
        self.placeholder = "00000000-0000-4000-8000-000000000000"
        content = repo.agent_content(
            agent_id=self.placeholder,
            name="Email Marketing Agent",
            description="Writes and tests email campaigns.",
            industry_id=MARKETING,
            job_role_id="25f76120-9074-4309-ad0a-91ec9eee2b25",
            skills=["05f76120-9074-4309-ad0a-91ec9eee2b25", "15f76120-9074-4309-ad0a-91ec9eee2b25"],
            governance_agent_id="genesis",
            specialties=["B2B SaaS"],
            price_per_month=12000,
            trial_mode_sandbox_url=SANDBOX,
            team_id=None,
            status="active",
        )
        digest = repo.version_hash(content)
        self.created = canonical_json({"content": content, "version_hash": digest})
        self.assigned = canonical_json(
            {
                "changes": {"role": "member", "team_id": {"from": None, "to": self.placeholder}},
                "version_hash": digest,
            }
        )

    def grow(self, total: int, batch: int = 50_000) -> float:
        """Append entries up to ``total``; seconds taken."""
        started = time.perf_counter()
        from waooaw.services.plant.storage.tables import audit_entries

        insert = _insert_sql(audit_entries)
        chain, clock, rows = self.chain, self.clock, []
        con = _open(self.database)
        number = chain.count
        while chain.count < total:
            first = ""
            for slot in range(4):
                if chain.count >= total:
                    break
                number += 1
                if slot < 3:
                    agent = f"{number:08x}-0000-4000-8000-{number:012x}"
                    first = first or agent
                    payload = self.created.replace(self.placeholder, agent)
                    rows.append(chain.add("agent", agent, "created", "genesis", payload, clock()))
                else:
                    payload = self.assigned.replace(self.placeholder, agent)
                    rows.append(
                        chain.add("agent", first, "team_assigned", "pp-admin", payload, clock())
                    )
            if len(rows) >= batch:
                con.executemany(insert, rows)
                rows.clear()
                chain.entity_last.clear()  # blocks never refer back across batches
        if rows:
            con.executemany(insert, rows)
        chain.entity_last.clear()
        _write_head(con, chain)
        con.execute("COMMIT")
        con.close()
        return time.perf_counter() - started


# -- measurements -------------------------------------------------------------------------


@dataclass
class Cell:
    app: str
    scenario: str
    concurrency: int
    runs: list[LoadResult] = field(default_factory=list)

    def median(self, attr: str) -> float:
        values = [getattr(r, attr) for r in self.runs]
        return statistics.median(values) if values else math.nan

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.runs)


def load_spec(
    server: ServiceProcess,
    scenario: str,
    concurrency: int,
    seeded: Seeded,
    profile: Profile,
    cpus: Any,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "port": server.port,
        "concurrency": concurrency,
        "warmup_s": profile.warmup_s,
        "duration_s": profile.duration_s,
        "max_requests": profile.max_requests,
        "cpus": sorted(cpus) if cpus else None,
        "method": "GET",
        "expect": 200,
        "body": None,
    }
    if scenario == "get":
        spec["paths"] = [f"/api/v1/agents/{a}" for a in seeded.agent_ids]
    elif scenario == "list":
        spec["paths"] = ["/api/v1/agents?limit=20"]
    else:
        body = {
            "name": "Bench Agent",
            "description": "Created under load.",
            "industry_id": seeded.industry_id,
            "job_role_id": seeded.role_id,
            "skills": seeded.skill_ids,
            "governance_agent_id": "genesis",
            "specialties": ["B2B SaaS"],
            "price_per_month": 12000,
            "trial_mode_sandbox_url": SANDBOX,
        }
        spec.update(method="POST", expect=201, body=json.dumps(body), paths=["/api/v1/agents"])
    return spec


def same_answers(plant: ServiceProcess, baseline: ServiceProcess, seeded: Seeded) -> str | None:
    """None when both apps return equal JSON for a sample of reads, else what differs."""
    import httpx

    paths = ["/api/v1/agents?limit=20", "/api/v1/agents?limit=100"]
    paths += [f"/api/v1/agents/{a}" for a in random.Random(3).sample(seeded.agent_ids, 5)]
    with httpx.Client(timeout=30.0) as http:
        for path in paths:
            ours, theirs = http.get(plant.base_url + path), http.get(baseline.base_url + path)
            if ours.status_code != 200 or theirs.status_code != 200:
                return f"{path}: HTTP {ours.status_code} vs {theirs.status_code}"
            if ours.json() != theirs.json():
                a, b = ours.json(), theirs.json()
                a = a.get("items", [a])[0]
                b = b.get("items", [b])[0]
                keys = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
                return f"{path}: members differ: {', '.join(keys) or 'order/page'}"
        cursor = http.get(plant.base_url + paths[0]).json()["next_cursor"]
        if cursor is not None:
            path = f"/api/v1/agents?limit=20&cursor={cursor}"
            if http.get(plant.base_url + path).json() != http.get(baseline.base_url + path).json():
                return f"{path}: second pages differ"
    return None


def http_benchmark(
    work: Path,
    profile: Profile,
    server_cpus: set[int] | None,
    load_cpus: set[int] | None,
    pool_size: int | None,
) -> tuple[dict[tuple[str, str, int], Cell], str | None, Seeded, float]:
    database = work / "plant.db"
    started = time.perf_counter()
    seeded = seed_plant(database, profile.agents)
    seed_s = time.perf_counter() - started
    check_chain(database, seeded.audit_entries)
    print(
        f"seeded {profile.agents} agents ({seeded.audit_entries} audit entries) in {seed_s:.1f} s",
        flush=True,
    )
    cells: dict[tuple[str, str, int], Cell] = {}

    def cell(app: str, scenario: str, c: int) -> Cell:
        return cells.setdefault((app, scenario, c), Cell(app, scenario, c))

    env = plant_env(database, pool_size)
    with (
        serve("plant", PLANT_ARGV, env=env, cwd=work, cpus=server_cpus) as plant,
        serve(
            BASELINE,
            baseline_argv(database, pool_size, "dict"),
            env=env,
            cwd=work,
            cpus=server_cpus,
        ) as base,
        serve(
            STRICT,
            baseline_argv(database, pool_size, "json"),
            env=env,
            cwd=work,
            cpus=server_cpus,
        ) as strict,
    ):
        differs = same_answers(plant, base, seeded) or same_answers(plant, strict, seeded)
        print(f"same JSON from all apps: {'yes' if differs is None else differs}", flush=True)
        for round_no in range(profile.rounds):
            apps = [("waooaw", plant), (BASELINE, base), (STRICT, strict)]
            # rotate who goes first, so that drifting machine load hits every app alike
            apps = apps[round_no % 3 :] + apps[: round_no % 3]
            for scenario in READS:
                for c in CONCURRENCIES:
                    for name, server in apps:
                        spec = load_spec(server, scenario, c, seeded, profile, load_cpus)
                        spec["seed"] = round_no
                        result = measure(server, spec)
                        cell(name, scenario, c).runs.append(result)
                        progress(round_no, name, scenario, c, result)
            for c in CONCURRENCIES:
                result = measure(plant, load_spec(plant, "create", c, seeded, profile, load_cpus))
                cell("waooaw", "create", c).runs.append(result)
                progress(round_no, "waooaw", "create", c, result)
    return cells, differs, seeded, seed_s


#: the HTTP stack uvicorn used before uvloop and httptools were installed, for comparison
H11_ARGV = (
    *(sys.executable, "-m", "uvicorn", "--factory", "waooaw.services.runner:plant_app"),
    *("--loop", "asyncio", "--http", "h11", "--log-level", "warning", "--no-access-log"),
)


def scale_benchmark(
    work: Path,
    profile: Profile,
    workers: int,
    server_cpus: set[int] | None,
    load_cpus: set[int] | None,
    pool_size: int | None,
) -> dict[tuple[str, str, int], Cell]:
    """Plant with 1 and ``workers`` worker processes, and on h11 + asyncio (the stack
    before uvloop/httptools), the same reads, the apps taking turns in each round."""
    database = work / "scale.db"
    seeded = seed_plant(database, profile.agents)
    env = plant_env(database, pool_size)
    cells: dict[tuple[str, str, int], Cell] = {}
    one, many = "1 worker", f"{workers} workers"
    with (
        serve("plant-1", [*PLANT_ARGV, "--workers", "1"], env=env, cwd=work, cpus=server_cpus) as a,
        serve(
            f"plant-{workers}",
            [*PLANT_ARGV, "--workers", str(workers)],
            env=env,
            cwd=work,
            cpus=server_cpus,
        ) as b,
        serve("plant-h11", H11_ARGV, env=env, cwd=work, cpus=server_cpus) as h,
    ):
        time.sleep(3.0)  # /ready answered by one worker: let the others start too
        for round_no in range(profile.rounds):
            apps = [(one, a), (many, b), (H11, h)]
            apps = apps[round_no % 3 :] + apps[: round_no % 3]
            for scenario in READS:
                for c in CONCURRENCIES:
                    for name, server in apps:
                        if name == many and c == 1:
                            continue  # one connection keeps one worker busy
                        spec = load_spec(server, scenario, c, seeded, profile, load_cpus)
                        spec["seed"] = round_no
                        result = measure(server, spec)
                        cells.setdefault((name, scenario, c), Cell(name, scenario, c)).runs.append(
                            result
                        )
                        progress(round_no, name, scenario, c, result)
    return cells


H11 = "h11+asyncio"
LABELS = {"get": "GET agent by id", "list": "list agents (20)", "create": "create agent"}


def scale_report(cells: dict[tuple[str, str, int], Cell], workers: int) -> list[Target]:
    one, many = "1 worker", f"{workers} workers"
    print()
    print(f"Workers and HTTP stack (Plant; {many} vs 1 worker; uvloop+httptools vs {H11})")
    print(
        f"{'scenario':<18}{'conc':>5}| {'app':<12}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'cpu ms':>8}"
    )
    for scenario in READS:
        for c in CONCURRENCIES:
            for app in (one, many, H11):
                cell = cells.get((app, scenario, c))
                if cell is None:
                    continue
                print(
                    f"{LABELS[scenario]:<18}{c:>5}| {app:<12}{cell.median('rps'):>8.0f}"
                    f"{cell.median('p50_ms'):>9.2f}{cell.median('p99_ms'):>9.2f}"
                    f"{cell.median('server_cpu_ms'):>8.2f}"
                )
    targets = []
    print()
    for scenario in READS:
        ratio = cells[(many, scenario, 32)].median("rps") / cells[(one, scenario, 32)].median("rps")
        print(f"  {LABELS[scenario]} c=32: throughput {many} / 1 worker = {ratio:.2f}")
        targets.append(
            Target(f"{scenario} c=32: {many} / 1 worker throughput", ratio, 1.7, "x", True)
        )
        for c in CONCURRENCIES:
            cpu = cells[(one, scenario, c)].median("server_cpu_ms") / cells[
                (H11, scenario, c)
            ].median("server_cpu_ms")
            rps = cells[(one, scenario, c)].median("rps") / cells[(H11, scenario, c)].median("rps")
            print(
                f"  {LABELS[scenario]} c={c}: uvloop+httptools / {H11}:"
                f" CPU per request {cpu:.2f}, throughput {rps:.2f}"
            )
    return targets


def progress(round_no: int, app: str, scenario: str, c: int, r: LoadResult) -> None:
    errors = f"  {r.errors} errors ({r.error_sample})" if r.errors else ""
    print(
        f"  round {round_no + 1} {app:<9} {scenario:<6} c={c:<3} {r.rps:8.0f} req/s"
        f"  p50 {r.p50_ms:7.2f} ms  p99 {r.p99_ms:7.2f} ms  n={r.count}"
        f"  server CPU {r.server_cpu_ms:.2f} ms/req{errors}",
        flush=True,
    )


def check_chain(database: Path, expected: int) -> None:
    from sqlalchemy import create_engine

    from waooaw.services.plant.storage.audit import AuditTrail

    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as conn:
            report = AuditTrail(AUDIT_KEY.encode()).verify_chain(conn)
    finally:
        engine.dispose()
    if not report.intact or report.entries != expected:
        raise RuntimeError(f"seeded chain is broken: {report}")


@dataclass
class VerifyResult:
    entries: int
    seed_s: float
    times_s: list[float]
    cpu_s: list[float]

    @property
    def per_s(self) -> float:
        """Entries per second of wall time (the target)."""
        return self.entries / statistics.median(self.times_s)

    @property
    def per_cpu_s(self) -> float:
        """Entries per second of CPU time: what an idle core would do."""
        return self.entries / statistics.median(self.cpu_s)


def legacy_verify(conn: Any, key: bytes) -> int:
    """The verification loop as it was before migration 0003, kept as the baseline: rows
    through SQLAlchemy, the message joined in Python, HMAC-SHA256 per entry (no break
    classification: the chain is intact). Returns the entries checked."""
    import hashlib
    import hmac

    base = hmac.new(key, digestmod=hashlib.sha256)
    result = conn.exec_driver_sql(
        "SELECT sequence, entity_type, entity_id, event, actor, recorded_at, payload,"
        " previous_hash, entity_previous_hash, entry_hash FROM audit_entries ORDER BY sequence"
    )
    expected, prev = 1, None
    while rows := result.fetchmany(20_000):
        for row in rows:
            seq, etype, eid, event, actor, at, payload, linked, eprev, digest = tuple(row)
            mac = base.copy()
            mac.update(
                "\x1f".join(
                    (str(seq), etype, eid, event, actor, at, payload, linked or "", eprev or "")
                ).encode()
            )
            if seq != expected or mac.hexdigest() != digest or linked != prev:
                raise RuntimeError(f"legacy verification: entry {seq} does not verify")
            prev = digest
            expected += 1
    return expected - 1


def time_verify(
    database: Path, entries: int, runs: int, *, legacy: bool = False
) -> tuple[list[float], list[float]]:
    from sqlalchemy import create_engine

    from waooaw.services.plant.storage.audit import AuditTrail

    trail = AuditTrail(AUDIT_KEY.encode())
    engine = create_engine(f"sqlite:///{database}")
    times, cpu = [], []
    try:
        for _ in range(runs):
            with engine.connect() as conn:
                started, cpu_started = time.perf_counter(), time.process_time()
                if legacy:
                    checked = legacy_verify(conn, AUDIT_KEY.encode())
                    intact = True
                else:
                    report = trail.verify_chain(conn)
                    checked, intact = report.entries, report.intact
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
            if not intact or checked != entries:
                raise RuntimeError(f"verify_chain over {entries} entries: {checked}, {intact}")
    finally:
        engine.dispose()
    return times, cpu


@dataclass
class ExportResult:
    fmt: str
    entries: int
    seconds: float
    megabytes: float
    lines: int
    idle_rss_mb: float
    peak_rss_mb: float
    complete: bool


def time_export(
    work: Path, database: Path, entries: int, fmt: str, cpus: set[int] | None
) -> ExportResult:
    import httpx

    with serve("plant-export", PLANT_ARGV, env=plant_env(database), cwd=work, cpus=cpus) as s:
        idle = peak_rss_mb(s)
        size = lines = 0
        tail = b""
        timeout = httpx.Timeout(900.0, connect=10.0)
        started = time.perf_counter()
        with httpx.stream(
            "GET", s.base_url + "/api/v1/audit/export", params={"format": fmt}, timeout=timeout
        ) as response:
            response.raise_for_status()
            for chunk in response.iter_raw(1 << 20):
                size += len(chunk)
                lines += chunk.count(b"\n")
                tail = (tail + chunk)[-4096:]
        seconds = time.perf_counter() - started
        peak = peak_rss_mb(s)
    last = tail.rstrip(b"\r\n").rsplit(b"\n", 1)[-1].decode()
    if fmt == "csv":
        complete = lines == entries + 2 and last.startswith(f"head,{entries},")
    else:
        record = json.loads(last)
        complete = lines == entries + 1 and record == {**record, "entries": entries}
    return ExportResult(fmt, entries, seconds, size / 1e6, lines, idle, peak, complete)


def audit_benchmark(
    work: Path, profile: Profile, cpus: set[int] | None
) -> tuple[list[VerifyResult], list[ExportResult]]:
    database = work / "audit.db"
    trail = SyntheticTrail(database)
    verified = []
    for size in profile.audit_sizes:
        seed_s = trail.grow(size)
        print(f"audit trail at {size} entries (written in {seed_s:.1f} s)", flush=True)
        result = VerifyResult(size, seed_s, *time_verify(database, size, profile.verify_runs))
        print(
            f"  verify_chain: {', '.join(f'{t:.2f}' for t in result.times_s)} s"
            f" -> {result.per_s:,.0f} entries/s ({result.per_cpu_s:,.0f} per CPU second)",
            flush=True,
        )
        verified.append(result)
    from waooaw.services.plant.storage.audit import HMAC_SHA256

    # the same trail hashed as before migration 0003 (HMAC-SHA256), through the same code
    size = profile.audit_sizes[0]
    old = SyntheticTrail(work / "audit-hmac.db", HMAC_SHA256)
    old.grow(size)
    blake = verified[0]
    for legacy, what in ((False, "verify_chain"), (True, "the loop before 0003")):
        times, cpu = time_verify(work / "audit-hmac.db", size, profile.verify_runs, legacy=legacy)
        before = VerifyResult(size, 0.0, times, cpu)
        print(
            f"  HMAC-SHA256 entries (as written before 0003), {size:,}, {what}:"
            f" {before.per_s:,.0f} entries/s ({before.per_cpu_s:,.0f} per CPU second);"
            f" BLAKE2b verify_chain / this: {blake.per_s / before.per_s:.2f} (wall),"
            f" {blake.per_cpu_s / before.per_cpu_s:.2f} (CPU)",
            flush=True,
        )
    exports = []
    for fmt in profile.export_formats:
        exp = time_export(work, database, profile.audit_sizes[-1], fmt, cpus)
        print(
            f"  export {fmt}: {exp.entries} entries, {exp.megabytes:.0f} MB in {exp.seconds:.1f} s,"
            f" server RSS idle {exp.idle_rss_mb:.0f} MB, peak {exp.peak_rss_mb:.0f} MB,"
            f" complete={exp.complete}",
            flush=True,
        )
        exports.append(exp)
    return verified, exports


# -- report -------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    value: float
    limit: float
    unit: str
    higher_is_better: bool = False
    ok: bool | None = None  # set for yes/no checks

    @property
    def status(self) -> str:
        if self.ok is not None:
            return "PASS" if self.ok else "FAIL"
        if math.isnan(self.value):
            return "FAIL"
        good = self.value >= self.limit if self.higher_is_better else self.value <= self.limit
        return "PASS" if good else "FAIL"


def fmt_num(value: float, digits: int = 2) -> str:
    return "-" if math.isnan(value) else f"{value:,.{digits}f}"


def report(
    cells: dict[tuple[str, str, int], Cell],
    differs: str | None,
    verified: list[VerifyResult],
    exports: list[ExportResult],
) -> list[Target]:
    print()
    print("HTTP: medians over rounds. cpu = server CPU ms per request (all its threads; robust")
    print("against other load on the machine). Ratios are waooaw/baseline (baseline/waooaw for")
    print("throughput): above 1 means waooaw is slower. baseline returns dicts (FastAPI's")
    print("jsonable_encoder + json.dumps); base-json returns JSONResponse (json.dumps only).")
    header = (
        f"{'':<23}|{'waooaw':^36}|{'baseline':^36}|{'waooaw / baseline':^32}\n"
        f"{'scenario':<18}{'conc':>5}|"
        + f"{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'cpu ms':>9}|" * 2
        + f"{'p50':>8}{'p99':>8}{'tput':>8}{'cpu':>8}"
    )
    targets: list[Target] = []
    labels = LABELS

    def figures(cell: Cell) -> tuple[float, float, float, float]:
        return (
            cell.median("rps"),
            cell.median("p50_ms"),
            cell.median("p99_ms"),
            cell.median("server_cpu_ms"),
        )

    for other in (BASELINE, STRICT):
        heading = header.replace(f"{'baseline':^36}", f"{other:^36}")
        print(heading.replace(f"{'waooaw / baseline':^32}", f"{'waooaw / ' + other:^32}"))
        print("-" * len(header.splitlines()[-1]))
        for scenario in (*READS, "create"):
            for c in CONCURRENCIES:
                ours = cells.get(("waooaw", scenario, c))
                theirs = cells.get((other, scenario, c))
                if ours is None or (theirs is None and other == STRICT):
                    continue
                w = figures(ours)
                line = f"{labels[scenario]:<18}{c:>5}|{fmt_num(w[0], 0):>9}"
                line += "".join(f"{fmt_num(v):>9}" for v in w[1:]) + "|"
                if theirs is None:
                    line += " " * 36 + "|"
                else:
                    b = figures(theirs)
                    lat, tail, tput, cpu = w[1] / b[1], w[2] / b[2], b[0] / w[0], w[3] / b[3]
                    line += f"{fmt_num(b[0], 0):>9}" + "".join(f"{fmt_num(v):>9}" for v in b[1:])
                    line += "|" + "".join(f"{fmt_num(v):>8}" for v in (lat, tail, tput, cpu))
                    if other == BASELINE:
                        what = f"{scenario} c={c}"
                        targets.append(
                            Target(f"overhead {what}: p50 latency ratio", lat, OVERHEAD_MAX, "x")
                        )
                        targets.append(
                            Target(
                                f"overhead {what}: throughput ratio (inv.)",
                                tput,
                                OVERHEAD_MAX,
                                "x",
                            )
                        )
                print(line)
        print()
    for cell in cells.values():
        if cell.errors:
            name = f"{cell.app} {cell.scenario} c={cell.concurrency}: no errors"
            targets.append(Target(name, cell.errors, 0, "", ok=False))
    if cells:
        targets.insert(0, Target("baseline answers the same JSON", 0, 0, "", ok=differs is None))
    print()
    print("Audit")
    for v in verified:
        print(
            f"  verify_chain {v.entries:>9,} entries: median {statistics.median(v.times_s):.2f} s"
            f" = {v.per_s:,.0f} entries/s; {v.per_cpu_s:,.0f} per CPU second"
            f" (seeded in {v.seed_s:.1f} s)"
        )
        targets.append(
            Target(
                f"verify {v.entries:,} entries: entries/s",
                v.per_s,
                VERIFY_MIN_PER_S,
                "/s",
                higher_is_better=True,
            )
        )
    for e in exports:
        print(
            f"  export {e.fmt:<5} {e.entries:>9,} entries: {e.seconds:.1f} s"
            f" ({e.entries / e.seconds:,.0f} entries/s, {e.megabytes / e.seconds:.1f} MB/s,"
            f" {e.megabytes:.0f} MB), server RSS idle {e.idle_rss_mb:.0f} MB,"
            f" peak {e.peak_rss_mb:.0f} MB"
        )
        targets.append(
            Target(
                f"export {e.entries:,} ({e.fmt}): server peak RSS MB",
                e.peak_rss_mb,
                EXPORT_MAX_RSS_MB,
                "MB",
            )
        )
        targets.append(Target(f"export {e.fmt}: every entry and the head", 0, 0, "", ok=e.complete))
    print()
    print("Targets")
    for t in targets:
        if t.ok is not None:
            print(f"  {t.status}  {t.name}")
            continue
        rel = ">=" if t.higher_is_better else "<="
        digits = 0 if t.unit in ("/s", "MB") else 2
        print(f"  {t.status}  {t.name}: {fmt_num(t.value, digits)} ({rel} {t.limit:,g})")
    return targets


def calibrate() -> tuple[float, float]:
    """Wall and CPU seconds of a fixed pure-Python loop: how fast and how busy this machine is."""
    started, cpu = time.perf_counter(), time.process_time()
    total = 0
    for i in range(5_000_000):
        total += i
    return time.perf_counter() - started, time.process_time() - cpu


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small smoke run (~30 s)")
    parser.add_argument("--pin", action="store_true", help="servers on CPU 0, load on CPU 1")
    parser.add_argument("--rounds", type=int, help="rounds of HTTP cells (medians over them)")
    parser.add_argument("--duration", type=float, help="recorded seconds per HTTP cell")
    parser.add_argument(
        "--pool-size", type=int, help="database pool size of both apps (default: Plant's, 10)"
    )
    parser.add_argument("--skip-http", action="store_true", help="only the audit figures")
    parser.add_argument("--skip-audit", action="store_true", help="only the HTTP figures")
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="also run Plant with 1 and N worker processes (and on h11+asyncio): target"
        " N workers / 1 >= 1.7 in throughput at c=32",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--load-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.load_worker:
        load_worker()
        return 0

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
        f"plant benchmark ({'quick' if args.quick else 'full'}): {profile.agents} agents,"
        f" {profile.rounds} round(s) x {profile.duration_s:g} s per cell,"
        f" audit {', '.join(f'{n:,}' for n in profile.audit_sizes)};"
        f" {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f},"
        f" pinned={'yes' if server_cpus else 'no'}",
        flush=True,
    )
    wall, cpu = calibrate()
    print(
        f"calibration: a 5M-step Python loop takes {wall:.2f} s wall, {cpu:.2f} s CPU"
        " (about 0.2 s on an idle recent desktop core)",
        flush=True,
    )
    work = Path(tempfile.mkdtemp(prefix="plant-bench-"))
    try:
        cells: dict[tuple[str, str, int], Cell] = {}
        differs: str | None = None
        if not args.skip_http:
            cells, differs, _seeded, _ = http_benchmark(
                work, profile, server_cpus, load_cpus, args.pool_size
            )
        scale: dict[tuple[str, str, int], Cell] = {}
        if args.workers:
            scale = scale_benchmark(
                work, profile, args.workers, server_cpus, load_cpus, args.pool_size
            )
        verified: list[VerifyResult] = []
        exports: list[ExportResult] = []
        if not args.skip_audit:
            verified, exports = audit_benchmark(work, profile, server_cpus)
        targets = report(cells, differs, verified, exports)
        if scale:
            targets += scale_report(scale, args.workers)
            print()
            for t in targets[-len(READS) :]:
                print(f"  {t.status}  {t.name}: {t.value:.2f} (>= {t.limit})")
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "profile": asdict(profile),
                        "cells": [
                            {
                                "app": c.app,
                                "scenario": c.scenario,
                                "concurrency": c.concurrency,
                                "runs": [asdict(r) for r in c.runs],
                            }
                            for c in [*cells.values(), *scale.values()]
                        ],
                        "verify": [asdict(v) | {"per_s": v.per_s} for v in verified],
                        "export": [asdict(e) for e in exports],
                        "targets": [asdict(t) | {"status": t.status} for t in targets],
                    },
                    indent=2,
                )
            )
    finally:
        if args.keep:
            print(f"scratch kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if all(t.status == "PASS" for t in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
