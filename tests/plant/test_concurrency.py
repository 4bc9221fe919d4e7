"""Concurrency against a real server: uvicorn in a subprocess, real sockets, parallel requests.

Each test starts ``python -m waooaw.cli serve plant`` on a free 127.0.0.1 port over a
fresh database (a SQLite file in ``tmp_path``, or a per-test PostgreSQL database when
``WAOOAW_TEST_POSTGRES_URL`` is set), waits for ``/ready`` and stops it afterwards.
Requests are fired together with ``asyncio.gather`` over an ``httpx.AsyncClient``
whose pool allows them all at once, so the server sees them interleaved.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from ..support.plant_server import PlantServer as Server
from ..support.plant_server import ServiceStartError
from ..support.plant_server import start as start_plant
from .conftest import BACKENDS, _postgres_database, agent_body, make_job_role, make_skill

pytestmark = pytest.mark.anyio

T = TypeVar("T")
GATHER_TIMEOUT_S = 90.0
PROBLEM = "application/problem+json"


def _serve(
    database_url: str, folder: Path, *, check_log: bool = True, serial_writes: bool = True
) -> Iterator[Server]:
    env = {} if serial_writes else {"PLANT_DB_SERIAL_WRITES": "false"}
    try:
        server = start_plant(folder, database_url=database_url, env=env)
    except ServiceStartError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        server.stop()
    if check_log:
        # a 500 is never an acceptable answer to a race: the log shows its traceback
        assert "unhandled" not in server.log_text(), server.log_text()


def _client(server: Server) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    timeout = httpx.Timeout(30.0, connect=10.0)
    return httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=timeout)


@pytest.fixture(params=BACKENDS)
def server_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database the server migrates itself on start."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'plant.db'}"
        return
    yield from _postgres_database()


@pytest.fixture
def server(server_database: str, tmp_path: Path) -> Iterator[Server]:
    yield from _serve(server_database, tmp_path)


@pytest.fixture
async def http(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(server) as client:
        yield client


async def together(*calls: Awaitable[T]) -> list[T]:
    """Run the calls concurrently, bounded in time."""
    return list(await asyncio.wait_for(asyncio.gather(*calls), GATHER_TIMEOUT_S))


async def all_items(http: httpx.AsyncClient, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 100}
    for _ in range(100):
        response = await http.get(path, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        if page["next_cursor"] is None:
            return items
        params["cursor"] = page["next_cursor"]
    raise AssertionError(f"{path} did not stop paginating")


async def test_parallel_certification_has_one_winner(http: httpx.AsyncClient) -> None:
    skill = await make_skill(http, certify=False)
    assert skill["status"] == "pending_certification"

    responses = await together(
        *(
            http.post(
                f"/api/v1/genesis/skills/{skill['id']}/certify",
                json={"certified_by": f"certifier-{i}"},
            )
            for i in range(20)
        )
    )

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 409: 19}, [(r.status_code, r.text) for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json()
    assert winner["status"] == "certified"
    for r in responses:
        if r.status_code == 409:
            assert r.headers["content-type"].startswith(PROBLEM), r.headers
            problem = r.json()
            assert problem["status"] == 409
            assert "certified" in problem["detail"]

    stored = (await http.get(f"/api/v1/genesis/skills/{skill['id']}")).json()
    assert stored["status"] == "certified"
    assert stored["certified_by"] == winner["certified_by"]
    # one "created" and exactly one "certified" entry, still chained
    tampering = (await http.get(f"/api/v1/audit/tampering/{skill['id']}")).json()
    assert tampering["intact"] is True, tampering
    assert tampering["entries_checked"] == 2


async def test_parallel_agent_creation_keeps_the_chain(http: httpx.AsyncClient) -> None:
    skills = [await make_skill(http) for _ in range(2)]
    skill_ids = [s["id"] for s in skills]
    role = await make_job_role(http, skill_ids)

    responses = await together(
        *(
            http.post("/api/v1/agents", json=agent_body(role, skill_ids, name=f"Agent {i:02d}"))
            for i in range(50)
        )
    )

    assert [r.status_code for r in responses] == [201] * 50, [
        r.text for r in responses if r.status_code != 201
    ]
    created = {r.json()["id"] for r in responses}
    assert len(created) == 50
    listed = await all_items(http, "/api/v1/agents")
    assert {a["id"] for a in listed} == created
    assert len(listed) == 50

    audit = await http.post("/api/v1/audit/run", json={})
    assert audit.status_code == 200, audit.text
    chain = audit.json()["chain"]
    # 2 skills (created, certified) + the role (created, certified) + 50 agents (created)
    assert chain == {**chain, "intact": True, "entries": 2 * 2 + 2 + 50}, chain

    for agent_id in sorted(created)[:5]:
        report = (await http.get(f"/api/v1/audit/tampering/{agent_id}")).json()
        assert report["intact"] is True, report
        assert report["entries_checked"] == 1
    report = (await http.get(f"/api/v1/audit/tampering/{role['id']}")).json()
    assert (report["intact"], report["entries_checked"]) == (True, 2), report


async def test_parallel_retries_with_one_idempotency_key_create_once(
    http: httpx.AsyncClient,
) -> None:
    key = str(uuid.uuid4())
    body = {"name": f"Idempotent {key[:8]}", "category": "technical", "description": "Once."}

    responses = await together(
        *(
            http.post("/api/v1/genesis/skills", json=body, headers={"Idempotency-Key": key})
            for _ in range(10)
        )
    )

    assert [r.status_code for r in responses] == [201] * 10, [r.text for r in responses]
    ids = {r.json()["id"] for r in responses}
    assert len(ids) == 1, ids
    skills = await all_items(http, "/api/v1/genesis/skills")
    assert [s["id"] for s in skills] == list(ids)
    audit = (await http.post("/api/v1/audit/run", json={})).json()
    assert (audit["chain"]["intact"], audit["chain"]["entries"]) == (True, 1), audit["chain"]


# -- PostgreSQL: requests held at a lock, then released together -----------------------
#
# The test holds ``LOCK TABLE skills IN SHARE MODE`` in its own transaction, so every
# skill-creating request blocks at its INSERT (after whatever it did before), waits until
# all of them are blocked (pg_stat_activity), then releases them at once. That makes the
# interleavings below deterministic instead of a matter of luck.

LOCK_WAIT_TIMEOUT_S = 20.0


@pytest.fixture
def pg_database() -> Iterator[str]:
    yield from _postgres_database()


@pytest.fixture
def pg_server(pg_database: str, tmp_path: Path) -> Iterator[Server]:
    # these tests assert on the responses; the log holds the tracebacks of any 500. They
    # test PostgreSQL's own locking, as several Plant processes meet it: the in-process
    # write queue is off so that one process's requests reach the database together
    yield from _serve(pg_database, tmp_path, check_log=False, serial_writes=False)


async def _held_at_skills(
    dsn: str, http: httpx.AsyncClient, requests: list[tuple[dict[str, Any], dict[str, str]]]
) -> list[httpx.Response]:
    """Send the skill creations while the skills table is locked; release when all wait."""
    import psycopg

    async with await psycopg.AsyncConnection.connect(dsn) as locker:
        await locker.execute("LOCK TABLE skills IN SHARE MODE")
        tasks = [
            asyncio.ensure_future(http.post("/api/v1/genesis/skills", json=b, headers=h))
            for b, h in requests
        ]
        try:
            async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as watch:
                deadline = time.monotonic() + LOCK_WAIT_TIMEOUT_S
                while True:
                    cursor = await watch.execute(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                    row = await cursor.fetchone()
                    if row is not None and row[0] >= len(requests):
                        break
                    if time.monotonic() > deadline:
                        pytest.fail("the requests never blocked on the lock")
                    await asyncio.sleep(0.02)
        finally:
            await locker.commit()
        return await together(*tasks)


def _skill(name: str) -> dict[str, Any]:
    return {"name": name, "category": "technical", "description": "Held at a lock."}


@pytest.mark.postgres
async def test_first_audited_writes_on_a_fresh_postgres_database(
    pg_server: Server, pg_database: str
) -> None:
    async with _client(pg_server) as http:
        responses = await _held_at_skills(
            pg_database, http, [(_skill(f"First {i}"), {}) for i in range(5)]
        )
        assert [r.status_code for r in responses] == [201] * 5, [r.text for r in responses]
        audit = (await http.post("/api/v1/audit/run", json={})).json()
        assert (audit["chain"]["intact"], audit["chain"]["entries"]) == (True, 5)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "key",
    [
        "a3c1e2d4-plain-key",
        "retry-after-timeout-7",
    ],
)
async def test_concurrent_retry_blocked_on_the_idempotency_key_replays(
    pg_server: Server, pg_database: str, key: str
) -> None:
    async with _client(pg_server) as http:
        # an earlier write creates the audit head (see the test above)
        warm = await http.post("/api/v1/genesis/skills", json=_skill("Warm-up"))
        assert warm.status_code == 201, warm.text
        # the first request reserves the key and blocks at the skills INSERT; the second
        # blocks inserting the same key until the first commits, then must replay it
        body = _skill("Idempotent under a lock")
        responses = await _held_at_skills(pg_database, http, [(body, {"Idempotency-Key": key})] * 2)
        assert [r.status_code for r in responses] == [201, 201], [r.text for r in responses]
        assert responses[0].json()["id"] == responses[1].json()["id"]
