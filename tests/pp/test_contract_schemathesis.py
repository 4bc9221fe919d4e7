"""The PP service against its contract: schemathesis 4 through ``waooaw.verify``'s ``pp``
target (``waooaw/services/pp/verify.py``), the same that ``waooaw verify --service pp`` runs:
PP in process over ASGI, the module's real Plant (uvicorn on 127.0.0.1, fresh SQLite) behind
it, every check.

* ``test_contract`` - ``waooaw.verify.verify`` over the target: the examples, coverage,
  fuzzing and stateful phases over every operation, ``MAX_EXAMPLES`` fuzzed cases per
  operation (50 when ``CI`` is set, 10 otherwise). The target seeds Plant first (certified
  and pending skills and job roles, an agent) and half of the generated ids are theirs, so
  GET-by-id, certify, assign-team and the scoped audit reach real entities as well as
  Plant's 404s (asserted).
* ``test_stateful_workflow`` - a state machine over the contract's links plus the two it
  lacks (the target's links): create skill -> certify -> create job role -> certify ->
  create agent -> get agent. It must reach the end (``WORKFLOW_END``), every scenario
  starting from Plant's tables as seeded (``Snapshot``).
* ``test_ignored_auth_fires_when_auth_is_ignored`` - the control for ``ignored_auth``: the
  same contract over a router whose authenticator lets everyone in fails that check.
* ``test_every_check_is_enabled`` - the configuration leaves no check out, anywhere.

Authentication: the target declares a token with every PP role as the contract's
``bearerAuth``, so ``ignored_auth`` sends each secured operation again without it, and with a
made-up token, and requires a 401 both times. Checks and expectations are the target's (see
``docs/verify.md``). Enabled but unable to fire here: ``object_level_authorization`` (one
identity), ``use_after_free`` (no DELETE), ``missing_required_header`` (none required).

Reproducible: a fixed ``SEED``, ``derandomize`` for the state machine, no Hypothesis example
database.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI

from tests.support.plant_server import PlantServer
from tests.support.snapshot import Snapshot
from waooaw.generated.pp import server
from waooaw.runtime.security import Principal
from waooaw.services.plant.storage.tables import metadata
from waooaw.services.plant.verify import WORKFLOW_END, WORKFLOW_OPERATIONS
from waooaw.services.pp.verify import DECLARED_422, EXPECTATIONS, PP_CONTRACT, ROLES
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

CI = bool(os.environ.get("CI"))
MAX_EXAMPLES = 50 if CI else 10
SEED = 20260117
OPTIONS = VerifyOptions(examples=MAX_EXAMPLES, seed=SEED)
SCENARIO_DEADLINE = timedelta(seconds=30)
# calls per stateful scenario, and scenarios: the workflow needs 6 calls in a row
STATEFUL_STEPS = 20
STATEFUL_EXAMPLES = max(MAX_EXAMPLES, 20)
#: what the seeded entities must be reached through (GET by id answering 200)
SEEDED_REACHED = {
    ("GET /api/v1/genesis/skills/{skill_id}", 200),
    ("GET /api/v1/genesis/job-roles/{job_role_id}", 200),
    ("GET /api/v1/agents/{agent_id}", 200),
}


@pytest.fixture
def served(plant: PlantServer) -> Iterator[Served]:
    """The ``pp`` target over the module's Plant, which it seeds."""
    with open_target("pp", TargetOptions(backends={"plant": plant.base_url})) as target:
        yield target


def _bearer(served: Served) -> str:
    assert served.auth is not None
    token: str = served.auth["openapi"]["bearerAuth"]["bearer"]
    return token


def test_every_check_is_enabled() -> None:
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    registered = set(CHECKS.get_all_names())
    assert registered >= BUILTIN_CHECKS - {"max_response_time"}, "a built-in check was renamed"
    assert registered >= PROJECT_CHECKS
    config = schemathesis_config(EXPECTATIONS, OPTIONS)
    schema = schemathesis.openapi.from_dict(json.loads(PP_CONTRACT.read_text()), config=config)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 18
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


def test_contract(served: Served) -> None:
    report = verify(served, OPTIONS)
    assert report.ok, render_text(report)
    for phase in PHASES:
        assert report.phases.get(phase) == "success", render_text(report)
    assert report.operations == 18, render_text(report)
    reached = set().union(*(report.reached(phase) for phase in report.statuses))
    assert reached >= SEEDED_REACHED, f"seeded entities never reached: {sorted(reached)}"


def test_stateful_workflow(served: Served, plant: PlantServer) -> None:
    assert plant.database_url is not None
    snapshot = Snapshot(plant.database_url, metadata)  # Plant as the target seeded it
    document = json.loads(PP_CONTRACT.read_text())
    # any X-Correlation-ID is accepted (malformed ones are replaced), so its values vary
    # without end; the workflow does not depend on it, and its steps go to the links
    for item in document["paths"].values():
        for operation in item.values():
            operation["parameters"] = [
                p
                for p in operation.get("parameters", [])
                if p.get("name") != "X-Correlation-ID"
                and not str(p.get("$ref", "")).endswith("/CorrelationId")
            ]
    # ids come from the links; the workflow's operations alone, so that scenarios get to
    # its end (test_contract covers the others)
    schema = load_schema(
        replace(served, contract=document), OPTIONS, operation_ids=WORKFLOW_OPERATIONS
    )
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
                max_examples=STATEFUL_EXAMPLES,
                stateful_step_count=STATEFUL_STEPS,
                deadline=SCENARIO_DEADLINE,
                derandomize=True,
                database=None,
                phases=[hypothesis.Phase.generate],
                suppress_health_check=list(hypothesis.HealthCheck),
            )
        )
    finally:
        snapshot.restore()  # leave Plant as seeded for whatever runs next
        snapshot.close()
    assert reached >= WORKFLOW_END, f"the workflow never got to its end: {sorted(reached)}"


class LetEveryoneIn:
    """An authenticator that ignores the contract's security: what ignored_auth must catch."""

    async def __call__(self, request: Any, requirements: Any, /) -> Principal:
        return Principal(subject="anyone", roles=frozenset(ROLES))


def test_ignored_auth_fires_when_auth_is_ignored(served: Served) -> None:
    """The control: the same contract, a router that checks no token, and ignored_auth fails."""
    from schemathesis.checks import CHECKS, load_all_checks
    from schemathesis.core.failures import FailureGroup
    from schemathesis.openapi.checks import IgnoredAuth

    from waooaw.runtime.server import install_problem_handlers

    load_all_checks()
    ignored_auth = CHECKS.get_one("ignored_auth")
    lax = FastAPI()
    install_problem_handlers(lax)
    lax.include_router(server.create_router(_HealthOnly(), authenticator=LetEveryoneIn()))
    every_role = {"Authorization": f"Bearer {_bearer(served)}"}
    schema = load_schema(replace(served, app=lax), OPTIONS)
    case = schema["/api/v1/agent-form"]["GET"].Case(headers=every_role)
    with pytest.raises(FailureGroup) as caught:
        case.call_and_validate(checks=[ignored_auth])
    assert [type(e) for e in caught.value.exceptions] == [IgnoredAuth]
    # and with the real authenticator (PP as served) the same check passes
    real = load_schema(served, OPTIONS)["/api/v1/genesis/industries"]["GET"].Case(
        headers=every_role
    )
    real.call_and_validate(checks=[ignored_auth])


class _HealthOnly:
    """Answers getAgentFormOptions without Plant, for the ignored_auth control."""

    async def get_agent_form_options(self, **_: Any) -> Any:
        from waooaw.generated.pp import models

        return server.GetAgentFormOptions200Response(
            body=models.AgentFormOptions(
                industries=[],
                job_roles=[],
                skills=[],
                governance_agents=[
                    models.GovernanceAgent(id="genesis", name="Genesis", description="g")
                ],
                truncated=False,
            )
        )
