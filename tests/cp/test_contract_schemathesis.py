"""The CP service against its contract: schemathesis 4 with every check, CP in process over
ASGI, and a real Plant (a uvicorn subprocess) behind it.

Written in the style of ``tests/plant/test_contract_schemathesis.py`` (the same checks,
project checks and configuration shape), so both can move to ``waooaw verify`` together.
Each test runs with CP's database on SQLite and, with ``WAOOAW_TEST_POSTGRES_URL``, on
PostgreSQL:

* ``test_contract`` - every operation through the examples, coverage and fuzzing phases,
  ``MAX_EXAMPLES`` fuzzed cases per operation. Customer ``alice`` owns seeded trials
  (active and cancelled), a completed task with its deliverable, and a review; half of the
  generated ids are hers (``contract_config``), so reads, cancels, converts, executes and
  event streams reach real objects as well as the 404 paths. Requests carry her token.
* **Object-level authorization for real**: a Web Fuzzing Commons auth document names two
  customers, ``alice`` and ``bob``, as peers. schemathesis' ``object_level_authorization``
  check replays alice's successful reads of her own objects as bob and fails if bob gets
  them (CP answers 404). ``ignored_auth`` sends each secured operation without credentials
  and with broken ones (CP answers 401).
* ``test_stateful_workflow`` - a state machine over the contract's links (createTrial ->
  executeAgentTask -> getTask, and the others); it must reach the end (``WORKFLOW_END``),
  every scenario starting from the seeded state (``Snapshot``), CP's worker off.
* ``test_every_check_is_enabled`` - no check is left out, anywhere.

Checks: all that schemathesis registers, ``max_response_time``, and the project checks
``cp_problem_details`` and ``cp_declared_422_only`` (passed to every call rather than
registered, since the registry is global). ``DISABLED_CHECKS`` is empty.
``positive_data_acceptance`` also takes a 422 on the operations of ``DECLARED_422``.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.python import asgi
from sqlalchemy import create_engine, delete, insert, select

from waooaw.services.common.db import sync_url
from waooaw.services.cp import create_app
from waooaw.services.cp.storage.tables import metadata
from waooaw.services.plant.seeding import Catalogue
from waooaw.verify.checks import BUILTIN_CHECKS, PROBLEM_JSON

from ..support.plant_server import PlantServer
from .conftest import JWT, auth, settings_for, token

CI = bool(os.environ.get("CI"))
MAX_EXAMPLES = 50 if CI else 10
SEED = 20260116
DEADLINE = timedelta(seconds=10)
SCENARIO_DEADLINE = timedelta(seconds=20)
# seconds per response; event streams of queued tasks wait for the worker (~0.1 s)
RESPONSE_TIME_LIMIT = 10.0  # a hang detector; speed is measured in bench/
STATEFUL_STEPS = 15

ALICE = "alice"
BOB = "bob"

# ---------------------------------------------------------------------------- the checks

#: check name -> why it is off; contract_config turns these off and nothing else.
DISABLED_CHECKS: dict[str, str] = {}


@dataclass(frozen=True, slots=True)
class Declared422:
    """The one kind of 422 an operation's contract declares for schema-valid input."""

    why: str
    matches: Callable[[dict[str, Any]], bool]


def _only_violations_of(*fields: str) -> Callable[[dict[str, Any]], bool]:
    def matches(problem: dict[str, Any]) -> bool:
        violations = problem.get("violations") or []
        return bool(violations) and all(v.get("field") in fields for v in violations)

    return matches


def _key_reused(problem: dict[str, Any]) -> bool:
    return str(problem.get("type", "")).endswith("/idempotency-key-reuse")


_KEY_REUSE = Declared422(
    "an Idempotency-Key reused with another body is a 422 (idempotency-key-reuse)", _key_reused
)
_CURSOR = Declared422(
    "cursors are opaque and continue only their own query: another is a 422",
    _only_violations_of("query.cursor"),
)
#: operationId -> the 422 that positive_data_acceptance lets through there.
DECLARED_422: dict[str, Declared422] = {
    "listMarketplaceAgents": Declared422(
        "a foreign cursor, or min_price above max_price",
        _only_violations_of("query.cursor", "query.max_price"),
    ),
    "listAgentReviews": _CURSOR,
    "listTrials": _CURSOR,
    "listTrialDeliverables": _CURSOR,
    "listTrialActivity": _CURSOR,
    "listTasks": _CURSOR,
    "createTrial": _KEY_REUSE,
    "executeAgentTask": _KEY_REUSE,
}
#: schemathesis' default expected statuses for positive_data_acceptance
POSITIVE_DATA_ACCEPTANCE = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]


def _problem(response: schemathesis.Response) -> dict[str, Any] | None:
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _operation_id(case: schemathesis.Case) -> str:
    return str(case.operation.definition.raw.get("operationId", ""))


def cp_problem_details(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> None:
    """Every 4xx/5xx is problem+json whose `status` and `correlation_id` match the response."""
    if response.status_code < 400:
        return
    content_type = [
        value.split(";")[0].strip().lower() for value in response.headers.get("content-type", [])
    ]
    assert content_type == [PROBLEM_JSON], (
        f"{response.status_code} has Content-Type {content_type}, not {PROBLEM_JSON}"
    )
    correlation = response.headers.get("x-correlation-id", [])
    assert len(correlation) == 1, f"{response.status_code} has X-Correlation-ID {correlation}"
    if response.request.method == "HEAD":
        return
    problem = _problem(response)
    assert problem is not None, f"the {response.status_code} problem body is not a JSON object"
    assert problem.get("status") == response.status_code
    assert problem.get("correlation_id") == correlation[0]


def cp_declared_422_only(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> None:
    """Where DECLARED_422 lets schema-valid input have a 422, it is the declared kind."""
    declared = DECLARED_422.get(_operation_id(case))
    if declared is None or response.status_code != 422 or case.meta is None:
        return
    if not case.meta.generation.mode.is_positive:
        return
    problem = _problem(response) or {}
    assert declared.matches(problem), (
        f"schema-valid input got a 422 other than the declared one ({declared.why}): {problem}"
    )


#: The project's checks, run on every call of these tests (``additional_checks``) rather
#: than registered: schemathesis' registry is global, and tests/plant registers its own.
PROJECT_CHECKS = (cp_problem_details, cp_declared_422_only)
#: checks other test modules of this project register (they may be loaded alongside)
REGISTERED_ELSEWHERE = frozenset({"problem_details_for_errors", "declared_422_only"})

# ---------------------------------------------------------------------------- seeded data


@dataclass(frozen=True, slots=True)
class Seeded:
    """CP objects made before a run, so that generated ids can name real ones."""

    agents: list[str]  # every agent Plant has for this run
    fresh_agent: str  # no trial of alice's: createTrial can succeed on it
    trial: str  # alice's, active, with a completed task
    cancelled_trial: str  # alice's
    task: str  # alice's, completed
    bobs_trial: str


def _seed(database_url: str, plant_url: str, catalogue: Catalogue) -> Seeded:
    agents = [str(a.id) for a in catalogue.agents]

    async def run() -> Seeded:
        app = create_app(settings_for(database_url, plant_url), jwt=JWT)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://cp") as http:

                async def call(method: str, path: str, who: str, **kw: Any) -> dict[str, Any]:
                    response = await http.request(method, path, headers=auth(who), **kw)
                    assert response.status_code < 300, response.text
                    body: dict[str, Any] = response.json()
                    return body

                trial = await call("POST", "/api/v1/trials", ALICE, json={"agent_id": agents[0]})
                task = await call(
                    "POST",
                    f"/api/v1/agents/{agents[0]}/execute",
                    ALICE,
                    json={"task": "Seeded task", "context": {"seed": True}},
                )
                for _ in range(500):
                    done = await call("GET", f"/api/v1/tasks/{task['task_id']}", ALICE)
                    if done["status"] == "completed":
                        break
                    await asyncio.sleep(0.02)
                assert done["status"] == "completed"
                await call(
                    "POST",
                    f"/api/v1/marketplace/agents/{agents[0]}/reviews",
                    ALICE,
                    json={"rating": 5, "text": "Seeded review."},
                )
                other = await call("POST", "/api/v1/trials", ALICE, json={"agent_id": agents[1]})
                await call("POST", f"/api/v1/trials/{other['id']}/cancel", ALICE)
                bobs = await call("POST", "/api/v1/trials", BOB, json={"agent_id": agents[0]})
        return Seeded(
            agents=agents,
            fresh_agent=agents[2],
            trial=trial["id"],
            cancelled_trial=other["id"],
            task=task["task_id"],
            bobs_trial=bobs["id"],
        )

    return asyncio.run(run())


class Snapshot:
    """Every CP table as seeded, restored before each stateful scenario."""

    def __init__(self, database_url: str) -> None:
        self.engine = create_engine(sync_url(database_url))
        with self.engine.connect() as conn:
            self.rows = {
                table.name: [dict(row._mapping) for row in conn.execute(select(table))]
                for table in metadata.sorted_tables
            }

    def restore(self) -> None:
        with self.engine.begin() as conn:
            for table in reversed(metadata.sorted_tables):
                conn.execute(delete(table))
            for table in metadata.sorted_tables:
                if self.rows[table.name]:
                    conn.execute(insert(table), self.rows[table.name])


# ---------------------------------------------------------------------------- configuration


def _wfc_document(folder: Path) -> Path:
    """Two customers who must not see each other's objects (Web Fuzzing Commons format)."""
    path = folder / "wfc-auth.json"
    path.write_text(
        json.dumps(
            {
                "auth": [
                    {
                        "name": name,
                        "fixedHeaders": [
                            {"name": "Authorization", "value": f"Bearer {token(name)}"}
                        ],
                    }
                    for name in (ALICE, BOB)
                ]
            }
        ),
        encoding="utf-8",
    )
    return path


def contract_config(seeded: Seeded | None, wfc: Path | None) -> schemathesis.Config:
    """What a `schemathesis.toml` would say; `seeded` ids become fuzzing dictionaries."""
    config: dict[str, Any] = {
        "seed": SEED,
        # PostgreSQL cannot store NUL in text (answered with a 422 problem)
        "generation": {"max-examples": MAX_EXAMPLES, "database": "none", "allow-x00": False},
        "checks": {
            "max_response_time": RESPONSE_TIME_LIMIT,
            **{name: {"enabled": False} for name in DISABLED_CHECKS},
        },
        "operations": [
            {
                "include-operation-id": operation_id,
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": [*POSITIVE_DATA_ACCEPTANCE, "422"]
                    }
                },
            }
            for operation_id in DECLARED_422
        ],
    }
    if wfc is not None:
        config["auth"] = {"wfc": {"path": str(wfc), "user": ALICE, "peers": [ALICE, BOB]}}
    if seeded is None:
        return schemathesis.Config.from_dict(config)
    half = 0.5  # half the ids are real, the other half keep exercising the 404s
    config["dictionaries"] = {
        "agents": {"values": seeded.agents},
        "fresh-agents": {"values": [seeded.fresh_agent]},
        "trials": {"values": [seeded.trial, seeded.cancelled_trial, seeded.bobs_trial]},
        "tasks": {"values": [seeded.task]},
        "industries": {"values": ["marketing", "sales", "education"]},
    }
    config["parameters"] = {
        "path.agent_id": {"dictionary": "agents", "probability": half},
        "path.trial_id": {"dictionary": "trials", "probability": half},
        "path.task_id": {"dictionary": "tasks", "probability": half},
        "query.trial_id": {"dictionary": "trials", "probability": half},
        "query.industry": {"dictionary": "industries", "probability": half},
        "body.agent_id": {"dictionary": "fresh-agents", "probability": half},
    }
    return schemathesis.Config.from_dict(config)


#: The state machine's operations: the trial workflow, so scenarios get to its end.
WORKFLOW_OPERATIONS = frozenset(
    {
        "createTrial",
        "getTrial",
        "getTrialDashboard",
        "cancelTrial",
        "executeAgentTask",
        "getTask",
    }
)
#: What a stateful run must reach: a trial started, a task queued on it and read back.
WORKFLOW_END = {
    ("POST /api/v1/trials", 201),
    ("POST /api/v1/agents/{agent_id}/execute", 202),
    ("GET /api/v1/tasks/{task_id}", 200),
}


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture
def cp_seeded(database_url: str, plant: PlantServer, seeded: Catalogue) -> Seeded:
    return _seed(database_url, plant.base_url, seeded)


@pytest.fixture
def wfc(tmp_path: Path) -> Path:
    return _wfc_document(tmp_path)


@pytest.fixture
def served_app(database_url: str, plant: PlantServer, cp_seeded: Seeded) -> Iterator[FastAPI]:
    """CP with its worker; schemathesis starts its lifespan on its own event loop."""
    settings = settings_for(database_url, plant.base_url, trial_budget_usd="100000")
    app = create_app(settings, jwt=JWT)
    try:
        yield app
    finally:
        asgi.shutdown_lifespans()


@pytest.fixture
def cp_schema(served_app: FastAPI, cp_seeded: Seeded, wfc: Path) -> Any:
    return schemathesis.openapi.from_asgi(
        "/openapi.json", served_app, config=contract_config(cp_seeded, wfc)
    )


@pytest.fixture
def snapshot(database_url: str, cp_seeded: Seeded) -> Iterator[Snapshot]:
    taken = Snapshot(database_url)
    try:
        yield taken
    finally:
        taken.engine.dispose()


@pytest.fixture
def _pytest9_nodeid(request: pytest.FixtureRequest) -> None:
    """schemathesis 4.32.5 lazy schemas read and rewrite `item._nodeid`, gone in pytest 9.2."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


# ---------------------------------------------------------------------------- tests


def test_every_check_is_enabled(tmp_path: Path) -> None:
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    registered = set(CHECKS.get_all_names())
    assert registered >= BUILTIN_CHECKS - {"max_response_time"}, "a built-in check was renamed"
    new = registered - BUILTIN_CHECKS - REGISTERED_ELSEWHERE
    assert not new, f"schemathesis has new checks: list them in BUILTIN_CHECKS: {sorted(new)}"
    assert all(callable(check) for check in PROJECT_CHECKS)

    contract = files("waooaw.generated.cp").joinpath("openapi.json").read_text()
    config = contract_config(None, _wfc_document(tmp_path))
    schema = schemathesis.openapi.from_dict(json.loads(contract), config=config)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 19
    for operation in operations:
        for phase in ("examples", "coverage", "fuzzing", "stateful"):
            checks = schema.config.checks_config_for(operation=operation, phase=phase)
            off = {name for name in BUILTIN_CHECKS if not checks.get_by_name(name=name).enabled}
            assert off == set(DISABLED_CHECKS), f"{operation.label} ({phase}): {sorted(off)} off"
            assert checks.max_response_time.limit == RESPONSE_TIME_LIMIT


lazy_schema = schemathesis.pytest.from_fixture("cp_schema")


@lazy_schema.parametrize()
@pytest.mark.usefixtures("_pytest9_nodeid")
@hypothesis.settings(deadline=DEADLINE)
def test_contract(case: schemathesis.Case) -> None:
    case.call_and_validate(additional_checks=list(PROJECT_CHECKS))


def test_stateful_workflow(
    database_url: str, plant: PlantServer, cp_seeded: Seeded, snapshot: Snapshot, wfc: Path
) -> None:
    # no worker: the database is restored under the app between scenarios
    settings = settings_for(
        database_url, plant.base_url, worker_enabled=False, trial_budget_usd="100000"
    )
    app = create_app(settings, jwt=JWT, background=False)
    try:
        served = schemathesis.openapi.from_asgi(
            "/openapi.json", app, config=contract_config(cp_seeded, wfc)
        )
        document = copy.deepcopy(served.raw_schema)
        others = [
            operation["operationId"]
            for item in document["paths"].values()
            for operation in item.values()
            if operation["operationId"] not in WORKFLOW_OPERATIONS
        ]
        schema = schemathesis.openapi.from_dict(document, config=contract_config(cp_seeded, wfc))
        schema = schema.exclude(operation_id=others)
        schema.app = app
        reached: set[tuple[str, int]] = set()

        class Workflow(schema.as_state_machine()):  # type: ignore[misc]
            def setup(self) -> None:
                snapshot.restore()

            def after_call(self, response: schemathesis.Response, case: schemathesis.Case) -> None:
                super().after_call(response, case)
                reached.add((case.operation.label, response.status_code))

        Workflow.run(
            settings=hypothesis.settings(
                max_examples=MAX_EXAMPLES,
                stateful_step_count=STATEFUL_STEPS,
                deadline=SCENARIO_DEADLINE,
                derandomize=True,
                database=None,
                phases=[hypothesis.Phase.generate],
                suppress_health_check=list(hypothesis.HealthCheck),
            )
        )
    finally:
        asgi.shutdown_lifespans()
    assert reached >= WORKFLOW_END, f"the workflow never got to its end: {sorted(reached)}"
