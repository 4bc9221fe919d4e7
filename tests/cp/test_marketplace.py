"""The marketplace against a real Plant: cards from Plant's agents with CP's data, filters,
search, sorting, cursors, profiles and reviews."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from waooaw.generated.plant import models as plant_models
from waooaw.generated.plant.client import PlantClient
from waooaw.services.plant.seeding import Catalogue, agent_create

from ..support.plant_server import PlantServer
from .conftest import PROBLEM, auth, plant_sql

pytestmark = pytest.mark.anyio


async def list_all(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/api/v1/marketplace/agents", params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def start_trial(client: httpx.AsyncClient, agent_id: str, customer: str) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/trials", json={"agent_id": agent_id}, headers=auth(customer)
    )
    assert response.status_code == 201, response.text
    trial: dict[str, Any] = response.json()
    return trial


async def review(
    client: httpx.AsyncClient, agent_id: str, customer: str, rating: int, name: str | None = None
) -> httpx.Response:
    return await client.post(
        f"/api/v1/marketplace/agents/{agent_id}/reviews",
        json={"rating": rating, "text": f"{rating} stars from {customer}"},
        headers=auth(customer, name=name),
    )


def make_agent(
    plant: PlantServer, seeded: Catalogue, *, priced: bool = True, **overrides: Any
) -> plant_models.AgentResponse:
    ids = [s.id for s in seeded.skills]
    body = agent_create(seeded.job_role, ids, 99, **overrides)
    if not priced:
        values = body.model_dump(mode="json", exclude={"price_per_month"})
        body = plant_models.AgentCreate.model_validate(values)
    with PlantClient(plant.base_url) as client:
        return client.create_agent(body=body)


async def test_cards_come_from_plant_with_cp_data(
    client: httpx.AsyncClient, seeded: Catalogue
) -> None:
    cards = await list_all(client)
    by_id = {c["id"]: c for c in cards}
    for agent in seeded.agents:
        card = by_id[str(agent.id)]
        assert card["name"] == agent.name
        assert card["industry"] == {
            "id": str(agent.industry_id),
            "name": "Marketing",
            "slug": "marketing",
        }
        assert card["specialties"] == agent.specialties
        assert card["specialty"] == agent.specialties[0]
        assert card["price_per_month"] == agent.price_per_month
        # nothing placeholder: no reviews, no trials, no tasks yet
        assert card["rating"] is None
        assert card["reviews_count"] == 0
        assert card["trial_signups"] == 0
        assert card["status"] == "available"
        assert card["activity"] == {
            "summary": "No tasks yet",
            "tasks_completed_24h": 0,
            "tasks_running": 0,
            "last_active_at": None,
        }


async def test_rating_and_reviews_are_computed_from_reviews(
    client: httpx.AsyncClient, cp_app: FastAPI, seeded: Catalogue
) -> None:
    agent = str(seeded.agents[0].id)
    for i, stars in enumerate([5, 4, 4]):
        await start_trial(client, agent, f"rater-{i}")
        response = await review(client, agent, f"rater-{i}", stars, name=f"Rater {i}")
        assert response.status_code == 201, response.text
        assert response.json()["author"] == f"Rater {i}"
    card = next(c for c in await list_all(client) if c["id"] == agent)
    assert card["reviews_count"] == 3
    assert card["rating"] == round(13 / 3, 2)
    assert card["trial_signups"] == 3

    # the aggregate equals what the reviews table says
    from waooaw.services.cp.storage.tables import catalogue, reviews

    db = cp_app.state.context.db
    async with db.read() as conn:
        total, count = (
            await conn.execute(
                select(func.sum(reviews.c.rating), func.count()).where(reviews.c.agent_id == agent)
            )
        ).one()
        row = (await conn.execute(select(catalogue).where(catalogue.c.id == agent))).one()
    assert (row.rating_sum, row.reviews_count) == (total, count)
    assert row.rating_milli == 13 * 1000 // 3

    detail = (await client.get(f"/api/v1/marketplace/agents/{agent}")).json()
    assert detail["rating_distribution"] == [
        {"stars": 5, "count": 1},
        {"stars": 4, "count": 2},
        {"stars": 3, "count": 0},
        {"stars": 2, "count": 0},
        {"stars": 1, "count": 0},
    ]
    assert [r["rating"] for r in detail["recent_reviews"]] == [4, 4, 5]
    listed = (await client.get(f"/api/v1/marketplace/agents/{agent}/reviews?limit=2")).json()
    assert len(listed["items"]) == 2 and listed["next_cursor"] is not None
    rest = (
        await client.get(
            f"/api/v1/marketplace/agents/{agent}/reviews",
            params={"limit": 2, "cursor": listed["next_cursor"]},
        )
    ).json()
    assert [r["rating"] for r in listed["items"] + rest["items"]] == [4, 4, 5]


async def test_one_review_per_customer_and_only_after_a_trial(
    client: httpx.AsyncClient, seeded: Catalogue
) -> None:
    agent = str(seeded.agents[1].id)
    no_trial = await review(client, agent, "stranger", 5)
    assert no_trial.status_code == 403, no_trial.text
    assert no_trial.headers["content-type"] == PROBLEM
    await start_trial(client, agent, "critic")
    assert (await review(client, agent, "critic", 2)).status_code == 201
    again = await review(client, agent, "critic", 3)
    assert again.status_code == 409, again.text
    assert again.headers["content-type"] == PROBLEM
    invalid = await client.post(
        f"/api/v1/marketplace/agents/{agent}/reviews",
        json={"rating": 6, "text": "too many"},
        headers=auth("critic"),
    )
    assert invalid.status_code == 422
    anonymous = await client.post(
        f"/api/v1/marketplace/agents/{agent}/reviews", json={"rating": 3, "text": "x"}
    )
    assert anonymous.status_code == 401


async def test_filters_search_and_sorting(
    client: httpx.AsyncClient, cp_app: FastAPI, plant: PlantServer, seeded: Catalogue
) -> None:
    tag = f"Tag-{uuid.uuid4().hex[:6]}"
    price = 19_000 + uuid.uuid4().int % 1000  # this run's own: Plant outlives the test
    special = make_agent(
        plant,
        seeded,
        name=f"Healthcare Writer {tag}",
        specialties=["Healthcare", tag],
        price_per_month=price,
    )
    unpriced = make_agent(plant, seeded, name=f"Unpriced {tag}", priced=False)
    await cp_app.state.context.catalogue.refresh(force=True)
    every = await list_all(client)
    assert {str(special.id), str(unpriced.id)} <= {c["id"] for c in every}

    by_tag = await list_all(client, specialty=tag.lower())
    assert [c["id"] for c in by_tag] == [str(special.id)]
    either = await list_all(client, specialty=[tag, "no-such-tag"])
    assert [c["id"] for c in either] == [str(special.id)]
    searched = await list_all(client, q=f"WRITER {tag}".upper())  # case-insensitive
    assert [c["id"] for c in searched] == [str(special.id)]
    by_specialty_text = await list_all(client, q="healthc")
    assert str(special.id) in {c["id"] for c in by_specialty_text}
    assert await list_all(client, q="%") == []  # LIKE wildcards are literal

    priced = await list_all(client, min_price=price, max_price=price)
    assert [c["id"] for c in priced] == [str(special.id)]
    assert all(c["price_per_month"] is not None for c in await list_all(client, min_price=0))
    assert await list_all(client, industry="sales") == []
    assert await list_all(client, industry="no-such-industry") == []
    assert len(await list_all(client, industry="marketing")) == len(every)

    def priced_then_unpriced(prices: list[int | None], *, reverse: bool) -> None:
        known = [p for p in prices if p is not None]
        assert known, prices
        assert prices == [*sorted(known, reverse=reverse), *[None] * (len(prices) - len(known))]

    priced_then_unpriced(
        [c["price_per_month"] for c in await list_all(client, sort="price_asc")], reverse=False
    )
    priced_then_unpriced(
        [c["price_per_month"] for c in await list_all(client, sort="price_desc")], reverse=True
    )
    names = [c["name"].lower() for c in await list_all(client, sort="name", limit=2)]
    assert names == sorted(names)
    newest = await list_all(client, sort="newest")
    assert newest[0]["id"] == str(unpriced.id)

    # rating: best first, unrated last; min_rating leaves the unrated out
    rated = str(seeded.agents[2].id)
    await start_trial(client, rated, "fan")
    assert (await review(client, rated, "fan", 5)).status_code == 201
    top = await list_all(client, sort="rating")
    assert top[0]["id"] == rated
    assert [c["id"] for c in await list_all(client, min_rating=4.5)] == [rated]
    assert await list_all(client, min_rating=5.0) == [top[0]]
    popular = await list_all(client, sort="popular")
    assert popular[0]["id"] == rated


async def test_pages_are_bounded_and_cursors_continue_only_their_query(
    client: httpx.AsyncClient,
) -> None:
    first = await client.get("/api/v1/marketplace/agents", params={"limit": 1, "sort": "name"})
    assert first.status_code == 200
    page = first.json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    same = await client.get(
        "/api/v1/marketplace/agents",
        params={"limit": 1, "sort": "name", "cursor": page["next_cursor"]},
    )
    assert same.status_code == 200
    assert same.json()["items"][0]["id"] != page["items"][0]["id"]
    other = await client.get(
        "/api/v1/marketplace/agents",
        params={"limit": 1, "sort": "rating", "cursor": page["next_cursor"]},
    )
    assert other.status_code == 422, other.text
    assert other.json()["violations"][0]["field"] == "query.cursor"
    garbage = await client.get("/api/v1/marketplace/agents", params={"cursor": "not-a-cursor"})
    assert garbage.status_code == 422
    too_big = await client.get("/api/v1/marketplace/agents", params={"limit": 101})
    assert too_big.status_code == 422
    backwards = await client.get(
        "/api/v1/marketplace/agents", params={"min_price": 10, "max_price": 5}
    )
    assert backwards.status_code == 422
    assert backwards.json()["violations"][0]["field"] == "query.max_price"


async def test_profile_has_plant_skills_and_cp_retention(
    client: httpx.AsyncClient, seeded: Catalogue
) -> None:
    agent = seeded.agents[3]
    detail = await client.get(f"/api/v1/marketplace/agents/{agent.id}")
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["description"] == agent.description
    assert [s["id"] for s in body["skills"]] == [str(s) for s in agent.skills]
    assert [s["name"] for s in body["skills"]] == [s.name for s in seeded.skills]
    assert body["job_role"] == {
        "id": str(seeded.job_role.id),
        "name": seeded.job_role.name,
        "seniority": "mid",
    }
    assert body["retention_rate"] is None and body["trials_converted"] == 0
    assert body["trial_days"] == 7 and body["trial_budget_usd"] == 5.0
    assert body["sandbox_url"] == agent.trial_mode_sandbox_url

    trials = [await start_trial(client, str(agent.id), f"ret-{i}") for i in range(3)]
    headers = [auth(f"ret-{i}") for i in range(3)]
    assert (
        await client.post(f"/api/v1/trials/{trials[0]['id']}/convert", headers=headers[0])
    ).status_code == 200
    assert (
        await client.post(f"/api/v1/trials/{trials[1]['id']}/cancel", headers=headers[1])
    ).status_code == 200
    body = (await client.get(f"/api/v1/marketplace/agents/{agent.id}")).json()
    assert body["trial_signups"] == 3
    assert body["trials_converted"] == 1
    assert body["retention_rate"] == 0.5  # 1 converted of 2 ended; the third is still active

    missing = await client.get(f"/api/v1/marketplace/agents/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM
    reviews = await client.get(f"/api/v1/marketplace/agents/{uuid.uuid4()}/reviews")
    assert reviews.status_code == 404


async def test_status_follows_plant_and_running_tasks(
    client: httpx.AsyncClient, cp_app: FastAPI, plant: PlantServer, seeded: Catalogue
) -> None:
    suspended = make_agent(plant, seeded, name="Soon suspended")
    retired = make_agent(plant, seeded, name="Soon retired")
    plant_sql(plant, "UPDATE agents SET status = 'suspended' WHERE id = ?", str(suspended.id))
    plant_sql(plant, "UPDATE agents SET status = 'retired' WHERE id = ?", str(retired.id))
    await cp_app.state.context.catalogue.refresh(force=True)
    cards = {c["id"]: c for c in await list_all(client)}
    assert cards[str(suspended.id)]["status"] == "offline"
    assert str(retired.id) not in cards, "retired agents are not listed"
    refused = await client.post(
        "/api/v1/trials", json={"agent_id": str(suspended.id)}, headers=auth("eager")
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"].endswith("/agent-unavailable")


async def test_working_while_a_task_runs(
    plant: PlantServer, seeded: Catalogue, database_url: str
) -> None:
    from waooaw.services.cp import create_app

    from .conftest import JWT, settings_for

    app = create_app(settings_for(database_url, plant.base_url, sandbox_seconds=1.5), jwt=JWT)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cp") as client:
            agent = str(seeded.agents[0].id)
            await start_trial(client, agent, "busy")
            task = await client.post(
                f"/api/v1/agents/{agent}/execute", json={"task": "Long one"}, headers=auth("busy")
            )
            assert task.status_code == 202
            for _ in range(100):
                card = next(c for c in await list_all(client) if c["id"] == agent)
                if card["status"] == "working":
                    break
                await asyncio.sleep(0.02)
            assert card["status"] == "working"
            assert card["activity"]["tasks_running"] == 1
            assert card["activity"]["summary"] == "Working on 1 task now"
            for _ in range(200):
                card = next(c for c in await list_all(client) if c["id"] == agent)
                if card["status"] == "available":
                    break
                await asyncio.sleep(0.05)
            assert card["status"] == "available"
            assert card["activity"]["tasks_completed_24h"] == 1
            assert card["activity"]["last_active_at"] is not None
