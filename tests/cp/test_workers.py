"""Separate worker processes (``waooaw worker cp``) sharing CP's database.

* Two workers drain one queue: every task runs exactly once (one claim each, one
  deliverable each), and both workers take part.
* A worker killed in the middle of a task: after its lease runs out another worker runs the
  task again, and it completes once.

Tasks are queued through CP's API (in process, without its own worker); the workers are
real processes on the same SQLite file (WAL) or PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, select

from waooaw.services.common.db import sync_url
from waooaw.services.cp import create_app
from waooaw.services.cp.storage.tables import activity, deliverables, tasks
from waooaw.services.plant.seeding import Catalogue

from ..support.cp_server import start_worker
from ..support.plant_server import PlantServer
from .conftest import JWT, auth, settings_for

TASKS = 120
WORKER_TIMEOUT_S = 120.0


def queue_tasks(database_url: str, plant: PlantServer, seeded: Catalogue, count: int) -> list[str]:
    """Trials for a few customers, and ``count`` tasks queued through the API."""
    settings = settings_for(
        database_url, plant.base_url, worker_enabled=False, trial_budget_usd="1000"
    )

    async def run() -> list[str]:
        app = create_app(settings, jwt=JWT, background=False)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://cp") as client:
                agent = str(seeded.agents[0].id)
                customers = [f"queue-{i}" for i in range(4)]
                for customer in customers:
                    made = await client.post(
                        "/api/v1/trials", json={"agent_id": agent}, headers=auth(customer)
                    )
                    assert made.status_code == 201, made.text
                ids = []
                for i in range(count):
                    queued = await client.post(
                        f"/api/v1/agents/{agent}/execute",
                        json={"task": f"Task {i}"},
                        headers=auth(customers[i % len(customers)]),
                    )
                    assert queued.status_code == 202, queued.text
                    ids.append(queued.json()["task_id"])
                return ids

    return asyncio.run(run())


def rows(database_url: str, table: Any) -> list[Any]:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(table)))
    finally:
        engine.dispose()


def wait_exit(process: subprocess.Popen[bytes], log: Path) -> None:
    try:
        code = process.wait(WORKER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError(f"worker did not finish:\n{log.read_text()}") from None
    assert code == 0, log.read_text()
    assert "Traceback" not in log.read_text(), log.read_text()


def test_two_workers_never_run_a_task_twice(
    database_url: str, plant: PlantServer, seeded: Catalogue, tmp_path: Path
) -> None:
    ids = queue_tasks(database_url, plant, seeded, TASKS)
    # slow enough that one worker alone would need ~7 s: a second worker that starts a few
    # seconds late on a busy machine still finds work, so both really compete for rows
    env = {
        "CP_SANDBOX_SECONDS": "0.25",
        "CP_WORKER_CONCURRENCY": "4",
        "CP_WORKER_POLL_SECONDS": "0.05",
    }
    workers = [
        start_worker(
            tmp_path, database_url=database_url, env=env, args=("--drain",), name=f"worker-{n}"
        )
        for n in range(2)
    ]
    for process, log in workers:
        wait_exit(process, log)

    done = {r.id: r for r in rows(database_url, tasks)}
    assert set(done) == set(ids)
    assert Counter(r.status for r in done.values()) == {"completed": TASKS}
    assert Counter(r.attempts for r in done.values()) == {1: TASKS}, "a task was claimed twice"
    made = rows(database_url, deliverables)
    assert sorted(d.task_id for d in made) == sorted(ids), "one deliverable per task"
    share = Counter(r.worker_id.rsplit(":", 1)[0] for r in done.values())
    assert len(share) == 2, f"both workers should take part: {share}"
    starts = Counter(a.task_id for a in rows(database_url, activity) if a.kind == "task_started")
    assert set(starts.values()) == {1}


def test_a_dead_workers_task_runs_again_after_its_lease(
    database_url: str, plant: PlantServer, seeded: Catalogue, tmp_path: Path
) -> None:
    (task_id,) = queue_tasks(database_url, plant, seeded, 1)
    lease = {"CP_WORKER_LEASE_SECONDS": "1.5", "CP_WORKER_POLL_SECONDS": "0.05"}
    stuck, stuck_log = start_worker(
        tmp_path,
        database_url=database_url,
        env={**lease, "CP_SANDBOX_SECONDS": "60"},
        name="doomed",
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            row = next(r for r in rows(database_url, tasks) if r.id == task_id)
            if row.status == "running":
                break
            assert time.monotonic() < deadline, stuck_log.read_text()
            time.sleep(0.05)
        assert row.attempts == 1
    finally:
        stuck.send_signal(signal.SIGKILL)  # no goodbye: the lease is all that is left
        stuck.wait(10)

    rescuer, rescuer_log = start_worker(
        tmp_path,
        database_url=database_url,
        env={**lease, "CP_SANDBOX_SECONDS": "0.05"},
        name="rescuer",
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            row = next(r for r in rows(database_url, tasks) if r.id == task_id)
            if row.status in ("completed", "failed"):
                break
            assert time.monotonic() < deadline, rescuer_log.read_text()
            time.sleep(0.1)
    finally:
        rescuer.terminate()
        rescuer.wait(20)
    assert row.status == "completed", row
    assert row.attempts == 2
    assert [d.task_id for d in rows(database_url, deliverables)] == [task_id]
    restarted = [a.message for a in rows(database_url, activity) if a.task_id == task_id]
    assert any("restarted after its worker stopped (attempt 2)" in m for m in restarted)
