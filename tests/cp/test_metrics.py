"""CP's ``/metrics``: the task queue's depth and the tasks' outcomes, from CP's database."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from waooaw.observability import install_observability
from waooaw.services.plant.seeding import Catalogue

from .test_trials_and_tasks import execute, start_trial, wait_task

pytestmark = pytest.mark.anyio


def task_counts(text: str) -> dict[str, float]:
    return {
        s.labels["status"]: s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "waooaw_cp_tasks"
    }


async def test_queue_depth_and_outcomes(cp_app: FastAPI, seeded: Catalogue) -> None:
    install_observability(cp_app, service="cp")
    async with cp_app.router.lifespan_context(cp_app):
        transport = httpx.ASGITransport(app=cp_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cp") as client:
            empty = task_counts((await client.get("/metrics")).text)
            assert empty == {"pending": 0, "running": 0, "completed": 0, "failed": 0}
            agent_id = str(seeded.agents[0].id)
            await start_trial(client, agent_id, "metrics")
            accepted = await execute(client, agent_id, "metrics")
            assert accepted.status_code == 202, accepted.text
            task = await wait_task(client, accepted.json()["task_id"], "metrics")
            after = task_counts((await client.get("/metrics")).text)
            ops = (await client.get("/metrics")).text
    assert after[task["status"]] == 1
    assert after["pending"] == 0 and after["running"] == 0
    for operation, status in (("createTrial", "201"), ("executeAgentTask", "202")):
        assert (
            f'waooaw_http_requests_total{{method="POST",operation_id="{operation}",'
            f'service="cp",status="{status}"}} 1.0'
        ) in ops
