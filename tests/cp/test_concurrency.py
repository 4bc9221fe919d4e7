"""Races against a real CP server: uvicorn in a subprocess over a SQLite file (WAL) or a
PostgreSQL database, a real Plant behind it, 50 requests fired together.

One trial per customer per agent is the database's unique constraint, not a
check-then-insert: 50 identical requests create exactly one trial and get 49 problem+json
409s, never a 5xx.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from waooaw.services.common.db import sync_url
from waooaw.services.cp.storage.tables import trials
from waooaw.services.plant.seeding import Catalogue
from waooaw.services.process import ServiceStartError

from ..support.cp_server import CpServer
from ..support.cp_server import start as start_cp
from ..support.plant_server import PlantServer
from .conftest import PROBLEM, auth

pytestmark = pytest.mark.anyio

PARALLEL = 50


@pytest.fixture
def cp_server(
    empty_database: str, plant: PlantServer, seeded: Catalogue, tmp_path: Path
) -> Iterator[CpServer]:
    try:
        server = start_cp(tmp_path / "cp", database_url=empty_database, plant_url=plant.base_url)
    except ServiceStartError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        server.stop()
    # a 500 is never an acceptable answer to a race: the log would show its traceback
    assert "unhandled" not in server.log_text(), server.log_text()


@pytest.fixture
async def http(cp_server: CpServer) -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=PARALLEL, max_keepalive_connections=PARALLEL)
    async with httpx.AsyncClient(
        base_url=cp_server.base_url, limits=limits, timeout=httpx.Timeout(60.0)
    ) as client:
        yield client


def count_trials(database_url: str, agent_id: str) -> int:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(trials).where(trials.c.agent_id == agent_id)
                ).scalar_one()
            )
    finally:
        engine.dispose()


async def test_duplicate_trials_race_to_exactly_one(
    http: httpx.AsyncClient, cp_server: CpServer, seeded: Catalogue, backend: str
) -> None:
    agent = str(seeded.agents[0].id)
    headers = auth("racer")
    answers = await asyncio.wait_for(
        asyncio.gather(
            *(
                http.post("/api/v1/trials", json={"agent_id": agent}, headers=headers)
                for _ in range(PARALLEL)
            )
        ),
        120,
    )
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {201: 1, 409: PARALLEL - 1}, (backend, statuses)
    for answer in answers:
        if answer.status_code == 409:
            assert answer.headers["content-type"] == PROBLEM
            assert answer.json()["type"].endswith("/trial-exists")
    assert count_trials(cp_server.database_url, agent) == 1
    if backend == "sqlite":
        path = cp_server.database_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_different_customers_each_get_a_trial(
    http: httpx.AsyncClient, cp_server: CpServer, seeded: Catalogue, backend: str
) -> None:
    agent = str(seeded.agents[1].id)
    answers = await asyncio.wait_for(
        asyncio.gather(
            *(
                http.post("/api/v1/trials", json={"agent_id": agent}, headers=auth(f"cust-{i}"))
                for i in range(PARALLEL)
            )
        ),
        120,
    )
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {201: PARALLEL}, (backend, statuses, [a.text for a in answers][:3])
    assert len({a.json()["id"] for a in answers}) == PARALLEL
    assert count_trials(cp_server.database_url, agent) == PARALLEL
    # the sign-up counter moved with every trial, none lost to the race
    card = await http.get(f"/api/v1/marketplace/agents/{agent}")
    assert card.json()["trial_signups"] == PARALLEL


def test_database_urls_are_what_the_backend_says(empty_database: str, backend: str) -> None:
    assert sync_url(empty_database).get_backend_name() == backend
