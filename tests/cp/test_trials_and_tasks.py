"""Trials and task execution in process: lifecycle, expiry without a call, the budget cap,
the queue's outcomes (results as deliverables, failures), idempotency and the event stream."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from waooaw.services.common.values import ts
from waooaw.services.cp import create_app
from waooaw.services.cp.storage.tables import activity, tasks, trials
from waooaw.services.cp.worker import Sweeper
from waooaw.services.plant.seeding import Catalogue

from ..support.plant_server import PlantServer
from .conftest import JWT, PROBLEM, auth, settings_for

pytestmark = pytest.mark.anyio

TERMINAL = {"completed", "failed"}


async def start_trial(client: httpx.AsyncClient, agent_id: str, customer: str) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/trials", json={"agent_id": agent_id}, headers=auth(customer)
    )
    assert response.status_code == 201, response.text
    trial: dict[str, Any] = response.json()
    return trial


async def execute(
    client: httpx.AsyncClient,
    agent_id: str,
    customer: str,
    task: str = "Analyze pricing",
    **kw: Any,
) -> httpx.Response:
    return await client.post(
        f"/api/v1/agents/{agent_id}/execute", json={"task": task, **kw}, headers=auth(customer)
    )


async def wait_task(client: httpx.AsyncClient, task_id: str, customer: str) -> dict[str, Any]:
    for _ in range(500):
        response = await client.get(f"/api/v1/tasks/{task_id}", headers=auth(customer))
        assert response.status_code == 200, response.text
        task: dict[str, Any] = response.json()
        if task["status"] in TERMINAL:
            return task
        await asyncio.sleep(0.02)
    raise AssertionError(f"task {task_id} did not finish: {task}")


async def expire(app: FastAPI, trial_id: str) -> None:
    """Move a trial's end into the past, as seven days passing would."""
    past = ts(app.state.context.clock() - timedelta(seconds=1))
    async with app.state.context.db.write() as conn:
        await conn.execute(
            update(trials)
            .where(trials.c.id == trial_id)
            .values(started_at=ts(app.state.context.clock() - timedelta(days=7)), expires_at=past)
        )


async def test_trial_lasts_seven_days_and_is_one_per_customer_and_agent(
    client: httpx.AsyncClient, seeded: Catalogue
) -> None:
    agent = str(seeded.agents[0].id)
    trial = await start_trial(client, agent, "ann")
    assert trial["status"] == "active" and trial["trial_mode"] is True
    started = trial["started_at"]
    from datetime import datetime

    length = datetime.fromisoformat(trial["expires_at"]) - datetime.fromisoformat(started)
    assert length == timedelta(days=7)
    assert trial["time_remaining_seconds"] == 7 * 86400
    assert trial["budget"] == {
        "limit_usd": 5.0,
        "spent_usd": 0.0,
        "reserved_usd": 0.0,
        "remaining_usd": 5.0,
    }
    again = await client.post("/api/v1/trials", json={"agent_id": agent}, headers=auth("ann"))
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM
    assert again.json()["type"].endswith("/trial-exists")
    other = await start_trial(client, agent, "bob")
    assert other["id"] != trial["id"]
    missing = await client.post(
        "/api/v1/trials", json={"agent_id": str(uuid.uuid4())}, headers=auth("ann")
    )
    assert missing.status_code == 404
    # the customer is the token's subject; a body naming another is refused by the contract
    smuggled = await client.post(
        "/api/v1/trials", json={"agent_id": agent, "customer_id": "bob"}, headers=auth("cy")
    )
    assert smuggled.status_code == 422

    listed = (await client.get("/api/v1/trials", headers=auth("ann"))).json()
    assert [t["id"] for t in listed["items"]] == [trial["id"]]
    me = (await client.get("/api/v1/me", headers=auth("ann", name="Ann Smith"))).json()
    assert me == {
        "id": "ann",
        "display_name": "Ann Smith",
        "created_at": me["created_at"],
        "trials_active": 1,
        "trials_total": 1,
    }


async def test_idempotent_trial_creation_replays_the_first_answer(
    client: httpx.AsyncClient, seeded: Catalogue
) -> None:
    agent = str(seeded.agents[1].id)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await client.post(
        "/api/v1/trials", json={"agent_id": agent}, headers={**auth("ida"), **key}
    )
    second = await client.post(
        "/api/v1/trials", json={"agent_id": agent}, headers={**auth("ida"), **key}
    )
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    # the same key from another customer is another key
    theirs = await client.post(
        "/api/v1/trials", json={"agent_id": agent}, headers={**auth("idb"), **key}
    )
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]


async def test_execution_result_becomes_a_deliverable_and_is_charged(
    client: httpx.AsyncClient, seeded: Catalogue
) -> None:
    agent = str(seeded.agents[0].id)
    trial = await start_trial(client, agent, "exe")
    accepted = await execute(
        client, agent, "exe", "Analyze competitor pricing", context={"region": "NA"}
    )
    assert accepted.status_code == 202, accepted.text
    body = accepted.json()
    assert body["status"] == "pending" and body["sandbox_mode"] is True
    assert body["trial_id"] == trial["id"]
    task = await wait_task(client, body["task_id"], "exe")
    assert task["status"] == "completed", task
    assert task["attempts"] == 1
    assert task["result"]["sandbox"] is True
    assert task["result"]["summary"] == "Sandbox result for: Analyze competitor pricing"
    assert task["started_at"] is not None and task["finished_at"] >= task["started_at"]
    cost = task["cost"]
    assert cost["total_usd"] == pytest.approx(cost["compute_usd"] + cost["model_usd"])
    assert 0 < cost["total_usd"] <= task["cost_estimate_usd"]

    deliverables = (
        await client.get(f"/api/v1/trials/{trial['id']}/deliverables", headers=auth("exe"))
    ).json()["items"]
    assert [d["task_id"] for d in deliverables] == [task["id"]]
    assert deliverables[0]["id"] == task["deliverable_id"]
    assert deliverables[0]["content"] == task["result"]
    assert deliverables[0]["title"] == "Analyze competitor pricing"

    dashboard = (
        await client.get(f"/api/v1/trials/{trial['id']}/dashboard", headers=auth("exe"))
    ).json()
    assert dashboard["trial"]["deliverables_count"] == 1
    assert dashboard["budget"]["spent_usd"] == cost["total_usd"]
    assert dashboard["budget"]["reserved_usd"] == 0.0
    assert dashboard["tasks"] == {"pending": 0, "running": 0, "completed": 1, "failed": 0}
    assert dashboard["time_remaining"]["label"].endswith("remaining")
    assert dashboard["notice"].startswith("Trial mode - limited functionality")
    kinds = [a["kind"] for a in dashboard["activity"]]
    assert kinds == ["task_completed", "task_started", "task_queued", "trial_started"]

    # the same input gives the same result: the sandbox is deterministic
    again = await execute(
        client, agent, "exe", "Analyze competitor pricing", context={"region": "NA"}
    )
    repeat = await wait_task(client, again.json()["task_id"], "exe")
    assert repeat["result"] == task["result"] and repeat["cost"] == task["cost"]


async def test_failed_task_is_recorded_without_a_deliverable(
    client: httpx.AsyncClient, seeded: Catalogue
) -> None:
    agent = str(seeded.agents[0].id)
    trial = await start_trial(client, agent, "fay")
    accepted = await execute(client, agent, "fay", "Break", context={"simulate": "failure"})
    task = await wait_task(client, accepted.json()["task_id"], "fay")
    assert task["status"] == "failed"
    assert task["error"]["code"] == "execution_failed"
    assert task["deliverable_id"] is None and task["result"] is None
    assert task["cost"]["total_usd"] == 0.25
    fresh = (await client.get(f"/api/v1/trials/{trial['id']}", headers=auth("fay"))).json()
    assert fresh["deliverables_count"] == 0
    assert fresh["budget"]["spent_usd"] == 0.25 and fresh["budget"]["reserved_usd"] == 0.0


async def test_execute_needs_an_active_unexpired_trial(
    client: httpx.AsyncClient, cp_app: FastAPI, seeded: Catalogue
) -> None:
    agent = str(seeded.agents[2].id)
    none = await execute(client, agent, "nat")
    assert none.status_code == 409, none.text
    assert none.json()["type"].endswith("/no-active-trial")
    trial = await start_trial(client, agent, "nat")
    await expire(cp_app, trial["id"])
    expired = await execute(client, agent, "nat")
    assert expired.status_code == 409
    assert expired.json()["type"].endswith("/no-active-trial")
    assert "completed" in expired.json()["detail"]


async def test_expired_trials_stop_being_active_without_a_call(
    client: httpx.AsyncClient, cp_app: FastAPI, seeded: Catalogue
) -> None:
    agent = str(seeded.agents[3].id)
    trial = await start_trial(client, agent, "eve")
    await expire(cp_app, trial["id"])
    # every read shows it completed at once, before anything records it
    read = (await client.get(f"/api/v1/trials/{trial['id']}", headers=auth("eve"))).json()
    assert read["status"] == "completed"
    assert read["time_remaining_seconds"] == 0 and read["ended_at"] == read["expires_at"]
    active = (await client.get("/api/v1/trials?status=active", headers=auth("eve"))).json()
    completed = (await client.get("/api/v1/trials?status=completed", headers=auth("eve"))).json()
    assert active["items"] == [] and [t["id"] for t in completed["items"]] == [trial["id"]]
    dashboard = (
        await client.get(f"/api/v1/trials/{trial['id']}/dashboard", headers=auth("eve"))
    ).json()
    assert dashboard["time_remaining"]["label"] == "Trial ended"
    # and the sweeper records it (the worker runs it every CP_SWEEP_SECONDS)
    ctx = cp_app.state.context
    ended, _ = await Sweeper(ctx.settings, ctx.db, clock=ctx.clock).sweep()
    assert ended == 1
    async with ctx.db.read() as conn:
        row = (await conn.execute(select(trials).where(trials.c.id == trial["id"]))).one()
        kinds = [
            r.kind
            for r in await conn.execute(
                select(activity.c.kind).where(activity.c.trial_id == trial["id"])
            )
        ]
    assert row.status == "completed" and row.ended_at == row.expires_at
    assert "trial_completed" in kinds
    # completed -> converted is allowed; cancelling is not
    cancel = await client.post(f"/api/v1/trials/{trial['id']}/cancel", headers=auth("eve"))
    assert cancel.status_code == 409
    assert cancel.json()["type"].endswith("/invalid-transition")
    convert = await client.post(f"/api/v1/trials/{trial['id']}/convert", headers=auth("eve"))
    assert convert.status_code == 200 and convert.json()["status"] == "converted"


async def test_only_valid_transitions(client: httpx.AsyncClient, seeded: Catalogue) -> None:
    agent = str(seeded.agents[0].id)
    trial = await start_trial(client, agent, "tom")
    path = f"/api/v1/trials/{trial['id']}"
    cancelled = await client.post(f"{path}/cancel", headers=auth("tom"))
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["ended_at"]
    for action in ("cancel", "convert"):
        refused = await client.post(f"{path}/{action}", headers=auth("tom"))
        assert refused.status_code == 409, (action, refused.text)
        assert refused.headers["content-type"] == PROBLEM
    converted = await start_trial(client, str(seeded.agents[1].id), "tom")
    cpath = f"/api/v1/trials/{converted['id']}"
    assert (await client.post(f"{cpath}/convert", headers=auth("tom"))).status_code == 200
    for action in ("cancel", "convert"):
        assert (await client.post(f"{cpath}/{action}", headers=auth("tom"))).status_code == 409
    # a cancelled trial cannot be restarted: one trial per customer per agent
    restart = await client.post("/api/v1/trials", json={"agent_id": agent}, headers=auth("tom"))
    assert restart.status_code == 409


async def test_cancel_keeps_deliverables_and_drops_queued_tasks(
    plant: PlantServer, seeded: Catalogue, database_url: str
) -> None:
    # no worker: the queued task waits, so the cancel finds it pending
    settings = settings_for(database_url, plant.base_url, worker_enabled=False)
    app = create_app(settings, jwt=JWT, background=False)
    ctx = app.state.context
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cp") as client:
            agent = str(seeded.agents[0].id)
            trial = await start_trial(client, agent, "kim")
            done = await execute(client, agent, "kim", "First")
            from waooaw.services.cp.worker import Worker

            stop = asyncio.Event()
            await Worker(settings, ctx.db, ctx.executor, clock=ctx.clock).run(stop, drain=True)
            assert (await wait_task(client, done.json()["task_id"], "kim"))["status"] == "completed"
            queued = await execute(client, agent, "kim", "Second")
            cancelled = await client.post(
                f"/api/v1/trials/{trial['id']}/cancel", headers=auth("kim")
            )
            assert cancelled.status_code == 200
            assert cancelled.json()["budget"]["reserved_usd"] == 0.0
            dropped = (
                await client.get(f"/api/v1/tasks/{queued.json()['task_id']}", headers=auth("kim"))
            ).json()
            assert dropped["status"] == "failed"
            assert dropped["error"]["code"] == "trial_cancelled"
            kept = (
                await client.get(f"/api/v1/trials/{trial['id']}/deliverables", headers=auth("kim"))
            ).json()["items"]
            assert [d["task_id"] for d in kept] == [done.json()["task_id"]]


async def test_budget_cap_is_checked_before_a_task_is_accepted(
    plant: PlantServer, seeded: Catalogue, database_url: str
) -> None:
    # 1 USD: three sandbox estimates (~0.31 USD each) fit, a fourth does not
    settings = settings_for(database_url, plant.base_url, trial_budget_usd="1.00")
    app = create_app(settings, jwt=JWT, background=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cp") as client:
            agent = str(seeded.agents[0].id)
            trial = await start_trial(client, agent, "bud")
            answers = await asyncio.gather(*(execute(client, agent, "bud") for _ in range(6)))
            statuses = sorted(a.status_code for a in answers)
            assert statuses == [202, 202, 202, 409, 409, 409], [a.text for a in answers]
            refused = next(a for a in answers if a.status_code == 409).json()
            assert refused["type"].endswith("/budget-exceeded")
            budget = (
                await client.get(f"/api/v1/trials/{trial['id']}", headers=auth("bud"))
            ).json()["budget"]
            assert budget["reserved_usd"] <= budget["limit_usd"]
            assert budget["remaining_usd"] < 0.35


async def test_execute_with_an_idempotency_key_queues_once(
    client: httpx.AsyncClient, cp_app: FastAPI, seeded: Catalogue
) -> None:
    agent = str(seeded.agents[1].id)
    await start_trial(client, agent, "ike")
    key = {"Idempotency-Key": "same-key"}
    headers = {**auth("ike"), **key}
    first, second = await asyncio.gather(
        client.post(f"/api/v1/agents/{agent}/execute", json={"task": "Once"}, headers=headers),
        client.post(f"/api/v1/agents/{agent}/execute", json={"task": "Once"}, headers=headers),
    )
    assert first.status_code == second.status_code == 202, (first.text, second.text)
    assert first.json()["task_id"] == second.json()["task_id"]
    other = await client.post(
        f"/api/v1/agents/{agent}/execute", json={"task": "Different"}, headers=headers
    )
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reuse")
    async with cp_app.state.context.db.read() as conn:
        count = len(
            list(await conn.execute(select(tasks.c.id).where(tasks.c.customer_id == "ike")))
        )
    assert count == 1


async def test_event_stream_follows_the_task_to_its_end(
    client: httpx.AsyncClient, seeded: Catalogue
) -> None:
    agent = str(seeded.agents[2].id)
    await start_trial(client, agent, "sse")
    task_id = (await execute(client, agent, "sse", "Stream me")).json()["task_id"]
    response = await client.get(f"/api/v1/tasks/{task_id}/events", headers=auth("sse"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    events = [e for e in response.text.split("\n\n") if e.strip()]
    parsed = []
    for event in events:
        fields = dict(line.split(": ", 1) for line in event.splitlines())
        assert fields["event"] == "status"
        parsed.append((int(fields["id"]), json.loads(fields["data"])))
    ids = [i for i, _ in parsed]
    assert ids == sorted(set(ids)), "one event per change, in order"
    assert parsed[-1][1]["status"] == "completed", "the stream ends at a terminal status"
    assert parsed[-1][1]["result"]["sandbox"] is True
    statuses = [d["status"] for _, d in parsed]
    assert statuses == sorted(statuses, key=["pending", "running", "completed"].index)
    # a finished task: one event, then the end
    replay = await client.get(f"/api/v1/tasks/{task_id}/events", headers=auth("sse"))
    assert replay.text.count("event: status") == 1
    missing = await client.get(f"/api/v1/tasks/{uuid.uuid4()}/events", headers=auth("sse"))
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM


async def test_event_stream_ends_at_its_time_limit(
    plant: PlantServer, seeded: Catalogue, database_url: str
) -> None:
    settings = settings_for(database_url, plant.base_url, worker_enabled=False, sse_max_seconds=1)
    app = create_app(settings, jwt=JWT, background=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cp") as client:
            agent = str(seeded.agents[0].id)
            await start_trial(client, agent, "tim")
            task_id = (await execute(client, agent, "tim")).json()["task_id"]
            response = await client.get(f"/api/v1/tasks/{task_id}/events", headers=auth("tim"))
    assert response.status_code == 200
    assert "event: status" in response.text
    assert response.text.rstrip().split("\n\n")[-1].splitlines()[1] == "event: timeout"
