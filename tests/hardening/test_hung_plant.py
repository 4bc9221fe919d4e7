"""A hung Plant (its process stopped with SIGSTOP: connections are accepted by the kernel,
nothing is ever answered) gives 504 gateway-timeout from PP and CP on every operation,
within the configured deadline, whatever the per-attempt timeout and retries.

A create PP answered 504 may still be applied once Plant resumes (the request was already
in Plant's socket); it is applied once, and the caller finds it by retrying with the same
Idempotency-Key. A CP trial whose start answered 504 is not applied.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support import cp_server, pp_server
from tests.support.plant_server import PlantServer, running_plant
from waooaw.generated.plant.client import PlantClient
from waooaw.services.cp.config import CpSettings
from waooaw.services.plant.seeding import Catalogue, seed_catalogue
from waooaw.services.pp.config import PPSettings

from .conftest import PROBLEM, cp_auth, pp_auth

DEADLINE = 2.5
#: what a 504 may take beyond the deadline (answering, a loaded machine)
SLACK = 2.0
GATEWAY_TIMEOUT = "https://waooaw.com/errors/gateway-timeout"


@dataclass(frozen=True)
class Stack:
    plant: PlantServer
    pp: pp_server.PPServer
    pp_default: pp_server.PPServer
    cp: cp_server.CpServer
    catalogue: Catalogue


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("hung")
    with running_plant(folder / "plant") as plant:
        with PlantClient(plant.base_url) as client:
            catalogue = seed_catalogue(client, agents=1)
        # per-attempt timeouts far longer than the deadline: the deadline must win
        pp_env = {
            "PP_PLANT_DEADLINE_SECONDS": str(DEADLINE),
            "PP_PLANT_TIMEOUT_SECONDS": "30",
            "PP_PLANT_RETRY_ATTEMPTS": "5",
        }
        cp_env = {
            "CP_PLANT_DEADLINE_SECONDS": str(DEADLINE),
            "CP_PLANT_TIMEOUT": "30",
            "CP_WORKER_ENABLED": "false",
        }
        with (
            pp_server.running_pp(folder / "pp", plant.base_url, env=pp_env) as pp,
            pp_server.running_pp(folder / "pp-default", plant.base_url) as pp_default,
            cp_server.running_cp(
                folder / "cp",
                database_url=f"sqlite:///{folder / 'cp.db'}",
                plant_url=plant.base_url,
                env=cp_env,
            ) as cp,
        ):
            yield Stack(plant, pp, pp_default, cp, catalogue)


@contextmanager
def hung(plant: PlantServer) -> Iterator[None]:
    os.kill(plant.process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(plant.process.pid, signal.SIGCONT)


def assert_gateway_timeout(response: httpx.Response, elapsed: float, limit: float) -> None:
    assert response.status_code == 504, (response.status_code, response.text[:300])
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == GATEWAY_TIMEOUT
    assert problem["correlation_id"] == response.headers["x-correlation-id"]
    assert elapsed < limit + SLACK, elapsed


def agent_body(stack: Stack, name: str) -> dict[str, Any]:
    role = stack.catalogue.job_role
    return {
        "name": name,
        "industry_id": str(role.industry_id),
        "job_role_id": str(role.id),
        "skills": [str(s.id) for s in stack.catalogue.skills],
        "governance_agent_id": "genesis",
    }


def test_default_deadlines_are_at_most_ten_seconds() -> None:
    assert PPSettings(environment="test").plant_deadline_seconds <= 10
    assert CpSettings(environment="test").plant_deadline_seconds <= 10


def test_every_pp_operation_is_504_within_the_deadline(stack: Stack) -> None:
    agent = stack.catalogue.agents[0].id
    skill = stack.catalogue.skills[0].id
    key = str(uuid.uuid4())
    name = f"Created While Hung {key[:8]}"
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/api/v1/agents", {}),
        ("GET", f"/api/v1/agents/{agent}", {}),
        ("GET", "/api/v1/agent-form", {}),
        ("GET", "/api/v1/genesis/industries", {}),
        ("GET", f"/api/v1/genesis/skills/{skill}", {}),
        ("POST", "/api/v1/audit/run", {}),
        ("GET", "/api/v1/audit/export", {}),
        (
            "POST",
            "/api/v1/agents",
            {"json": agent_body(stack, name), "headers": {"Idempotency-Key": key}},
        ),
    ]
    with httpx.Client(base_url=stack.pp.base_url, timeout=60) as http, hung(stack.plant):
        for method, path, extra in calls:
            headers = {**pp_auth(), **extra.pop("headers", {})}
            started = time.monotonic()
            response = http.request(method, path, headers=headers, **extra)
            assert_gateway_timeout(response, time.monotonic() - started, DEADLINE)

    # Plant resumed: the create it had already received is applied, once; the same key
    # finds it
    with httpx.Client(base_url=stack.pp.base_url, timeout=60) as http:
        again = http.post(
            "/api/v1/agents",
            json=agent_body(stack, name),
            headers={**pp_auth(), "Idempotency-Key": key},
        )
        assert again.status_code == 201, again.text
        listed = http.get("/api/v1/agents", params={"limit": 100}, headers=pp_auth()).json()
    assert [a["id"] for a in listed["items"] if a["name"] == name] == [again.json()["id"]]


def test_default_configuration_answers_within_ten_seconds(stack: Stack) -> None:
    with httpx.Client(base_url=stack.pp_default.base_url, timeout=60) as http, hung(stack.plant):
        started = time.monotonic()
        response = http.get("/api/v1/genesis/industries", headers=pp_auth())
        assert_gateway_timeout(response, time.monotonic() - started, 10.0)


def test_every_cp_operation_reaching_plant_is_504_within_the_deadline(stack: Stack) -> None:
    agent = stack.catalogue.agents[0].id
    customer = f"customer-{uuid.uuid4().hex[:8]}"
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", f"/api/v1/marketplace/agents/{uuid.uuid4()}", {}),
        ("POST", "/api/v1/trials", {"json": {"agent_id": str(agent)}}),
    ]
    with httpx.Client(base_url=stack.cp.base_url, timeout=60) as http, hung(stack.plant):
        for method, path, extra in calls:
            started = time.monotonic()
            response = http.request(method, path, headers=cp_auth(customer), **extra)
            assert_gateway_timeout(response, time.monotonic() - started, DEADLINE)
    # the trial whose start answered 504 was not applied
    with httpx.Client(base_url=stack.cp.base_url, timeout=60) as http:
        trials = http.get("/api/v1/trials", headers=cp_auth(customer))
    assert trials.status_code == 200, trials.text
    assert trials.json()["items"] == []
