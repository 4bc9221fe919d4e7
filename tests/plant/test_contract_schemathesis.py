"""The Plant service against its contract: schemathesis 4 through ``waooaw.verify``, every check.

The checks, the configuration, Plant's expectations (seeded entities, declared 422s,
workflow links, known bugs) and the run itself are ``waooaw.verify``'s, the same that
``waooaw verify --service plant`` uses. Each test that touches a database runs on SQLite
and, with ``WAOOAW_TEST_POSTGRES_URL``, on PostgreSQL (the ``database_url`` fixture):

* ``test_contract`` - ``waooaw.verify.verify`` over the ``plant`` target: the examples,
  coverage, fuzzing and stateful phases over every operation, ``MAX_EXAMPLES`` fuzzed cases
  per operation (50 when ``CI`` is set, 10 otherwise). A certified skill, job role and agent
  (and pending ones) are seeded first and half the generated ids are theirs, so GET-by-id,
  certify, assign-team and the audit operations reach real entities as well as the 404
  paths (asserted). A failure prints the report: each failure with a curl command.
* ``test_stateful_workflow`` - a state machine over the contract's OpenAPI links plus the
  two it lacks (``waooaw.services.plant.verify.WORKFLOW_LINKS``): create skill -> certify -> create
  job role -> certify -> create agent -> get agent. It must reach the end (``WORKFLOW_END``).
* ``test_fixed_bug_stays_fixed`` - the reproductions of bugs these runs found and that were
  fixed (``FIXED``) keep the status the contract requires.
* ``test_every_check_is_enabled`` - the configuration leaves no check out, anywhere.

Checks: all that schemathesis registers (``BUILTIN_CHECKS``), ``max_response_time``, and two
project checks: ``problem_details_for_errors`` and ``declared_422_only``. ``DISABLED_CHECKS``
is empty. Configured rather than disabled:

* ``positive_data_acceptance`` also takes a 422 on the operations of ``DECLARED_422``, whose
  contract declares a 422 for schema-valid input (L0 rules, opaque cursors, ``until`` after
  ``since``); ``declared_422_only`` then insists on exactly that kind of 422 there.
* ``max_response_time`` is the expectations' ``response_time_limit``.

Enabled but unable to fire on this contract: ``ignored_auth`` and
``object_level_authorization`` (no security schemes), ``use_after_free`` (no DELETE),
``missing_required_header`` (no required header).

An open bug would go in the target's ``Expectations.known_failures`` (none at present),
which a ``filter_failure`` hook drops from the runs so that they keep finding new ones
(``tests/verify`` tests the mechanism), with a strict xfail reproducing it here.

Reproducible: a fixed ``SEED``, ``derandomize`` for the state machine, every scenario from
the same database state (``Snapshot``), no Hypothesis example database.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from importlib.resources import files
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.python import asgi

from tests.support.snapshot import Snapshot
from waooaw.services.plant.storage.tables import metadata
from waooaw.services.plant.verify import (
    DECLARED_422,
    EXPECTATIONS,
    PLANT_CONTRACT,
    WORKFLOW_END,
    WORKFLOW_OPERATIONS,
    Seeded,
    seed_app,
)
from waooaw.verify import (
    BUILTIN_CHECKS,
    DISABLED_CHECKS,
    PHASES,
    PROJECT_CHECKS,
    Served,
    TargetOptions,
    VerifyOptions,
    load_schema,
    open_target,
    render_text,
    schemathesis_config,
    verify,
)

from .conftest import settings_for

CI = bool(os.environ.get("CI"))
MAX_EXAMPLES = 50 if CI else 10
SEED = 20260116
OPTIONS = VerifyOptions(examples=MAX_EXAMPLES, seed=SEED)
# per stateful scenario (Hypothesis times a state machine run as a whole); typically ~0.3 s
SCENARIO_DEADLINE = timedelta(seconds=15)
# calls per stateful scenario, and scenarios: the workflow needs 6 calls in a row, and which
# scenarios a derandomized run draws shifts with the test's surroundings, so there is room
STATEFUL_STEPS = 20
STATEFUL_EXAMPLES = max(MAX_EXAMPLES, 20)
#: what the seeded entities must be reached through (GET by id answering 200)
SEEDED_REACHED = {
    ("GET /api/v1/genesis/skills/{skill_id}", 200),
    ("GET /api/v1/genesis/job-roles/{job_role_id}", 200),
    ("GET /api/v1/agents/{agent_id}", 200),
}

# ---------------------------------------------------------------------------- fixtures


@pytest.fixture
def seeded(database_url: str) -> Seeded:
    return seed_app(settings_for(database_url))


@pytest.fixture
def served_app(plant_app: FastAPI) -> Iterator[FastAPI]:
    """`plant_app`, whose lifespan schemathesis starts on its event loop, and shut down there."""
    try:
        yield plant_app
    finally:
        # runs the app's lifespan shutdown, which disposes its engines on the loop they use
        asgi.shutdown_lifespans()


@pytest.fixture
def plant_schema(served_app: FastAPI, seeded: Seeded) -> Any:
    """The contract bound to the app (in process), configured as `waooaw verify` does."""
    served = Served(
        name="plant",
        contract=PLANT_CONTRACT,
        app=served_app,
        expectations=EXPECTATIONS.with_known_values(seeded.known_values()),
    )
    return load_schema(served, OPTIONS)


@pytest.fixture
def snapshot(database_url: str) -> Iterator[Snapshot]:
    taken = Snapshot(database_url, metadata)
    try:
        yield taken
    finally:
        taken.close()


# ---------------------------------------------------------------------------- fixed bugs

Reproduction = tuple[int, schemathesis.Response]  # (status the contract requires, response)


def _send(schema: Any, method: str, path: str, **kwargs: Any) -> schemathesis.Response:
    response: schemathesis.Response = schema[path][method].Case(**kwargs).call()
    return response


def _null_specialties_repro(schema: Any, seeded: Seeded) -> Reproduction:
    body = {**seeded.agent_body, "specialties": None}
    return 422, _send(schema, "POST", "/api/v1/agents", body=body)


def _null_notes_repro(schema: Any, seeded: Seeded) -> Reproduction:
    path = "/api/v1/genesis/skills/{skill_id}/certify"
    unknown = {"skill_id": str(uuid.uuid4())}
    return 422, _send(schema, "POST", path, path_parameters=unknown, body={"notes": None})


def _null_audit_body_repro(schema: Any, seeded: Seeded) -> Reproduction:
    return 422, _send(schema, "POST", "/api/v1/audit/run", body=None)


def _unix_time_repro(schema: Any, seeded: Seeded) -> Reproduction:
    return 422, _send(schema, "GET", "/api/v1/audit/export", query={"until": "0.5"})


def _key_reuse_repro(schema: Any, seeded: Seeded) -> Reproduction:
    key = {"Idempotency-Key": f"key-{uuid.uuid4()}"}
    body = {"name": f"Skill {uuid.uuid4().hex[:8]}", "category": "technical", "description": "d"}
    first = _send(schema, "POST", "/api/v1/genesis/skills", headers=key, body=body)
    assert first.status_code == 201, first.content
    other = {**body, "name": f"Skill {uuid.uuid4().hex[:8]}"}
    return 422, _send(schema, "POST", "/api/v1/genesis/skills", headers=key, body=other)


def _integral_float_repro(schema: Any, seeded: Seeded) -> Reproduction:
    body = {**seeded.agent_body, "price_per_month": 12000.0}
    return 201, _send(schema, "POST", "/api/v1/agents", body=body)


#: Bugs these runs found and that were fixed: each reproduction must keep its contract status.
FIXED: dict[str, Callable[[Any, Seeded], Reproduction]] = {
    "null-unique-array-is-500": _null_specialties_repro,
    "optional-property-accepts-null": _null_notes_repro,
    "audit-run-accepts-null-body": _null_audit_body_repro,
    "date-time-query-accepts-unix-time": _unix_time_repro,
    "idempotency-key-reuse-is-422": _key_reuse_repro,
    "integer-accepts-integral-float": _integral_float_repro,
}


# ---------------------------------------------------------------------------- tests


def test_every_check_is_enabled() -> None:
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    registered = set(CHECKS.get_all_names())
    assert registered >= BUILTIN_CHECKS - {"max_response_time"}, "a built-in check was renamed"
    assert registered >= PROJECT_CHECKS
    new = registered - BUILTIN_CHECKS - PROJECT_CHECKS
    assert not new, f"schemathesis has new checks: list them in BUILTIN_CHECKS: {sorted(new)}"

    contract = files("waooaw.generated.plant").joinpath("openapi.json").read_text()
    config = schemathesis_config(EXPECTATIONS, OPTIONS)
    schema = schemathesis.openapi.from_dict(json.loads(contract), config=config)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    for operation in operations:
        for phase in PHASES:
            assert schema.config.phases.get_by_name(name=phase).enabled, phase
            checks = schema.config.checks_config_for(operation=operation, phase=phase)
            off = {
                name
                for name in BUILTIN_CHECKS | PROJECT_CHECKS
                if not checks.get_by_name(name=name).enabled
            }
            assert off == set(DISABLED_CHECKS), f"{operation.label} ({phase}): {sorted(off)} off"
            assert checks.max_response_time.limit == EXPECTATIONS.response_time_limit
            accepted = checks.positive_data_acceptance.expected_statuses
            declared = operation.definition.raw["operationId"] in DECLARED_422
            assert ("422" in accepted) == declared, f"{operation.label}: {accepted}"


def test_contract(database_url: str) -> None:
    with open_target("plant", TargetOptions(database_url=database_url)) as served:
        report = verify(served, OPTIONS)
    assert report.ok, render_text(report)
    for phase in PHASES:
        assert report.phases.get(phase) == "success", render_text(report)
    contract = schemathesis.openapi.from_path(PLANT_CONTRACT)
    assert report.operations == len(list(contract.get_all_operations())), render_text(report)
    reached = set().union(*(report.reached(phase) for phase in report.statuses))
    assert reached >= SEEDED_REACHED, f"seeded entities never reached: {sorted(reached)}"


def test_stateful_workflow(served_app: FastAPI, snapshot: Snapshot) -> None:
    served = Served(
        name="plant", contract=PLANT_CONTRACT, app=served_app, expectations=EXPECTATIONS
    )
    # ids come from the links, so no seeded values; the workflow's operations alone, so that
    # scenarios get to its end (test_contract covers the others)
    schema = load_schema(served, OPTIONS, operation_ids=WORKFLOW_OPERATIONS)
    reached: set[tuple[str, int]] = set()

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            snapshot.restore()

        def after_call(self, response: schemathesis.Response, case: schemathesis.Case) -> None:
            super().after_call(response, case)
            reached.add((case.operation.label, response.status_code))

    Workflow.run(
        settings=hypothesis.settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=STATEFUL_STEPS,
            deadline=SCENARIO_DEADLINE,
            derandomize=True,
            database=None,
            # as schemathesis' own state machine settings: no shrinking, no health checks
            phases=[hypothesis.Phase.generate],
            suppress_health_check=list(hypothesis.HealthCheck),
        )
    )
    assert reached >= WORKFLOW_END, f"the workflow never got to its end: {sorted(reached)}"


@pytest.mark.parametrize("reproduce", list(FIXED.values()), ids=list(FIXED))
def test_fixed_bug_stays_fixed(
    reproduce: Callable[[Any, Seeded], Reproduction], plant_schema: Any, seeded: Seeded
) -> None:
    _assert_contract_status(*reproduce(plant_schema, seeded))


def _assert_contract_status(expected: int, response: schemathesis.Response) -> None:
    assert response.status_code == expected, (
        f"{response.request.method} {response.request.url} -> {response.status_code} "
        f"(the contract says {expected}): {response.content[:300]!r}"
    )
