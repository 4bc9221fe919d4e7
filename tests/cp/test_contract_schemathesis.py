"""The CP service against its contract: schemathesis 4 through ``waooaw.verify``'s ``cp``
target (``waooaw/services/cp/verify.py``), the same that ``waooaw verify --service cp`` runs:
CP in process over ASGI, the module's real Plant (a uvicorn subprocess) behind it, every
check. Each test runs with CP's database on SQLite and, with ``WAOOAW_TEST_POSTGRES_URL``,
on PostgreSQL:

* ``test_contract`` - ``waooaw.verify.verify`` over the target: the examples, coverage,
  fuzzing and stateful phases over every operation, ``MAX_EXAMPLES`` fuzzed cases per
  operation. The target seeds customer ``alice`` with trials (active and cancelled), a
  completed task with its deliverable and a review, and half of the generated ids are hers,
  so reads, cancels, converts, executes and event streams reach real objects as well as the
  404 paths. Requests carry her token.
* **Object-level authorization for real**: the target's Web Fuzzing Commons auth document
  names two customers, ``alice`` and ``bob``, as peers. schemathesis'
  ``object_level_authorization`` check replays alice's successful reads of her own objects
  as bob and fails if bob gets them (CP answers 404). ``ignored_auth`` sends each secured
  operation without credentials and with broken ones (CP answers 401).
* ``test_stateful_workflow`` - a state machine over the contract's links (createTrial ->
  executeAgentTask -> getTask, and the others); it must reach the end (``WORKFLOW_END``),
  every scenario starting from the seeded state (``Snapshot``), CP's worker off.
* ``test_every_check_is_enabled`` - no check is left out, anywhere.

Checks and expectations are the target's (see ``docs/verify.md``); ``DISABLED_CHECKS`` is
empty, and ``positive_data_acceptance`` also takes a 422 on the operations of
``DECLARED_422``.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import hypothesis
import schemathesis

from tests.support.snapshot import Snapshot
from waooaw.services.cp.storage.tables import metadata
from waooaw.services.cp.verify import ALICE, CP_CONTRACT, DECLARED_422, EXPECTATIONS, wfc_auth
from waooaw.services.cp.verify import cp as cp_target
from waooaw.verify import (
    BUILTIN_CHECKS,
    DISABLED_CHECKS,
    PHASES,
    PROJECT_CHECKS,
    TargetOptions,
    VerifyOptions,
    load_schema,
    open_target,
    render_text,
    schemathesis_config,
    verify,
)

from ..support.plant_server import PlantServer
from .conftest import token

CI = bool(os.environ.get("CI"))
MAX_EXAMPLES = 50 if CI else 10
SEED = 20260116
OPTIONS = VerifyOptions(examples=MAX_EXAMPLES, seed=SEED)
SCENARIO_DEADLINE = timedelta(seconds=20)
STATEFUL_STEPS = 15

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
    ("GET /api/v1/tasks/{task_id}", 200),
    ("POST /api/v1/agents/{agent_id}/execute", 202),
}


def test_every_check_is_enabled(tmp_path: Path) -> None:
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    registered = set(CHECKS.get_all_names())
    assert registered >= BUILTIN_CHECKS - {"max_response_time"}, "a built-in check was renamed"
    assert registered >= PROJECT_CHECKS
    new = registered - BUILTIN_CHECKS - PROJECT_CHECKS
    assert not new, f"schemathesis has new checks: list them in BUILTIN_CHECKS: {sorted(new)}"

    config = schemathesis_config(EXPECTATIONS, OPTIONS, auth=wfc_auth(tmp_path, token))
    schema = schemathesis.openapi.from_dict(json.loads(CP_CONTRACT.read_text()), config=config)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 19
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
    assert schema.config.auth.wfc is not None and schema.config.auth.wfc.user == ALICE


def test_contract(database_url: str, plant: PlantServer) -> None:
    options = TargetOptions(database_url=database_url, backends={"plant": plant.base_url})
    with open_target("cp", options) as served:
        report = verify(served, OPTIONS)
    assert report.ok, render_text(report)
    for phase in PHASES:
        assert report.phases.get(phase) == "success", render_text(report)
    assert report.operations == 19, render_text(report)


def test_stateful_workflow(database_url: str, plant: PlantServer) -> None:
    options = TargetOptions(database_url=database_url, backends={"plant": plant.base_url})
    # no worker: the database is restored under the app between scenarios
    with cp_target(options, background=False) as served:
        snapshot = Snapshot(database_url, metadata)
        schema = load_schema(served, OPTIONS, operation_ids=WORKFLOW_OPERATIONS)
        reached: set[tuple[str, int]] = set()

        class Workflow(schema.as_state_machine()):  # type: ignore[misc]
            def setup(self) -> None:
                snapshot.restore()

            def after_call(self, response: schemathesis.Response, case: schemathesis.Case) -> None:
                super().after_call(response, case)
                reached.add((case.operation.label, response.status_code))

        try:
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
            snapshot.close()
    assert reached >= WORKFLOW_END, f"the workflow never got to its end: {sorted(reached)}"
