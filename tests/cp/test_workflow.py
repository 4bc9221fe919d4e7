"""The plan's customer workflow against real services on 127.0.0.1: Plant and CP each under
uvicorn in their own process (CP with its in-process worker), driven over HTTP.

browse -> filter -> agent profile -> start trial -> execute -> follow the event stream ->
result in the deliverables -> cancel -> deliverables kept.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from waooaw.generated.plant import models as plant_models
from waooaw.generated.plant.client import PlantClient
from waooaw.services.common.auth import mint_token
from waooaw.services.plant.seeding import Catalogue, agent_create

from ..support.cp_server import JWT_SECRET, CpServer, running_cp
from ..support.gateway_server import running_executor, running_gateway
from ..support.plant_server import PlantServer
from .conftest import JWT, auth, token


@pytest.fixture
def target(plant: PlantServer, seeded: Catalogue) -> plant_models.AgentResponse:
    """The agent the customer will pick, created in Plant by an administrator."""
    with PlantClient(plant.base_url) as admin:
        return admin.create_agent(
            body=agent_create(
                seeded.job_role,
                [s.id for s in seeded.skills],
                7,
                name="Email Marketing Agent",
                specialties=["B2B SaaS", "Newsletters", f"Campaign-{uuid.uuid4().hex[:8]}"],
                price_per_month=15_000,
            )
        )


@pytest.fixture(params=["gateway", "direct"])
def cp(
    request: pytest.FixtureRequest,
    empty_database: str,
    plant: PlantServer,
    target: plant_models.AgentResponse,
    tmp_path: Path,
) -> Iterator[CpServer]:
    """CP reaching Plant and the executor through the gateway (as `serve all` runs it), and
    CP on its own (Plant direct, the sandbox in its worker)."""
    env = {"CP_SANDBOX_SECONDS": "1.0", "CP_WORKER_POLL_SECONDS": "0.05"}
    if request.param == "direct":
        with running_cp(
            tmp_path / "cp", database_url=empty_database, plant_url=plant.base_url, env=env
        ) as server:
            yield server
    else:
        with (
            running_executor(
                tmp_path / "executor", JWT_SECRET, env={"EXECUTOR_RUN_SECONDS": "1.0"}
            ) as executor,
            running_gateway(
                tmp_path / "gateway", plant.base_url, JWT_SECRET, sandbox_url=executor.base_url
            ) as gateway,
            running_cp(
                tmp_path / "cp",
                database_url=empty_database,
                plant_url=gateway.base_url,
                env={
                    **env,
                    "PLANT_SERVICE_TOKEN": "true",
                    "CP_EXECUTOR": "gateway",
                    "CP_GATEWAY_URL": gateway.base_url,
                },
            ) as server,
        ):
            yield server
            # the tasks really ran through the gateway: it metered them against the trial
            governor = mint_token(JWT, subject="ops", roles=["governor"])
            budgets = httpx.get(
                f"{gateway.base_url}/gateway/v1/budgets",
                headers={"Authorization": f"Bearer {governor}"},
            ).json()["items"]
            assert any(b["scope"] == "trial" and b["executions"] > 0 for b in budgets), budgets
    assert "unhandled" not in server.log_text(), server.log_text()


def events(stream: httpx.Response) -> Iterator[tuple[str, dict[str, Any]]]:
    """(event, data) of each server-sent event, as they arrive."""
    fields: dict[str, str] = {}
    for line in stream.iter_lines():
        if not line:
            if "event" in fields:
                yield fields["event"], json.loads(fields["data"])
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(": ")
            fields[name] = value


def test_customer_workflow(
    cp: CpServer, seeded: Catalogue, target: plant_models.AgentResponse
) -> None:
    customer = auth("workflow-customer", name="Priya S.")
    with httpx.Client(base_url=cp.base_url, timeout=30) as http:
        # 1. browse
        browse = http.get("/api/v1/marketplace/agents", params={"limit": 100})
        assert browse.status_code == 200, browse.text
        cards = {c["id"]: c for c in browse.json()["items"]}
        assert {str(a.id) for a in seeded.agents} | {str(target.id)} <= set(cards)

        # 2. filter: industry, price range, specialty and search together
        filtered = http.get(
            "/api/v1/marketplace/agents",
            params={
                "industry": "marketing",
                "min_price": 14_000,
                "max_price": 16_000,
                "specialty": target.specialties[2].lower(),
                "q": "email",
            },
        )
        assert filtered.status_code == 200, filtered.text
        found = filtered.json()["items"]
        assert [c["id"] for c in found] == [str(target.id)]
        card = found[0]
        assert card["status"] == "available" and card["rating"] is None

        # 3. profile
        profile = http.get(f"/api/v1/marketplace/agents/{target.id}")
        assert profile.status_code == 200
        assert [s["name"] for s in profile.json()["skills"]] == [s.name for s in seeded.skills]
        assert profile.json()["trial_days"] == 7

        # 4. start the trial
        started = http.post("/api/v1/trials", json={"agent_id": str(target.id)}, headers=customer)
        assert started.status_code == 201, started.text
        trial = started.json()
        dashboard = http.get(f"/api/v1/trials/{trial['id']}/dashboard", headers=customer).json()
        assert dashboard["time_remaining"]["days"] == 6 and dashboard["deliverables"] == []

        # 5. execute, and follow the task over the event stream
        queued = http.post(
            f"/api/v1/agents/{target.id}/execute",
            json={
                "task": "Analyze competitor pricing for SaaS products",
                "context": {"industry": "B2B SaaS", "region": "North America"},
            },
            headers=customer,
        )
        assert queued.status_code == 202, queued.text
        task_id = queued.json()["task_id"]
        seen = []
        with http.stream("GET", f"/api/v1/tasks/{task_id}/events", headers=customer) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            for kind, task in events(stream):
                assert kind == "status"
                seen.append(task["status"])
        assert seen[-1] == "completed", seen
        assert "running" in seen, "the stream shows the change to running as it happens"

        # 6. the result is a deliverable of the trial
        task = http.get(f"/api/v1/tasks/{task_id}", headers=customer).json()
        assert task["status"] == "completed" and task["sandbox_mode"] is True
        made = http.get(f"/api/v1/trials/{trial['id']}/deliverables", headers=customer).json()
        assert [d["task_id"] for d in made["items"]] == [task_id]
        assert made["items"][0]["content"] == task["result"]

        # 7. cancel: the deliverables stay
        cancelled = http.post(f"/api/v1/trials/{trial['id']}/cancel", headers=customer)
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        kept = http.get(f"/api/v1/trials/{trial['id']}/deliverables", headers=customer).json()
        assert kept["items"] == made["items"]
        after = http.get(f"/api/v1/trials/{trial['id']}/dashboard", headers=customer).json()
        assert after["trial"]["deliverables_count"] == 1
        assert after["time_remaining"]["label"] == "Trial ended"
        assert after["activity"][0]["kind"] == "trial_cancelled"

        # and the marketplace shows what happened
        agent = http.get(f"/api/v1/marketplace/agents/{target.id}").json()
        assert agent["trial_signups"] == 1
        assert agent["activity"]["tasks_completed_24h"] == 1
        assert agent["retention_rate"] == 0.0


def test_generated_client_drives_cp(
    cp: CpServer, seeded: Catalogue, target: plant_models.AgentResponse
) -> None:
    """The generated CP client (what a Python caller uses) against the running service."""
    from waooaw.generated.cp import models
    from waooaw.generated.cp.client import CpClient, CpConflictError, CpEntityNotFoundError

    with CpClient(cp.base_url, token=token("client-customer")) as client:
        page = client.list_marketplace_agents(sort=models.MarketplaceSort.NAME, limit=100)
        assert str(target.id) in {str(a.id) for a in page.items}
        trial = client.create_trial(body=models.TrialCreate(agent_id=target.id))
        assert trial.status == models.TrialStatus.ACTIVE
        with pytest.raises(CpConflictError) as conflict:
            client.create_trial(body=models.TrialCreate(agent_id=target.id))
        assert conflict.value.status_code == 409
        assert str(conflict.value.problem.type).endswith("/trial-exists")
        accepted = client.execute_agent_task(
            agent_id=target.id, body=models.TaskCreate(task="Summarise the quarter")
        )
        stream = client.stream_task_events(task_id=accepted.task_id, timeout=60)
        assert "event: status" in stream and '"status":"completed"' in stream
        task = client.get_task(task_id=accepted.task_id)
        assert task.status == models.TaskStatus.COMPLETED and task.deliverable_id is not None
        dashboard = client.get_trial_dashboard(trial_id=trial.id)
        assert [d.task_id for d in dashboard.deliverables] == [accepted.task_id]
        with pytest.raises(CpEntityNotFoundError):
            client.get_trial(trial_id=uuid.uuid4())
