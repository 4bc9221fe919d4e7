"""The PP service against its contract: schemathesis 4, PP in process over ASGI, a real Plant
(uvicorn on 127.0.0.1, fresh SQLite) behind it, every check.

* ``test_contract`` - every operation through the examples, coverage and fuzzing phases,
  ``MAX_EXAMPLES`` fuzzed cases per operation (50 when ``CI`` is set, 10 otherwise). Plant is
  seeded first (certified and pending skills and job roles, an agent) and half of the
  generated ids are theirs, so GET-by-id, certify, assign-team and the scoped audit reach
  real entities as well as Plant's 404s.
* ``test_stateful_workflow`` - a state machine over the contract's links plus the two it
  lacks (``WORKFLOW_LINKS``): create skill -> certify -> create job role -> certify ->
  create agent -> get agent. It must reach the end (``WORKFLOW_END``).
* ``test_ignored_auth_fires_when_auth_is_ignored`` - the control for ``ignored_auth``: the
  same contract over a router whose authenticator lets everyone in fails that check.
* ``test_every_check_is_enabled`` - the configuration leaves no check out, anywhere.

Authentication: schemathesis sends ``Authorization: Bearer <token with every PP role>`` on
every request (``headers`` in the configuration), so ``ignored_auth`` sends each secured
operation again without it, and with a made-up token, and requires a 401 both times.

Checks: all that schemathesis registers (``BUILTIN_CHECKS``), ``max_response_time``, and two
project checks passed as ``additional_checks`` (not registered, so they do not leak into
other schemathesis runs): ``pp_problem_details`` and ``pp_declared_422``. Configured rather
than disabled: ``positive_data_acceptance`` also takes a 422 where the contract declares one
for schema-valid input (``DECLARED_422``: Plant's L0 rules, Plant's opaque cursors,
Idempotency-Key reuse, ``until`` after ``since``), and ``pp_declared_422`` then insists on
exactly that kind. Enabled but unable to fire here: ``object_level_authorization`` (one
identity), ``use_after_free`` (no DELETE), ``missing_required_header`` (none required).

Reproducible: a fixed ``SEED``, ``derandomize`` for the state machine, no Hypothesis example
database. Plant's database is not reset between cases (it is another process); the checks do
not depend on its contents beyond the seeded entities.
"""

from __future__ import annotations

import copy
import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from importlib.resources import files
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.python import asgi
from sqlalchemy import create_engine, delete, insert, select

from tests.support.plant_seed import INDUSTRY_MARKETING, INDUSTRY_SALES, seed_catalogue
from tests.support.plant_server import PlantServer
from waooaw.generated.plant import models as plant_models
from waooaw.generated.plant.client import PlantClient
from waooaw.generated.pp import server
from waooaw.runtime.security import Principal
from waooaw.services.common.db import sync_url
from waooaw.services.plant.storage.tables import metadata
from waooaw.verify.checks import BUILTIN_CHECKS, PROBLEM_JSON

from .conftest import ROLES, pp_app, token

CI = bool(os.environ.get("CI"))
MAX_EXAMPLES = 50 if CI else 10
SEED = 20260117
DEADLINE = timedelta(seconds=10)  # per generated case, with the probes ignored_auth sends
SCENARIO_DEADLINE = timedelta(seconds=30)
# seconds per response (max_response_time): a call is PP plus Plant, typically 10-50 ms;
# 3 s was exceeded once by a GET when the 2-core machine ran at a load average of 10
RESPONSE_TIME_LIMIT = 10.0  # a hang detector; speed is measured in bench/
# calls per stateful scenario, and scenarios: the workflow needs 6 calls in a row
STATEFUL_STEPS = 20
STATEFUL_EXAMPLES = max(MAX_EXAMPLES, 20)

CONSTITUTIONAL = "https://waooaw.com/errors/constitutional-alignment"

#: check name -> why it is off; nothing is.
DISABLED_CHECKS: dict[str, str] = {}


@dataclass(frozen=True, slots=True)
class Declared422:
    """The one kind of 422 an operation's contract declares for schema-valid input."""

    why: str
    matches: Callable[[dict[str, Any]], bool]


def _constitutional(problem: dict[str, Any]) -> bool:
    return problem.get("type") == CONSTITUTIONAL


def _key_reused(problem: dict[str, Any]) -> bool:
    return str(problem.get("type", "")).endswith("/idempotency-key-reuse")


def _only_violations_of(*fields: str) -> Callable[[dict[str, Any]], bool]:
    def matches(problem: dict[str, Any]) -> bool:
        violations = problem.get("violations") or []
        return bool(violations) and all(v.get("field") in fields for v in violations)

    return matches


_KEY_REUSE = "an Idempotency-Key reused with another body is a 422 (idempotency-key-reuse)"
_CURSOR = Declared422(
    "cursors are Plant's and opaque: one Plant did not issue is its 422",
    _only_violations_of("query.cursor"),
)
DECLARED_422: dict[str, Declared422] = {
    "createAgent": Declared422(
        "Plant checks L0-01/L0-04/L0-06 on schema-valid bodies; " + _KEY_REUSE,
        lambda p: _constitutional(p) or _key_reused(p),
    ),
    "createSkill": Declared422(_KEY_REUSE, _key_reused),
    "createJobRole": Declared422(_KEY_REUSE, _key_reused),
    "certifyJobRole": Declared422(
        "L0-04: Plant certifies a job role only once all its skills are", _constitutional
    ),
    "listIndustries": _CURSOR,
    "listSkills": _CURSOR,
    "listJobRoles": _CURSOR,
    "listAgents": _CURSOR,
    "exportAuditReport": Declared422(
        "`until` must not be earlier than `since`", _only_violations_of("query.until")
    ),
}
POSITIVE_DATA_ACCEPTANCE = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]


def _problem(response: schemathesis.Response) -> dict[str, Any] | None:
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def pp_problem_details(
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


def pp_declared_422(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> None:
    """Where DECLARED_422 lets schema-valid input have a 422, it is the declared kind."""
    declared = DECLARED_422.get(str(case.operation.definition.raw.get("operationId", "")))
    if declared is None or response.status_code != 422 or case.meta is None:
        return
    if not case.meta.generation.mode.is_positive:
        return
    problem = _problem(response) or {}
    assert declared.matches(problem), (
        f"schema-valid input got a 422 other than the declared one ({declared.why}): {problem}"
    )


PROJECT_CHECKS = [pp_problem_details, pp_declared_422]
EVERY_ROLE = token(*ROLES, sub="schemathesis")


# ---------------------------------------------------------------------------- seeded data


@dataclass(frozen=True, slots=True)
class Seeded:
    skill: str
    pending_skill: str
    job_role: str
    pending_job_role: str
    agent: str


def _seed(plant: PlantServer) -> Seeded:
    with PlantClient(plant.base_url) as client:
        catalogue = seed_catalogue(client, agents=1, skills=2)
        tag = uuid.uuid4().hex[:8]
        pending = client.create_skill(
            body=plant_models.SkillCreate.model_validate(
                {"name": f"Pending {tag}", "category": "domain", "description": "Waits."}
            )
        )
        pending_role = client.create_job_role(
            body=plant_models.JobRoleCreate.model_validate(
                {
                    "name": f"Pending role {tag}",
                    "description": "Waits.",
                    "industry_id": str(INDUSTRY_MARKETING),
                    "required_skills": [str(pending.id)],
                    "seniority": "junior",
                }
            )
        )
    return Seeded(
        skill=str(catalogue.skills[0].id),
        pending_skill=str(pending.id),
        job_role=str(catalogue.job_role.id),
        pending_job_role=str(pending_role.id),
        agent=str(catalogue.agents[0].id),
    )


class Snapshot:
    """Every table of Plant's database as seeded, restored before each stateful scenario.

    Plant runs in its own process over a SQLite file; rows are swapped under it in one
    transaction, as Plant's own stateful test does in process. Hypothesis replays its
    choices and expects the same outcome: a create that answered 201 must not meet a 409
    because an earlier scenario took the name.
    """

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


def contract_config(seeded: Seeded | None) -> schemathesis.Config:
    config: dict[str, Any] = {
        "seed": SEED,
        # OpenAPI-aware: schemathesis knows the token is the contract's bearerAuth, so
        # ignored_auth removes it (and forges one) to see the operation refuse the request
        "auth": {"openapi": {"bearerAuth": {"bearer": EVERY_ROLE}}},
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
    if seeded is None:
        return schemathesis.Config.from_dict(config)
    half = 0.5
    config["dictionaries"] = {
        "skills": {"values": [seeded.skill, seeded.pending_skill]},
        "job-roles": {"values": [seeded.job_role, seeded.pending_job_role]},
        "agents": {"values": [seeded.agent]},
        "entities": {"values": [seeded.skill, seeded.pending_skill, seeded.job_role, seeded.agent]},
        "industries": {"values": [str(INDUSTRY_MARKETING), str(INDUSTRY_SALES)]},
        "governors": {"values": ["genesis"]},
    }
    config["parameters"] = {
        "path.skill_id": {"dictionary": "skills", "probability": half},
        "path.job_role_id": {"dictionary": "job-roles", "probability": half},
        "path.agent_id": {"dictionary": "agents", "probability": half},
        "query.industry_id": {"dictionary": "industries", "probability": half},
        "query.job_role_id": {"dictionary": "job-roles", "probability": half},
        "body.industry_id": {"dictionary": "industries", "probability": half},
        "body.job_role_id": {"dictionary": "job-roles", "probability": half},
        "body.governance_agent_id": {"dictionary": "governors", "probability": half},
        "body.entity_id": {"dictionary": "entities", "probability": half},
    }
    return schemathesis.Config.from_dict(config)


WORKFLOW_LINKS: dict[tuple[str, str, str, str], dict[str, Any]] = {
    ("/api/v1/genesis/skills/{skill_id}/certify", "post", "200", "CreateJobRoleRequiringIt"): {
        "operationId": "createJobRole",
        "requestBody": {
            "name": "Linked role",
            "description": "Requires the certified skill.",
            "industry_id": str(INDUSTRY_MARKETING),
            "required_skills": ["$response.body#/id"],
            "seniority": "mid",
        },
        "x-schemathesis": {"merge_body": False},
    },
    ("/api/v1/genesis/job-roles/{job_role_id}/certify", "post", "200", "CreateAgentForIt"): {
        "operationId": "createAgent",
        "requestBody": {
            "name": "Linked agent",
            "industry_id": "$response.body#/industry_id",
            "job_role_id": "$response.body#/id",
            "skills": "$response.body#/required_skills",
            "governance_agent_id": "genesis",
        },
        "x-schemathesis": {"merge_body": False},
    },
}
WORKFLOW_OPERATIONS = frozenset(
    {"createSkill", "certifySkill", "createJobRole", "certifyJobRole", "createAgent", "getAgent"}
)
WORKFLOW_END = {("POST /api/v1/agents", 201), ("GET /api/v1/agents/{agent_id}", 200)}


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def seeded_plant(plant: PlantServer) -> Iterator[tuple[Seeded, Snapshot]]:
    """Plant seeded, and its tables as they are right then: every stateful scenario starts
    from exactly this state, whichever tests ran on this Plant before."""
    seeded = _seed(plant)
    snapshot = Snapshot(plant.database_url)
    try:
        yield seeded, snapshot
    finally:
        snapshot.engine.dispose()


@pytest.fixture
def seeded(seeded_plant: tuple[Seeded, Snapshot]) -> Seeded:
    return seeded_plant[0]


@pytest.fixture
def served_app(plant: PlantServer) -> Iterator[FastAPI]:
    """PP over the module's Plant; schemathesis starts its lifespan on its own event loop."""
    app = pp_app(plant.base_url, plant_timeout_seconds=10.0)
    try:
        yield app
    finally:
        asgi.shutdown_lifespans()  # closes PP's Plant client on the loop that used it


@pytest.fixture
def snapshot(seeded_plant: tuple[Seeded, Snapshot]) -> Iterator[Snapshot]:
    taken = seeded_plant[1]
    try:
        yield taken
    finally:
        taken.restore()  # leave Plant as seeded for whatever runs next


@pytest.fixture
def pp_schema(served_app: FastAPI, seeded: Seeded) -> Any:
    return schemathesis.openapi.from_asgi(
        "/openapi.json", served_app, config=contract_config(seeded)
    )


@pytest.fixture
def _pytest9_nodeid(request: pytest.FixtureRequest) -> None:
    """schemathesis 4.32.5 lazy schemas read and rewrite `item._nodeid`, gone in pytest 9.2."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


# ---------------------------------------------------------------------------- tests


def _contract() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        files("waooaw.generated.pp").joinpath("openapi.json").read_text()
    )
    return document


def test_every_check_is_enabled() -> None:
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    registered = set(CHECKS.get_all_names())
    assert registered >= BUILTIN_CHECKS - {"max_response_time"}, "a built-in check was renamed"
    schema = schemathesis.openapi.from_dict(_contract(), config=contract_config(None))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 18
    for operation in operations:
        for phase in ("examples", "coverage", "fuzzing", "stateful"):
            checks = schema.config.checks_config_for(operation=operation, phase=phase)
            off = {name for name in BUILTIN_CHECKS if not checks.get_by_name(name=name).enabled}
            assert off == set(DISABLED_CHECKS), f"{operation.label} ({phase}): {sorted(off)} off"
            assert checks.max_response_time.limit == RESPONSE_TIME_LIMIT


lazy_schema = schemathesis.pytest.from_fixture("pp_schema")


@lazy_schema.parametrize()
@pytest.mark.usefixtures("_pytest9_nodeid")
@hypothesis.settings(deadline=DEADLINE)
def test_contract(case: schemathesis.Case) -> None:
    case.call_and_validate(additional_checks=PROJECT_CHECKS)


def test_stateful_workflow(served_app: FastAPI, snapshot: Snapshot) -> None:
    document = copy.deepcopy(_contract())
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
    for (path, method, status, name), link in WORKFLOW_LINKS.items():
        links = document["paths"][path][method]["responses"][status].setdefault("links", {})
        links.setdefault(name, link)
    others = [
        operation["operationId"]
        for item in document["paths"].values()
        for operation in item.values()
        if operation["operationId"] not in WORKFLOW_OPERATIONS
    ]
    schema = schemathesis.openapi.from_dict(document, config=contract_config(None))
    schema = schema.exclude(operation_id=others)
    schema.app = served_app
    reached: set[tuple[str, int]] = set()

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            snapshot.restore()

        def after_call(self, response: schemathesis.Response, case: schemathesis.Case) -> None:
            super().after_call(response, case)
            reached.add((case.operation.label, response.status_code))

        def validate_response(
            self, response: schemathesis.Response, case: schemathesis.Case, **kwargs: Any
        ) -> None:
            kwargs["additional_checks"] = [
                *(kwargs.get("additional_checks") or ()),
                *PROJECT_CHECKS,
            ]
            super().validate_response(response, case, **kwargs)

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
    assert reached >= WORKFLOW_END, f"the workflow never got to its end: {sorted(reached)}"


class LetEveryoneIn:
    """An authenticator that ignores the contract's security: what ignored_auth must catch."""

    async def __call__(self, request: Any, requirements: Any, /) -> Principal:
        return Principal(subject="anyone", roles=frozenset(ROLES))


def test_ignored_auth_fires_when_auth_is_ignored(served_app: FastAPI) -> None:
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
    document = _contract()
    schema = schemathesis.openapi.from_dict(document, config=contract_config(None))
    schema.app = lax
    operation = schema["/api/v1/agent-form"]["GET"]
    case = operation.Case(headers={"Authorization": f"Bearer {EVERY_ROLE}"})
    with pytest.raises(FailureGroup) as caught:
        case.call_and_validate(checks=[ignored_auth])
    assert [type(e) for e in caught.value.exceptions] == [IgnoredAuth]
    # and with the real authenticator (PP as served) the same check passes
    schema.app = served_app
    real = schema["/api/v1/genesis/industries"]["GET"].Case(
        headers={"Authorization": f"Bearer {EVERY_ROLE}"}
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
