"""Fault tests: a slow upstream (504), 100 parallel executions against a cap, a blue/green
switch under load (no failed request), and ``kill -9`` of the gateway (no 2xx unaudited)."""

from __future__ import annotations

import asyncio
import json
import shutil
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.support import services
from tests.support.fault_proxy import FaultProxy
from waooaw.services.common.db import sync_url
from waooaw.services.gateway.config import DEFAULT_POLICY_DIR
from waooaw.services.plant.storage.audit import AuditTrail

from .conftest import AUDIT_KEY, BACKENDS, auth, postgres_database
from .stack import Stack, gateway_env, running_stack

pytestmark = pytest.mark.anyio
SERVICE = auth("service", sub="cp-worker")
GOVERNOR = auth("governor", sub="gina")
GENESIS = auth("genesis", sub="gene")


@pytest.fixture(scope="module", params=BACKENDS)
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("faults")
    if request.param == "sqlite":
        with running_stack(folder, f"sqlite:///{folder / 'gateway.db'}") as s:
            yield s
        return
    for url in postgres_database("gateway_faults"):
        with running_stack(folder, url) as s:
            yield s


def _gateway(folder: Path, plant_url: str, **extra: str) -> services.Service:
    policies = folder / "policies"
    if not policies.exists():
        shutil.copytree(DEFAULT_POLICY_DIR, policies)
    env = gateway_env(f"sqlite:///{folder / 'gateway.db'}", policies, plant_url, **extra)
    return services.start("gateway", folder, env, ready="/gateway/ready")


async def test_100_parallel_executions_never_spend_above_the_cap(stack: Stack) -> None:
    trial_id = str(uuid.uuid4())
    cap = 3_000_000
    async with httpx.AsyncClient(base_url=stack.gateway.base_url, timeout=60) as http:
        r = await http.put(
            f"/gateway/v1/budgets/trial/{trial_id}", json={"cap_micros": cap}, headers=GOVERNOR
        )
        assert r.status_code == 200

        async def one() -> httpx.Response:
            body = {
                "task_id": str(uuid.uuid4()),
                "agent_id": str(uuid.uuid4()),
                "trial_id": trial_id,
                "task": "Parallel task",
                "max_cost_micros": 320_000,
            }
            return await http.post("/api/v1/executions", json=body, headers=SERVICE)

        responses = await asyncio.gather(*(one() for _ in range(100)))
        statuses = Counter(r.status_code for r in responses)
        assert set(statuses) <= {200, 402}, statuses
        spent = sum(r.json()["total_micros"] for r in responses if r.status_code == 200)
        budgets = (
            await http.get("/gateway/v1/budgets", params={"limit": 500}, headers=GOVERNOR)
        ).json()["items"]
    trial = next(b for b in budgets if b["subject_id"] == trial_id)
    assert trial["spent_micros"] == spent <= cap
    assert trial["reserved_micros"] == 0
    assert trial["executions"] == statuses[200]
    # 320 000 reserved each: at least 9 fit in 3 000 000, and no more than the cap allows
    assert 9 <= statuses[200] <= cap // 250_000
    assert statuses[402] == 100 - statuses[200]


async def test_a_slow_upstream_is_a_504(stack: Stack, tmp_path: Path) -> None:
    async with FaultProxy(stack.plant.base_url, delay=2.0) as slow:
        gateway = _gateway(tmp_path, slow.base_url, GATEWAY_UPSTREAM_TIMEOUT="0.5")
        try:
            async with httpx.AsyncClient(base_url=gateway.base_url, timeout=30) as http:
                r = await http.get("/api/v1/genesis/skills", headers=auth("viewer"))
        finally:
            gateway.stop()
    assert r.status_code == 504, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "https://waooaw.com/errors/gateway-timeout"


async def test_a_blue_green_switch_under_load_fails_no_request(stack: Stack) -> None:
    if "postgresql" in stack.database_url:
        pytest.skip("the route switch is the same code on PostgreSQL; run once")
    async with (
        FaultProxy(stack.plant.base_url) as green,
        httpx.AsyncClient(base_url=stack.gateway.base_url, timeout=30) as http,
    ):
        r = await http.post(
            "/gateway/v1/routes",
            json={
                "match": "listAgents",
                "version": "blue",
                "upstream_url": stack.plant.base_url,
                "weight": 100,
            },
            headers=GOVERNOR,
        )
        assert r.status_code == 201, r.text
        r = await http.post(
            "/gateway/v1/routes",
            json={"match": "listAgents", "version": "green", "upstream_url": green.base_url},
            headers=GOVERNOR,
        )
        assert r.status_code == 201, r.text
        stop = asyncio.Event()
        seen: Counter[str] = Counter()
        failures: list[str] = []

        async def load() -> None:
            while not stop.is_set():
                resp = await http.get("/api/v1/agents", headers=auth("viewer"))
                if resp.status_code != 200:
                    failures.append(f"{resp.status_code} {resp.text[:200]}")
                seen[resp.headers.get("x-gateway-route", "?")] += 1

        async def switch() -> None:
            for i in range(8):
                await asyncio.sleep(0.25)
                version = "green" if i % 2 == 0 else "blue"
                r = await http.post(
                    "/gateway/v1/route-groups/switch",
                    json={"match": "listAgents", "version": version},
                    headers=GOVERNOR,
                )
                assert r.status_code == 200, r.text
            await asyncio.sleep(0.25)
            stop.set()

        await asyncio.gather(switch(), *(load() for _ in range(16)))
    assert failures == []
    assert seen["blue"] > 0 and seen["green"] > 0, seen
    assert sum(seen.values()) > 50


async def test_kill_9_loses_no_audit_entry_of_a_2xx(stack: Stack, tmp_path: Path) -> None:
    if "postgresql" in stack.database_url:
        pytest.skip("the kill -9 test runs its own gateway on SQLite")
    gateway = _gateway(tmp_path, stack.plant.base_url)
    answered: list[str] = []
    try:
        async with httpx.AsyncClient(base_url=gateway.base_url, timeout=30) as http:

            async def create(i: int) -> None:
                cid = f"kill-{i}-{uuid.uuid4().hex[:8]}"
                try:
                    r = await http.post(
                        "/api/v1/genesis/skills",
                        json={
                            "name": f"Killed skill {cid}",
                            "description": "d" * 30,
                            "category": "technical",
                        },
                        headers={**GENESIS, "X-Correlation-ID": cid},
                    )
                except httpx.TransportError:
                    return
                if 200 <= r.status_code < 300:
                    answered.append(cid)

            async def killer() -> None:
                while len(answered) < 15:
                    await asyncio.sleep(0.005)
                gateway.kill()

            await asyncio.gather(killer(), *(create(i) for i in range(200)))
    finally:
        gateway.stop()
    assert 15 <= len(answered) < 200, "the gateway was killed mid-flight"
    engine = sa.create_engine(sync_url(f"sqlite:///{tmp_path / 'gateway.db'}"))
    try:
        with engine.connect() as conn:
            payloads = [
                json.loads(p) for (p,) in conn.execute(sa.text("SELECT payload FROM audit_entries"))
            ]
            report = AuditTrail(AUDIT_KEY.encode()).verify_chain(conn)
    finally:
        engine.dispose()
    audited = {p["correlation_id"] for p in payloads if 200 <= p["status"] < 300}
    assert set(answered) <= audited
    assert report.intact, report.first_break
