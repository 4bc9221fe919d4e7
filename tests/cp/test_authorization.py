"""Who may see what: the customer comes from the token only, and another customer's trial,
task or deliverable is a 404 (object-level authorization), as is one that does not exist."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import jwt as pyjwt
import pytest

from waooaw.services.common.auth import mint_token
from waooaw.services.plant.seeding import Catalogue

from .conftest import JWT, PROBLEM, auth, token

pytestmark = pytest.mark.anyio


async def _owned_by_a(client: httpx.AsyncClient, seeded: Catalogue) -> dict[str, Any]:
    agent = str(seeded.agents[0].id)
    trial = await client.post("/api/v1/trials", json={"agent_id": agent}, headers=auth("cust-a"))
    assert trial.status_code == 201, trial.text
    task = await client.post(
        f"/api/v1/agents/{agent}/execute", json={"task": "A's work"}, headers=auth("cust-a")
    )
    assert task.status_code == 202, task.text
    task_id = task.json()["task_id"]
    for _ in range(300):
        got = (await client.get(f"/api/v1/tasks/{task_id}", headers=auth("cust-a"))).json()
        if got["status"] == "completed":
            break
        await asyncio.sleep(0.02)
    assert got["status"] == "completed"
    return {"agent": agent, "trial": trial.json()["id"], "task": task_id}


async def test_another_customers_ids_are_not_found(
    client: httpx.AsyncClient, seeded: Catalogue
) -> None:
    owned = await _owned_by_a(client, seeded)
    trial, task = owned["trial"], owned["task"]
    reads = [
        ("GET", f"/api/v1/trials/{trial}"),
        ("GET", f"/api/v1/trials/{trial}/dashboard"),
        ("GET", f"/api/v1/trials/{trial}/deliverables"),
        ("GET", f"/api/v1/trials/{trial}/activity"),
        ("GET", f"/api/v1/tasks/{task}"),
        ("GET", f"/api/v1/tasks/{task}/events"),
    ]
    writes = [
        ("POST", f"/api/v1/trials/{trial}/cancel"),
        ("POST", f"/api/v1/trials/{trial}/convert"),
    ]
    for method, path in reads + writes:
        theirs = await client.request(method, path, headers=auth("cust-b"))
        assert theirs.status_code == 404, (method, path, theirs.text)
        assert theirs.headers["content-type"] == PROBLEM
        # exactly what an id that does not exist gets
        unknown = path.replace(trial, str(uuid.uuid4())).replace(task, str(uuid.uuid4()))
        nothing = await client.request(method, unknown, headers=auth("cust-b"))
        assert nothing.status_code == 404
        assert theirs.json()["title"] == nothing.json()["title"]
    for _method, path in reads:
        mine = await client.get(path, headers=auth("cust-a"))
        assert mine.status_code == 200, (path, mine.text)
    # B's writes changed nothing of A's
    still = (await client.get(f"/api/v1/trials/{trial}", headers=auth("cust-a"))).json()
    assert still["status"] == "active"

    # lists are the caller's only, whatever the filters say
    assert (await client.get("/api/v1/trials", headers=auth("cust-b"))).json()["items"] == []
    filtered = await client.get(f"/api/v1/tasks?trial_id={trial}", headers=auth("cust-b"))
    assert filtered.status_code == 200 and filtered.json()["items"] == []
    assert (await client.get("/api/v1/tasks", headers=auth("cust-b"))).json()["items"] == []
    # and B cannot run tasks on A's trial by naming A's agent
    run = await client.post(
        f"/api/v1/agents/{owned['agent']}/execute", json={"task": "x"}, headers=auth("cust-b")
    )
    assert run.status_code == 409 and run.json()["type"].endswith("/no-active-trial")


async def test_credentials_and_roles(client: httpx.AsyncClient) -> None:
    none = await client.get("/api/v1/trials")
    assert none.status_code == 401
    assert none.headers["www-authenticate"] == "Bearer"
    assert none.headers["content-type"] == PROBLEM
    genesis = await client.get(
        "/api/v1/trials", headers={"Authorization": f"Bearer {token('admin', roles=('genesis',))}"}
    )
    assert genesis.status_code == 403
    # a token that expired an hour ago, signed with the right key
    claims = pyjwt.decode(
        mint_token(JWT, subject="old", roles=["customer"]), options={"verify_signature": False}
    )
    claims.update(iat=claims["iat"] - 7200, nbf=claims["nbf"] - 7200, exp=claims["iat"] - 3600)
    stale = pyjwt.encode(claims, JWT.secret.get_secret_value(), algorithm="HS256")
    late = await client.get("/api/v1/trials", headers={"Authorization": f"Bearer {stale}"})
    assert late.status_code == 401
    assert "expired" in late.headers["www-authenticate"]
    # the marketplace is public
    assert (await client.get("/api/v1/marketplace/agents")).status_code == 200
