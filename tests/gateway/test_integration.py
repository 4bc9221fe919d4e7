"""The gateway on real servers: Plant and the gateway under uvicorn in subprocesses, a
sandbox and a production executor under uvicorn in this process; SQLite and PostgreSQL.

Covers the contract-derived RBAC matrix for every Plant operation, execution routing by
policy (trial tasks in the sandbox only), metering and 402s, trace context and
correlation ids to the upstream, the admin API, and policy reloads over HTTP.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from waooaw.services.gateway.operations import load_operations

from .conftest import BACKENDS, auth, postgres_database
from .stack import Stack, running_stack

SERVICE = auth("service", sub="cp-worker")
GOVERNOR = auth("governor", sub="gina")
ROLES = ("genesis", "governor", "viewer", "customer", "service")


@pytest.fixture(scope="module", params=BACKENDS)
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("stack")
    if request.param == "sqlite":
        with running_stack(folder, f"sqlite:///{folder / 'gateway.db'}") as s:
            yield s
        return
    for url in postgres_database("gateway_it"):
        with running_stack(folder, url) as s:
            yield s


@pytest.fixture
def http(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.gateway.base_url, timeout=30) as client:
        yield client


def _concrete(template: str) -> str:
    out = template
    while "{" in out:
        start, end = out.index("{"), out.index("}")
        out = out[:start] + str(uuid.uuid4()) + out[end + 1 :]
    return out


def _allowed(requirements: Any, roles: set[str]) -> bool:
    return any(all(set(r) <= roles for _, r in alt) for alt in requirements)


def test_rbac_matrix_for_every_plant_operation(stack: Stack, http: httpx.Client) -> None:
    """Each Plant operation x each role (and no token): denied exactly as the contract says."""
    plant_ops = [op for op in load_operations().operations if op.upstream == "plant"]
    assert len(plant_ops) == 18
    checked = 0
    for op in plant_ops:
        path = _concrete(op.template)
        body = {} if op.method == "POST" else None
        for role in (None, *ROLES):
            headers = auth(role, sub=f"user-{role}") if role else {}
            r = http.request(op.method, path, json=body, headers=headers)
            if op.anonymous:
                expected_denial = None
            elif role is None:
                expected_denial = 401
            elif not _allowed(op.requirements, {role}):
                expected_denial = 403
            else:
                expected_denial = None
            if expected_denial is not None:
                assert r.status_code == expected_denial, (op.operation_id, role, r.text)
                assert r.headers["content-type"] == "application/problem+json"
                assert "x-gateway-route" not in r.headers, "a denied call reached Plant"
            else:
                assert r.status_code not in (401, 403), (op.operation_id, role, r.text)
                assert r.headers.get("x-gateway-route") == "v1", (op.operation_id, role)
            checked += 1
    assert checked == 18 * 6


def test_unknown_paths_and_methods_are_problems(http: httpx.Client) -> None:
    r = http.get("/api/v1/nowhere", headers=SERVICE)
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    r = http.delete("/api/v1/genesis/skills", headers=SERVICE)
    assert r.status_code == 405 and r.headers["allow"] == "GET, POST"


def test_a_call_through_the_gateway_reaches_plant_with_trace_and_correlation(
    http: httpx.Client,
) -> None:
    parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    r = http.post(
        "/api/v1/genesis/skills",
        json={
            "name": f"Gateway skill {uuid.uuid4().hex[:6]}",
            "description": "d" * 30,
            "category": "technical",
        },
        headers={**auth("genesis"), "X-Correlation-ID": "gw-corr-1", "traceparent": parent},
    )
    assert r.status_code == 201, r.text
    assert r.headers["x-correlation-id"] == "gw-corr-1"
    version, trace_id, span, flags = r.headers["traceparent"].split("-")
    assert (version, trace_id, flags) == ("00", "4bf92f3577b34da6a3ce929d0e0e4736", "01")
    assert span != "00f067aa0ba902b7"
    created = r.json()
    got = http.get(f"/api/v1/genesis/skills/{created['id']}", headers=auth("viewer"))
    assert got.status_code == 200 and got.json()["name"] == created["name"]


def _execution(trial: bool, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "task_id": str(uuid.uuid4()),
        "agent_id": str(uuid.uuid4()),
        "trial_id": str(uuid.uuid4()) if trial else None,
        "task": "Summarise the week",
        "context": {"tone": "brief"},
        "max_cost_micros": 400_000,
    }
    return {**body, **overrides}


def _task_ids(received: Any) -> set[str]:
    return {item["task_id"] for item in list(received)}


def test_trial_tasks_run_in_the_sandbox_only_and_others_in_production(
    stack: Stack, http: httpx.Client
) -> None:
    trial = _execution(trial=True)
    r = http.post(
        "/api/v1/executions",
        json=trial,
        headers={**SERVICE, "X-Correlation-ID": "exec-trial-1"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["mode"] == "sandbox" and r.json()["result"]["sandbox"] is True
    assert trial["task_id"] in _task_ids(stack.sandbox.received)
    assert trial["task_id"] not in _task_ids(stack.production.received)
    seen = next(i for i in stack.sandbox.received if i["task_id"] == trial["task_id"])
    assert seen["correlation_id"] == "exec-trial-1" and seen["principal"] == "cp-worker"
    # the executor got the caller's token and a traceparent of the gateway's span
    headers = stack.sandbox.log.headers[-1]
    assert headers["x-correlation-id"] == "exec-trial-1"
    assert headers["traceparent"].split("-")[1] == r.headers["traceparent"].split("-")[1]
    assert headers["authorization"] == SERVICE["Authorization"]

    regular = _execution(trial=False)
    r = http.post("/api/v1/executions", json=regular, headers=SERVICE)
    assert r.status_code == 200, r.text
    assert r.json()["mode"] == "production"
    assert regular["task_id"] in _task_ids(stack.production.received)
    assert regular["task_id"] not in _task_ids(stack.sandbox.received)

    # the decision that kept the trial task out of production is listed, denials first
    d = http.get("/gateway/v1/decisions", headers=auth("viewer")).json()["items"]
    first = d[0]
    assert first["allowed"] is False
    assert first["resource"] == "executor/production"
    assert first["reasons"] == ["trial-tasks-sandbox-only"]
    assert first["context"]["trial"] is True


def test_customers_cannot_execute(stack: Stack, http: httpx.Client) -> None:
    body = _execution(trial=True)
    r = http.post("/api/v1/executions", json=body, headers=auth("customer"))
    assert r.status_code == 403
    assert body["task_id"] not in _task_ids(stack.sandbox.received)


def test_budgets_refuse_before_the_upstream_with_what_remains(
    stack: Stack, http: httpx.Client
) -> None:
    trial_id = str(uuid.uuid4())
    r = http.put(
        f"/gateway/v1/budgets/trial/{trial_id}", json={"cap_micros": 1_000_000}, headers=GOVERNOR
    )
    assert r.status_code == 200 and r.json()["remaining_micros"] == 1_000_000
    spent = 0
    for _ in range(2):
        body = _execution(True, trial_id=trial_id, max_cost_micros=450_000)
        ok = http.post("/api/v1/executions", json=body, headers=SERVICE)
        assert ok.status_code == 200, ok.text
        spent += ok.json()["total_micros"]
    # two executions of ~283 000 leave ~434 000: less than the 450 000 the next may cost
    refused_body = _execution(True, trial_id=trial_id, max_cost_micros=450_000)
    refused = http.post("/api/v1/executions", json=refused_body, headers=SERVICE)
    assert refused.status_code == 402, refused.text
    problem = refused.json()
    assert refused.headers["content-type"] == "application/problem+json"
    assert problem["type"] == "https://waooaw.com/errors/budget-exceeded"
    assert problem["remaining_micros"] == 1_000_000 - spent
    assert problem["scope"] == "trial" and problem["subject_id"] == trial_id
    assert refused_body["task_id"] not in _task_ids(stack.sandbox.received)
    listed = {
        (b["scope"], b["subject_id"]): b
        for b in http.get(
            "/gateway/v1/budgets", params={"limit": 500}, headers=auth("viewer")
        ).json()["items"]
    }
    trial = listed[("trial", trial_id)]
    assert (trial["spent_micros"], trial["reserved_micros"], trial["executions"]) == (spent, 0, 2)


def test_an_invalid_execution_body_is_a_422_before_any_upstream(
    stack: Stack, http: httpx.Client
) -> None:
    r = http.post("/api/v1/executions", json={"task": "x"}, headers=SERVICE)
    assert r.status_code == 422
    fields = {v["field"] for v in r.json()["violations"]}
    assert {"body.task_id", "body.agent_id", "body.max_cost_micros"} <= fields


def test_admin_api_needs_the_governor_to_change_things(http: httpx.Client) -> None:
    assert http.get("/gateway/v1/routes").status_code == 401
    assert http.get("/gateway/v1/routes", headers=auth("viewer")).status_code == 200
    r = http.post("/gateway/v1/policies/reload", headers=auth("viewer"))
    assert r.status_code == 403


def test_policy_reload_refuses_an_invalid_file_and_keeps_the_old_policies(
    stack: Stack, http: httpx.Client
) -> None:
    target = stack.policies / "execution.cedar"
    original = target.read_text()
    before = http.get("/gateway/v1/policies", headers=auth("viewer")).json()
    try:
        target.write_text(original.replace("context.trial", "context.trail"))
        r = http.post("/gateway/v1/policies/reload", headers=GOVERNOR)
        assert r.status_code == 422, r.text
        assert any("trail" in v["message"] for v in r.json()["violations"])
        status = http.get("/gateway/v1/policies", headers=auth("viewer")).json()
        assert status["digest"] == before["digest"]
        assert "trail" in status["last_error"]
        # still deciding with the old set: a trial task stays in the sandbox
        body = _execution(trial=True)
        ok = http.post("/api/v1/executions", json=body, headers=SERVICE)
        assert ok.status_code == 200 and ok.json()["mode"] == "sandbox"
    finally:
        target.write_text(original)
    r = http.post("/gateway/v1/policies/reload", headers=GOVERNOR)
    assert r.status_code == 200 and r.json()["last_error"] is None


def test_an_upstream_down_is_a_503_with_retry_after_and_rollback_restores(
    stack: Stack, http: httpx.Client
) -> None:
    from tests.support.plant_server import free_port

    dead = f"http://127.0.0.1:{free_port()}"
    r = http.post(
        "/gateway/v1/routes",
        json={"match": "listIndustries", "version": "dead", "upstream_url": dead, "weight": 100},
        headers=GOVERNOR,
    )
    assert r.status_code == 201, r.text
    route_id = r.json()["id"]
    assert (
        http.get(f"/gateway/v1/routes/{route_id}", headers=auth("viewer")).json()["upstream_url"]
        == dead
    )
    down = http.get("/api/v1/genesis/industries", headers=auth("viewer"))
    assert down.status_code == 503, down.text
    assert down.headers["retry-after"] == "7"
    assert down.headers["content-type"] == "application/problem+json"
    # other operations still use the prefix route
    assert http.get("/api/v1/genesis/skills", headers=auth("viewer")).status_code == 200
    r = http.put(
        "/gateway/v1/route-groups/weights",
        json={"match": "listIndustries", "weights": [{"version": "dead", "weight": 0}]},
        headers=GOVERNOR,
    )
    assert r.status_code == 422  # the only version would take no traffic
    # without a live version of its own, the operation falls back to the prefix route
    r = http.post(
        "/gateway/v1/route-groups/switch",
        json={"match": "listIndustries", "version": "dead"},
        headers=GOVERNOR,
    )
    assert r.status_code == 200
    r = http.post(
        "/gateway/v1/route-groups/rollback", json={"match": "listIndustries"}, headers=GOVERNOR
    )
    assert r.status_code == 200, r.text
    assert r.json()["routes"][0]["weight"] == 100
    r = http.post(
        "/gateway/v1/route-groups/rollback", json={"match": "listIndustries"}, headers=GOVERNOR
    )
    assert r.status_code == 409


def test_every_mutation_and_denial_is_in_the_hash_chain(stack: Stack, http: httpx.Client) -> None:
    import sqlalchemy as sa

    from waooaw.services.common.db import sync_url
    from waooaw.services.plant.storage.audit import AuditTrail

    from .conftest import AUDIT_KEY

    http.post("/api/v1/genesis/skills", json={}, headers=auth("viewer"))  # 403
    marker = f"audited-{uuid.uuid4().hex[:8]}"
    r = http.post(
        "/api/v1/genesis/skills",
        json={"name": marker, "description": "d" * 30, "category": "technical"},
        headers={**auth("genesis"), "X-Correlation-ID": marker},
    )
    assert r.status_code == 201
    engine = sa.create_engine(sync_url(stack.database_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT event, actor, payload FROM audit_entries ORDER BY sequence")
            ).all()
            report = AuditTrail(AUDIT_KEY.encode()).verify_chain(conn)
    finally:
        engine.dispose()
    payloads = [(e, a, json.loads(p)) for e, a, p in rows]
    assert any(
        e == "createSkill" and p["status"] == 403 and p["outcome"] == "denied"
        for e, _, p in payloads
    )
    mine = [p for e, _, p in payloads if p["correlation_id"] == marker]
    assert len(mine) == 1 and mine[0]["status"] == 201 and mine[0]["outcome"] == "forwarded"
    # reads that were allowed are not audited
    assert not any(e == "listSkills" and p["status"] == 200 for e, _, p in payloads)
    assert report.intact, report.first_break
    assert report.entries == len(rows)
