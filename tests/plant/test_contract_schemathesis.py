"""The Plant service against its contract: schemathesis 4, in process over ASGI, every check.

Each test that touches a database runs on SQLite and, with ``WAOOAW_TEST_POSTGRES_URL``,
on PostgreSQL (the ``database_url`` fixture):

* ``test_contract`` - every operation through the examples, coverage and fuzzing phases,
  ``MAX_EXAMPLES`` fuzzed cases per operation (50 when ``CI`` is set, 10 otherwise). A
  certified skill, job role and agent (and pending ones) are seeded first, and half of the
  generated ids are theirs (``contract_config``), so GET-by-id, certify, assign-team and the
  audit operations reach real entities as well as the 404 paths.
* ``test_stateful_workflow`` - a state machine over the contract's OpenAPI links plus the two
  the contract lacks (``WORKFLOW_LINKS``): create skill -> certify -> create job role ->
  certify -> create agent -> get agent. It must reach the end (``WORKFLOW_END``).
* ``test_known_bug`` - one strict xfail per open service/contract bug (none at present).
* ``test_fixed_bug_stays_fixed`` - the reproductions of bugs these runs found and that were
  fixed (``FIXED``) keep the status the contract requires.
* ``test_every_check_is_enabled`` - the configuration leaves no check out, anywhere.

Checks: all that schemathesis registers (``BUILTIN_CHECKS``), ``max_response_time``, and two
project checks: ``problem_details_for_errors`` and ``declared_422_only``. ``DISABLED_CHECKS``
is empty. Configured rather than disabled:

* ``positive_data_acceptance`` also takes a 422 on the operations of ``DECLARED_422``, whose
  contract declares a 422 for schema-valid input (L0 rules, opaque cursors, ``until`` after
  ``since``); ``declared_422_only`` then insists on exactly that kind of 422 there.
* ``max_response_time`` is ``RESPONSE_TIME_LIMIT``.

Enabled but unable to fire on this contract: ``ignored_auth`` and
``object_level_authorization`` (no security schemes), ``use_after_free`` (no DELETE),
``missing_required_header`` (no required header).

Known bugs (``KNOWN_BUGS``): each is reproduced by a strict xfail, and a ``filter_failure``
hook drops exactly that failure (operation, failure kind and a predicate on the request) from
the other runs, so they keep finding new ones. Fixing a bug makes its xfail XPASS, which fails
until its entry is removed.

Reproducible: a fixed ``SEED`` for the fuzzing, ``derandomize`` for the state machine, every
scenario from the same database state (``Snapshot``), no Hypothesis example database. A
failure prints a curl command that reproduces it.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from importlib.resources import files
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.python import asgi
from sqlalchemy import create_engine, delete, insert, select

from waooaw.services.common.db import sync_url
from waooaw.services.plant import create_app
from waooaw.services.plant.storage.tables import metadata

from .conftest import (
    GOVERNOR,
    INDUSTRY_MARKETING,
    INDUSTRY_SALES,
    agent_body,
    make_job_role,
    make_skill,
    settings_for,
)

CI = bool(os.environ.get("CI"))
MAX_EXAMPLES = 50 if CI else 10
SEED = 20260116
# per generated case, with the extra requests some checks send; typical cases take ~50 ms
DEADLINE = timedelta(seconds=5)
# per stateful scenario (Hypothesis times a state machine run as a whole); typically ~0.3 s
SCENARIO_DEADLINE = timedelta(seconds=15)
# seconds, per response (the max_response_time check); the slowest seen is ~0.7 s, under load
RESPONSE_TIME_LIMIT = 2.0
# calls per stateful scenario; the workflow needs 6, and 15 lets most runs finish it
STATEFUL_STEPS = 15

PROBLEM_JSON = "application/problem+json"
CONSTITUTIONAL = "https://waooaw.com/errors/constitutional-alignment"

# ---------------------------------------------------------------------------- the checks

#: Everything schemathesis 4.32 checks; all of it runs (see test_every_check_is_enabled).
BUILTIN_CHECKS = frozenset(
    {
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
        "positive_data_acceptance",
        "missing_required_header",
        "unsupported_method",
        "allow_header_conformance",
        "use_after_free",
        "ensure_resource_availability",
        "ignored_auth",
        "object_level_authorization",
        "max_response_time",  # not in the registry: enabled by giving it a limit
    }
)
#: check name -> why it is off; contract_config turns these off and nothing else.
DISABLED_CHECKS: dict[str, str] = {}


@dataclass(frozen=True, slots=True)
class Declared422:
    """The one kind of 422 an operation's contract declares for schema-valid input."""

    why: str
    matches: Callable[[dict[str, Any]], bool]


def _constitutional(problem: dict[str, Any]) -> bool:
    return problem.get("type") == CONSTITUTIONAL


def _only_violations_of(*fields: str) -> Callable[[dict[str, Any]], bool]:
    def matches(problem: dict[str, Any]) -> bool:
        violations = problem.get("violations") or []
        return bool(violations) and all(v.get("field") in fields for v in violations)

    return matches


def _key_reused(problem: dict[str, Any]) -> bool:
    return str(problem.get("type", "")).endswith("/idempotency-key-reuse")


def _either(*kinds: Callable[[dict[str, Any]], bool]) -> Callable[[dict[str, Any]], bool]:
    return lambda problem: any(kind(problem) for kind in kinds)


_KEY_REUSE = "an Idempotency-Key reused with another body is a 422 (idempotency-key-reuse)"
_CURSOR = Declared422(
    "cursors are opaque: one this service did not issue is a 422 (shared Cursor parameter)",
    _only_violations_of("query.cursor"),
)
#: operationId -> the 422 that positive_data_acceptance lets through there.
DECLARED_422: dict[str, Declared422] = {
    "createAgent": Declared422(
        "L0-01/L0-04/L0-06 are checked on schema-valid bodies (constitutional problem); "
        + _KEY_REUSE,
        _either(_constitutional, _key_reused),
    ),
    "createSkill": Declared422(_KEY_REUSE, _key_reused),
    "createJobRole": Declared422(_KEY_REUSE, _key_reused),
    "certifyJobRole": Declared422(
        "L0-04: a job role is certified only once all its skills are (constitutional problem)",
        _constitutional,
    ),
    "listIndustries": _CURSOR,
    "listSkills": _CURSOR,
    "listJobRoles": _CURSOR,
    "listAgents": _CURSOR,
    "exportAudit": Declared422(
        "`until` must be later than `since`", _only_violations_of("query.until")
    ),
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


@schemathesis.check
def problem_details_for_errors(
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
    assert problem.get("status") == response.status_code, (
        f"problem status {problem.get('status')!r} is not the HTTP status {response.status_code}"
    )
    assert problem.get("correlation_id") == correlation[0], (
        f"problem correlation_id {problem.get('correlation_id')!r} is not the "
        f"X-Correlation-ID header {correlation[0]!r}"
    )


@schemathesis.check
def declared_422_only(
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


PROJECT_CHECKS = frozenset({"problem_details_for_errors", "declared_422_only"})

# ---------------------------------------------------------------------------- seeded data


@dataclass(frozen=True, slots=True)
class Seeded:
    """Entities created before a run, so that generated ids can name real ones."""

    skill: str  # certified
    pending_skill: str
    job_role: str  # certified, requires `skill`
    pending_job_role: str  # requires `pending_skill`
    agent: str
    agent_body: dict[str, Any]  # what created `agent`


def _seed(database_url: str) -> Seeded:
    async def run() -> Seeded:
        # an app of its own on this event loop; the app under test runs on schemathesis' loop
        app = create_app(settings_for(database_url))
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://plant") as http:
                skill = await make_skill(http)
                pending_skill = await make_skill(http, certify=False)
                role = await make_job_role(http, [skill["id"]])
                pending_role = await make_job_role(http, [pending_skill["id"]], certify=False)
                body = agent_body(role, [skill["id"]])
                agent = await http.post("/api/v1/agents", json=body)
                assert agent.status_code == 201, agent.text
        finally:
            await app.state.context.db.dispose()
        return Seeded(
            skill=skill["id"],
            pending_skill=pending_skill["id"],
            job_role=role["id"],
            pending_job_role=pending_role["id"],
            agent=agent.json()["id"],
            agent_body=body,
        )

    return asyncio.run(run())


class Snapshot:
    """Every Plant table as seeded, restored before each stateful scenario.

    Hypothesis replays its choices and expects the same outcome: a rule that is available
    only after a 201 must not meet a 409 because an earlier scenario took the name.
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


# ---------------------------------------------------------------------------- known bugs


def _negated_locations(case: schemathesis.Case) -> set[str]:
    if case.meta is None:
        return set()
    return {str(loc.value) for loc, info in case.meta.components.items() if info.mode.is_negative}


def _mutated_parameters(case: schemathesis.Case) -> set[tuple[str, str | None]]:
    """(location, name) of each part a negative case made invalid, as schemathesis recorded."""
    if case.meta is None:
        return set()
    data = case.meta.phase.data
    mutations = getattr(data, "mutations", ())
    if mutations:
        return {(str(m.parameter_location.value), m.parameter) for m in mutations}
    if getattr(data, "parameter", None) and data.parameter_location is not None:
        return {(str(data.parameter_location.value), data.parameter)}
    return set()


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


@dataclass(frozen=True, slots=True)
class KnownBug:
    """A failure the service or contract is known to cause, and how to reproduce it."""

    reason: str
    operation: str  # "METHOD /path", or "*" for any
    #: failure codes (ST101 server error, ST201 invalid data accepted, ST202 valid data
    #: rejected) or, for a project check, the failure's title
    failures: frozenset[str]
    matches: Callable[[schemathesis.Case, schemathesis.Response], bool]
    reproduce: Callable[[Any, Seeded], Reproduction]


KNOWN_BUGS: dict[str, KnownBug] = {}

#: Bugs these runs found and that were fixed: each reproduction must keep its contract status.
FIXED: dict[str, Callable[[Any, Seeded], Reproduction]] = {
    "null-unique-array-is-500": _null_specialties_repro,
    "optional-property-accepts-null": _null_notes_repro,
    "audit-run-accepts-null-body": _null_audit_body_repro,
    "date-time-query-accepts-unix-time": _unix_time_repro,
    "idempotency-key-reuse-is-422": _key_reuse_repro,
    "integer-accepts-integral-float": _integral_float_repro,
}


def _drop_known_failures(schema: Any) -> None:
    @schema.hook
    def filter_failure(
        context: Any, failure: Any, case: schemathesis.Case, response: schemathesis.Response
    ) -> bool:
        return not any(
            bug.operation in ("*", case.operation.label)
            and (failure.code in bug.failures or failure.title in bug.failures)
            and bug.matches(case, response)
            for bug in KNOWN_BUGS.values()
        )


# ---------------------------------------------------------------------------- configuration


def contract_config(seeded: Seeded | None) -> schemathesis.Config:
    """What a `schemathesis.toml` would say; `seeded` ids become fuzzing dictionaries."""
    config: dict[str, Any] = {
        "seed": SEED,
        # PostgreSQL cannot store NUL in text, so Plant answers such input with a 422 problem
        # (tested in test_errors_and_cors.py); schema-valid data here leaves NUL out
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
    half = 0.5  # half the ids are real, the other half keep exercising the 404s
    entities = [
        seeded.skill,
        seeded.pending_skill,
        seeded.job_role,
        seeded.pending_job_role,
        seeded.agent,
    ]
    config["dictionaries"] = {
        "skills": {"values": [seeded.skill, seeded.pending_skill]},
        "job-roles": {"values": [seeded.job_role, seeded.pending_job_role]},
        "agents": {"values": [seeded.agent]},
        "entities": {"values": entities},
        "industries": {"values": [INDUSTRY_MARKETING, INDUSTRY_SALES]},
        "governors": {"values": ["genesis", GOVERNOR]},
    }
    config["parameters"] = {
        "path.skill_id": {"dictionary": "skills", "probability": half},
        "path.job_role_id": {"dictionary": "job-roles", "probability": half},
        "path.agent_id": {"dictionary": "agents", "probability": half},
        "path.entity_id": {"dictionary": "entities", "probability": half},
        "query.industry_id": {"dictionary": "industries", "probability": half},
        "query.job_role_id": {"dictionary": "job-roles", "probability": half},
        "body.industry_id": {"dictionary": "industries", "probability": half},
        "body.job_role_id": {"dictionary": "job-roles", "probability": half},
        "body.governance_agent_id": {"dictionary": "governors", "probability": half},
        "body.entity_id": {"dictionary": "entities", "probability": half},
    }
    return schemathesis.Config.from_dict(config)


#: Links the stateful test adds to the contract's, which stop at certification: nothing
#: links a certified skill to a new job role, or a certified job role to a new agent.
WORKFLOW_LINKS: dict[tuple[str, str, str, str], dict[str, Any]] = {
    ("/api/v1/genesis/skills/{skill_id}/certify", "post", "200", "CreateJobRoleRequiringIt"): {
        "operationId": "createJobRole",
        "requestBody": {
            "name": "Linked role",
            "description": "Requires the certified skill.",
            "industry_id": INDUSTRY_MARKETING,
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
#: The state machine's operations: the workflow alone, so that scenarios get to its end
#: (test_contract covers the others).
WORKFLOW_OPERATIONS = frozenset(
    {"createSkill", "certifySkill", "createJobRole", "certifyJobRole", "createAgent", "getAgent"}
)
#: What a stateful run must reach: an agent created, then read through the createAgent link.
WORKFLOW_END = {("POST /api/v1/agents", 201), ("GET /api/v1/agents/{agent_id}", 200)}


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture
def seeded(database_url: str) -> Seeded:
    return _seed(database_url)


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
    """The contract as the app serves it, bound to the app (in process, over ASGI)."""
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", served_app, config=contract_config(seeded)
    )
    _drop_known_failures(schema)
    return schema


@pytest.fixture
def snapshot(database_url: str) -> Iterator[Snapshot]:
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


def test_every_check_is_enabled() -> None:
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    registered = set(CHECKS.get_all_names())
    assert registered >= BUILTIN_CHECKS - {"max_response_time"}, "a built-in check was renamed"
    assert registered >= PROJECT_CHECKS
    new = registered - BUILTIN_CHECKS - PROJECT_CHECKS
    assert not new, f"schemathesis has new checks: list them in BUILTIN_CHECKS: {sorted(new)}"

    contract = files("waooaw.generated.plant").joinpath("openapi.json").read_text()
    schema = schemathesis.openapi.from_dict(json.loads(contract), config=contract_config(None))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    for operation in operations:
        for phase in ("examples", "coverage", "fuzzing", "stateful"):
            checks = schema.config.checks_config_for(operation=operation, phase=phase)
            off = {
                name
                for name in BUILTIN_CHECKS | PROJECT_CHECKS
                if not checks.get_by_name(name=name).enabled
            }
            assert off == set(DISABLED_CHECKS), f"{operation.label} ({phase}): {sorted(off)} off"
            assert checks.max_response_time.limit == RESPONSE_TIME_LIMIT


lazy_schema = schemathesis.pytest.from_fixture("plant_schema")


@lazy_schema.parametrize()
@pytest.mark.usefixtures("_pytest9_nodeid")
@hypothesis.settings(deadline=DEADLINE)
def test_contract(case: schemathesis.Case) -> None:
    case.call_and_validate()


def test_stateful_workflow(served_app: FastAPI, snapshot: Snapshot) -> None:
    served = schemathesis.openapi.from_asgi(
        "/openapi.json", served_app, config=contract_config(None)
    )
    document = copy.deepcopy(served.raw_schema)
    for (path, method, status, name), link in WORKFLOW_LINKS.items():
        links = document["paths"][path][method]["responses"][status].setdefault("links", {})
        links.setdefault(name, link)
    others = [
        operation["operationId"]
        for item in document["paths"].values()
        for operation in item.values()
        if operation["operationId"] not in WORKFLOW_OPERATIONS
    ]
    # ids come from the links, so no seeded dictionaries; `exclude` rather than `include`,
    # which schemathesis 4.32 ORs with the config's per-operation sections (selecting all)
    schema = schemathesis.openapi.from_dict(document, config=contract_config(None))
    schema = schema.exclude(operation_id=others)
    schema.app = served_app
    _drop_known_failures(schema)
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
            # as schemathesis' own state machine settings: no shrinking, no health checks
            phases=[hypothesis.Phase.generate],
            suppress_health_check=list(hypothesis.HealthCheck),
        )
    )
    assert reached >= WORKFLOW_END, f"the workflow never got to its end: {sorted(reached)}"


@pytest.mark.parametrize(
    "bug",
    [
        pytest.param(bug, id=name, marks=pytest.mark.xfail(strict=True, reason=bug.reason))
        for name, bug in KNOWN_BUGS.items()
    ],
)
def test_known_bug(bug: KnownBug, plant_schema: Any, seeded: Seeded) -> None:
    _assert_contract_status(*bug.reproduce(plant_schema, seeded))


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
