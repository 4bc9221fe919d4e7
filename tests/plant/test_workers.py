"""Plant under ``waooaw serve plant --workers 2``: two processes share one database, so the
audit head lock, the idempotency table and SQLite's WAL must hold across processes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from waooaw.services.common.db import sync_url
from waooaw.services.plant.storage.audit import AuditTrail
from waooaw.services.plant.storage.tables import agents, idempotency_keys

from ..support.plant_server import AUDIT_KEY, PlantServer, ServiceStartError, start, worker_pids
from .conftest import BACKENDS, _postgres_database, agent_body, make_job_role, make_skill

pytestmark = pytest.mark.anyio

WORKERS = 2
CREATES = 40
KEYS = 4
RETRIES = 8
GATHER_TIMEOUT_S = 120.0


@pytest.fixture(params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PlantServer]:
    urls = (
        iter([f"sqlite:///{tmp_path / 'plant.db'}"])
        if request.param == "sqlite"
        else _postgres_database()
    )
    for url in urls:
        try:
            plant = start(tmp_path, database_url=url, workers=WORKERS)
        except ServiceStartError as exc:
            pytest.fail(str(exc))
        try:
            yield plant
        finally:
            plant.stop()
        assert "unhandled" not in plant.log_text(), plant.log_text()


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


async def test_two_workers_create_in_parallel_and_keep_the_chain(server: PlantServer) -> None:
    pids = worker_pids(server)
    assert len(pids) == WORKERS, pids
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=0)  # spread connections
    async with httpx.AsyncClient(
        base_url=server.base_url, limits=limits, timeout=httpx.Timeout(60.0, connect=10.0)
    ) as http:
        skill_ids = [(await make_skill(http))["id"] for _ in range(2)]
        role = await make_job_role(http, skill_ids)
        before = {pid: _cpu_ticks(pid) for pid in pids}

        plain = [
            http.post("/api/v1/agents", json=agent_body(role, skill_ids, name=f"Agent {i:02d}"))
            for i in range(CREATES)
        ]
        # each body sent RETRIES times at once under one key
        keys = [f"retry-{k}-{uuid.uuid4()}" for k in range(KEYS)]
        keyed = [
            http.post(
                "/api/v1/agents",
                json=agent_body(role, skill_ids, name=f"Keyed {k}"),
                headers={"Idempotency-Key": keys[k]},
            )
            for k in range(KEYS)
            for _ in range(RETRIES)
        ]
        responses = await asyncio.wait_for(asyncio.gather(*plain, *keyed), GATHER_TIMEOUT_S)

        assert [r.status_code for r in responses] == [201] * len(responses), [
            r.text for r in responses if r.status_code != 201
        ]
        plain_ids = {r.json()["id"] for r in responses[:CREATES]}
        assert len(plain_ids) == CREATES
        for k in range(KEYS):
            retries = responses[CREATES + k * RETRIES : CREATES + (k + 1) * RETRIES]
            assert len({r.json()["id"] for r in retries}) == 1, [r.json() for r in retries]
        # both processes did part of the work: 30 ms of CPU each at least (the whole run
        # costs several hundred; an idle uvicorn worker uses about 1 ms in ten seconds)
        used = {pid: _cpu_ticks(pid) - before[pid] for pid in pids}
        assert all(ticks >= 3 for ticks in used.values()), used

        audit = (await http.post("/api/v1/audit/run", json={})).json()
    entries = 2 * 2 + 2 + CREATES + KEYS  # skills, role, one "created" per agent
    assert audit["chain"] == {**audit["chain"], "intact": True, "entries": entries}

    engine = create_engine(sync_url(server.database_url))
    try:
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(agents)).scalar() == (
                CREATES + KEYS
            )
            assert conn.execute(select(func.count()).select_from(idempotency_keys)).scalar() == (
                KEYS
            )
            report = AuditTrail(AUDIT_KEY.encode()).verify_chain(conn)
        assert (report.intact, report.entries) == (True, entries), report
    finally:
        engine.dispose()
