"""Layers 5 and 7's storage on a real database: budgets under concurrency, the route table's
atomic switch, rollback and weights, and the cache that follows them."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from waooaw.runtime.server import ProblemError
from waooaw.services.common.db import Database
from waooaw.services.gateway.budget import BudgetGate
from waooaw.services.gateway.routing import RouteCache
from waooaw.services.gateway.storage import budgets as budget_store
from waooaw.services.gateway.storage import routes as store

pytestmark = pytest.mark.anyio


async def test_100_parallel_reservations_never_pass_the_cap(database_url: str) -> None:
    db = Database.connect(database_url, pool_size=20)
    gate = BudgetGate(db, agent_cap=10_000_000, trial_cap=1_000_000)
    cost = 30_000  # 33 fit in the trial's cap of 1 000 000

    async def one() -> bool:
        try:
            hold = await gate.reserve(agent_id="agent-1", trial_id="trial-1", amount=cost)
        except ProblemError as exc:
            assert exc.status == 402
            assert exc.extra["scope"] == "trial"
            assert 0 <= exc.extra["remaining_micros"] < cost
            return False
        await asyncio.sleep(0.01)
        await gate.settle(hold, cost)
        return True

    try:
        outcomes = await asyncio.gather(*(one() for _ in range(100)))
        async with db.read() as conn:
            rows = {b.scope: b for b in await budget_store.list_budgets(conn, after=0, limit=10)}
    finally:
        await db.dispose()
    assert sum(outcomes) == 1_000_000 // cost
    trial = rows["trial"]
    assert trial.spent_micros == sum(outcomes) * cost <= trial.cap_micros
    assert trial.reserved_micros == 0 and trial.executions == sum(outcomes)
    # the agent's budget was charged for exactly the same executions
    assert rows["agent"].spent_micros == trial.spent_micros


async def test_a_released_reservation_charges_nothing(database_url: str) -> None:
    db = Database.connect(database_url)
    gate = BudgetGate(db, agent_cap=100, trial_cap=100)
    try:
        hold = await gate.reserve(agent_id="a", trial_id=None, amount=100)
        with pytest.raises(ProblemError) as full:
            await gate.reserve(agent_id="a", trial_id=None, amount=1)
        assert full.value.status == 402 and full.value.extra["remaining_micros"] == 0
        await gate.settle(hold, None)
        again = await gate.reserve(agent_id="a", trial_id=None, amount=100)
        await gate.settle(again, 60)
        async with db.read() as conn:
            (row,) = await budget_store.list_budgets(conn, after=0, limit=10)
    finally:
        await db.dispose()
    assert (row.spent_micros, row.reserved_micros, row.executions) == (60, 0, 1)
    assert row.remaining_micros == 40


async def _routes(db: Database) -> None:
    async with db.write() as conn:
        for version, weight in (("blue", 100), ("green", 0)):
            await store.create_route(
                conn,
                match="/api/v1/",
                pool="default",
                version=version,
                upstream_url=f"http://{version}.invalid:1",
                weight=weight,
                enabled=True,
            )


async def test_switch_and_rollback_are_atomic_and_followed_by_the_cache(database_url: str) -> None:
    db = Database.connect(database_url)
    cache = RouteCache(db)
    try:
        await _routes(db)
        snap = await cache.refresh()
        picks = Counter(
            snap.choose("listAgents", "/api/v1/agents", "default").version for _ in range(50)
        )  # type: ignore[union-attr]
        assert picks == {"blue": 50}
        async with db.write() as conn:
            gen, rows = await store.switch(conn, match="/api/v1/", pool="default", version="green")
        assert {r.version: (r.weight, r.previous_weight) for r in rows} == {
            "blue": (0, 100),
            "green": (100, 0),
        }
        snap = await cache.refresh()
        assert snap.generation == gen
        assert {snap.choose("x", "/api/v1/agents", "default").version for _ in range(50)} == {
            "green"
        }  # type: ignore[union-attr]
        async with db.write() as conn:
            await store.rollback(conn, match="/api/v1/", pool="default")
        snap = await cache.refresh()
        assert {snap.choose("x", "/api/v1/agents", "default").version for _ in range(50)} == {
            "blue"
        }  # type: ignore[union-attr]
        # nothing left to roll back
        async with db.write() as conn:
            with pytest.raises(ProblemError) as nothing:
                await store.rollback(conn, match="/api/v1/", pool="default")
        assert nothing.value.status == 409
    finally:
        await db.dispose()


async def test_canary_weights_split_the_traffic(database_url: str) -> None:
    db = Database.connect(database_url)
    cache = RouteCache(db)
    try:
        await _routes(db)
        async with db.write() as conn:
            await store.set_weights(
                conn, match="/api/v1/", pool="default", weights={"blue": 80, "green": 20}
            )
            with pytest.raises(ProblemError) as zero:
                await store.set_weights(
                    conn, match="/api/v1/", pool="default", weights={"blue": 0, "green": 0}
                )
            assert zero.value.status == 422
            with pytest.raises(ProblemError) as unknown:
                await store.set_weights(conn, match="/api/v1/", pool="default", weights={"red": 1})
            assert unknown.value.status == 404
        snap = await cache.refresh()
        picks = Counter(snap.choose("x", "/api/v1/agents", "default").version for _ in range(2000))  # type: ignore[union-attr]
        assert 0.15 < picks["green"] / 2000 < 0.25
        # a path outside every prefix, or another pool, has no route
        assert snap.choose("x", "/other", "default") is None
        assert snap.choose("x", "/api/v1/agents", "sandbox") is None
    finally:
        await db.dispose()


async def test_a_version_exists_once_per_match_and_pool(database_url: str) -> None:
    db = Database.connect(database_url)
    try:
        await _routes(db)
        with pytest.raises(ProblemError) as twice:
            async with db.write() as conn:
                await store.create_route(
                    conn,
                    match="/api/v1/",
                    pool="default",
                    version="blue",
                    upstream_url="http://x.invalid:1",
                    weight=0,
                    enabled=True,
                )
        assert twice.value.status == 409
    finally:
        await db.dispose()


async def test_another_process_change_reaches_the_cache_through_the_generation(
    database_url: str,
) -> None:
    db = Database.connect(database_url)
    other = Database.connect(database_url)
    cache = RouteCache(db, poll_seconds=0.02)
    stop = asyncio.Event()
    try:
        await _routes(db)
        await cache.refresh()
        watcher = asyncio.create_task(cache.watch(stop))
        async with other.write() as conn:
            gen, _ = await store.switch(conn, match="/api/v1/", pool="default", version="green")
        for _ in range(200):
            if cache.snapshot.generation == gen:
                break
            await asyncio.sleep(0.01)
        assert cache.snapshot.choose("x", "/api/v1/a", "default").version == "green"  # type: ignore[union-attr]
        stop.set()
        await watcher
    finally:
        await db.dispose()
        await other.dispose()
