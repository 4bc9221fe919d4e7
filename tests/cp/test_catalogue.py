"""CP's copy of Plant's agents: refreshed with a bounded staleness, served while Plant is
down within that bound, refused (503) beyond it, refreshed by one CP process at a time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from waooaw.generated.plant.client import PlantClient
from waooaw.services.cp import create_app
from waooaw.services.plant.seeding import Catalogue, agent_create

from ..support.plant_server import PlantServer, free_port
from .conftest import JWT, PROBLEM, auth, settings_for

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def serving(
    database_url: str, plant_url: str, **overrides: Any
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """A CP app over ``database_url`` without background loops: requests do the work."""
    app = create_app(settings_for(database_url, plant_url, **overrides), jwt=JWT, background=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cp") as client:
            yield app, client


def dead_plant() -> str:
    return f"http://127.0.0.1:{free_port()}"  # nothing listens there


async def ids(client: httpx.AsyncClient) -> set[str]:
    response = await client.get("/api/v1/marketplace/agents", params={"limit": 100})
    assert response.status_code == 200, response.text
    return {c["id"] for c in response.json()["items"]}


async def test_first_list_fills_the_copy_and_readiness_says_when(
    database_url: str, plant: PlantServer, seeded: Catalogue
) -> None:
    async with serving(database_url, plant.base_url) as (_, client):
        before = (await client.get("/ready")).json()
        assert before["catalogue_synced_at"] is None
        assert {str(a.id) for a in seeded.agents} <= await ids(client)
        after = (await client.get("/ready")).json()
        assert after["catalogue_synced_at"] is not None


async def test_a_stale_copy_is_refreshed_before_answering(
    database_url: str, plant: PlantServer, seeded: Catalogue
) -> None:
    # the bound: no list answer is older than CP_PLANT_MAX_STALE_SECONDS
    async with serving(
        database_url, plant.base_url, plant_cache_seconds=0.1, plant_max_stale_seconds=0.2
    ) as (_, client):
        await ids(client)
        with PlantClient(plant.base_url) as admin:
            new = admin.create_agent(
                body=agent_create(seeded.job_role, [s.id for s in seeded.skills], 42)
            )
        await asyncio.sleep(0.3)
        assert str(new.id) in await ids(client)


async def test_plant_down_within_the_bound_then_beyond_it(
    database_url: str, plant: PlantServer, seeded: Catalogue
) -> None:
    async with serving(database_url, plant.base_url) as (app, client):
        await app.state.context.catalogue.refresh(force=True)
        expected = await ids(client)
    # Plant unreachable, copy fresh: the list is served from CP's copy
    async with serving(database_url, dead_plant()) as (_, client):
        assert await ids(client) == expected
        profile = await client.get(f"/api/v1/marketplace/agents/{seeded.agents[0].id}")
        assert profile.status_code == 503, profile.text
        assert profile.headers["content-type"] == PROBLEM
        assert int(profile.headers["retry-after"]) > 0
        trial = await client.post(
            "/api/v1/trials",
            json={"agent_id": str(seeded.agents[0].id)},
            headers=auth("down-customer"),
        )
        assert trial.status_code == 503
    # Plant unreachable, copy older than the bound: refused rather than stale
    await asyncio.sleep(0.3)
    async with serving(
        database_url, dead_plant(), plant_cache_seconds=0.1, plant_max_stale_seconds=0.2
    ) as (_, client):
        refused = await client.get("/api/v1/marketplace/agents")
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"] == PROBLEM
        assert "retry-after" in refused.headers


async def test_one_process_refreshes_at_a_time(
    database_url: str, plant: PlantServer, seeded: Catalogue
) -> None:
    async with (
        serving(database_url, plant.base_url) as (first, _),
        serving(database_url, plant.base_url) as (second, _),
    ):
        catalogue = first.state.context.catalogue
        assert await catalogue.refresh() is True
        # the next refresh waits CP_PLANT_CACHE_SECONDS, or 4 listings if that is longer
        assert catalogue.last_pass_seconds > 0
        catalogue.last_pass_seconds = 100.0
        assert catalogue.period() == 400.0
        catalogue.last_pass_seconds = 0.001
        assert catalogue.period() == first.state.context.settings.plant_cache_seconds
        # the first holds the lease for CP_PLANT_CACHE_SECONDS: the second skips its turn
        assert await second.state.context.catalogue.refresh() is False
        assert await second.state.context.catalogue.refresh(force=True) is True
