"""``AsyncPlantClient`` against a real Plant (uvicorn subprocess on 127.0.0.1, SQLite file).

* the whole Genesis -> agent -> audit flow, and real problems mapped to error classes;
* a stopped (or silent) Plant gives ``PlantServiceUnavailableError`` after the retries,
  within a time budget derived from the ``RetryPolicy``;
* behind a fault-injecting proxy (``tests/support/fault_proxy.py``) that answers 503 to the
  first attempt of every other create, either before forwarding or after Plant created
  the entity, every create succeeds from the caller's view and nothing is duplicated,
  because the client reuses its ``Idempotency-Key`` on the retry. A control without the
  key shows that the same proxy does duplicate entities.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.plant.conftest import agent_body
from tests.support.fault_proxy import Fault, FaultProxy
from tests.support.plant_server import PlantServer
from waooaw.generated.plant import models
from waooaw.generated.plant.client import (
    AsyncPlantClient,
    PlantConflictError,
    PlantConstitutionalAlignmentError,
    PlantEntityNotFoundError,
    PlantServiceUnavailableError,
    PlantTransportError,
    PlantValidationFailedError,
    RetryPolicy,
)
from waooaw.runtime.context import correlation_id
from waooaw.services.plant.seeded import INDUSTRY_MARKETING, INDUSTRY_SALES

from .conftest import max_total_wait

pytestmark = pytest.mark.anyio

# Time a failing attempt may take on top of the retry waits (connect to a closed local
# port, or a timed-out read), generous for loaded CI machines.
SLACK_S = 3.0


@pytest.fixture
async def client(plant: PlantServer) -> AsyncIterator[AsyncPlantClient]:
    async with AsyncPlantClient(plant.base_url) as c:
        yield c


# -- helpers over the generated client --------------------------------------------------------


def unique(label: str) -> str:
    return f"{label} {uuid.uuid4().hex[:10]}"


async def new_skill(
    c: AsyncPlantClient, name: str | None = None, *, certify: bool = True
) -> models.SkillResponse:
    body = models.SkillCreate(
        name=name or unique("Skill"),
        category=models.SkillCategory.TECHNICAL,
        description="A skill for client tests.",
    )
    skill: Any = await c.create_skill(body=body)
    assert isinstance(skill, models.SkillResponse)
    assert skill.status is models.SkillStatus.PENDING_CERTIFICATION
    if certify:
        skill = await c.certify_skill(skill_id=skill.id)
        assert skill.status is models.SkillStatus.CERTIFIED
    result: models.SkillResponse = skill
    return result


async def new_role(
    c: AsyncPlantClient,
    skills: list[models.SkillResponse],
    *,
    industry: str = INDUSTRY_MARKETING,
    certify: bool = True,
) -> models.JobRoleResponse:
    body = models.JobRoleCreate.model_validate(
        {
            "name": unique("Content Writer"),
            "description": "Writes content.",
            "industry_id": industry,
            "required_skills": [str(s.id) for s in skills],
            "seniority": "mid",
        }
    )
    role: Any = await c.create_job_role(body=body)
    assert isinstance(role, models.JobRoleResponse)
    if certify:
        role = await c.certify_job_role(job_role_id=role.id)
        assert role.status is models.JobRoleStatus.CERTIFIED
    result: models.JobRoleResponse = role
    return result


def agent_create(
    role: models.JobRoleResponse, skills: list[models.SkillResponse], **overrides: Any
) -> models.AgentCreate:
    role_json = role.model_dump(mode="json")
    body = agent_body(role_json, [str(s.id) for s in skills], **overrides)
    return models.AgentCreate.model_validate(body)


async def agents_of(
    c: AsyncPlantClient, role: models.JobRoleResponse, *, limit: int = 100
) -> list[list[models.AgentResponse]]:
    """Every page of the role's agents."""
    pages: list[list[models.AgentResponse]] = []
    cursor: str | None = None
    for _ in range(100):
        page: Any = await c.list_agents(job_role_id=role.id, limit=limit, cursor=cursor)
        assert isinstance(page, models.AgentList)
        pages.append(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return pages
    raise AssertionError("list_agents did not stop paginating")


async def skills_named(c: AsyncPlantClient, prefix: str) -> list[models.SkillResponse]:
    found: list[models.SkillResponse] = []
    cursor: str | None = None
    for _ in range(100):
        page: Any = await c.list_skills(limit=100, cursor=cursor)
        found.extend(s for s in page.items if s.name.startswith(prefix))
        cursor = page.next_cursor
        if cursor is None:
            return found
    raise AssertionError("list_skills did not stop paginating")


async def audit_entries(c: AsyncPlantClient) -> int:
    report: Any = await c.run_audit(body=models.AuditRunRequest())
    assert report.chain.intact is True, report.chain
    entries: int = report.chain.entries
    return entries


# -- the flow -------------------------------------------------------------------------------------


async def test_genesis_to_agent_to_audit_flow(client: AsyncPlantClient) -> None:
    c = client
    entries_before = await audit_entries(c)
    health: Any = await c.get_health()
    assert health.status == "ok"
    ready: Any = await c.get_readiness()
    assert (ready.status, ready.database, ready.migrations) == ("ready", "ok", "current")
    industries: Any = await c.list_industries()
    assert INDUSTRY_MARKETING in {str(i.id) for i in industries.items}

    # Genesis: two skills, certified; a job role needing them, certified
    skill_a = await new_skill(c, certify=False)
    certified: Any = await c.certify_skill(
        skill_id=skill_a.id,
        body=models.CertificationRequest(certified_by="genesis-board", notes="reviewed"),
    )
    assert certified.status is models.SkillStatus.CERTIFIED
    assert certified.certified_by == "genesis-board"
    assert certified.certified_at is not None
    fetched: Any = await c.get_skill(skill_id=skill_a.id)
    assert fetched == certified
    skill_b = await new_skill(c)
    skills = [certified, skill_b]
    role = await new_role(c, skills)
    assert [str(s) for s in role.required_skills] == [str(s.id) for s in skills]
    got_role: Any = await c.get_job_role(job_role_id=role.id)
    assert got_role == role

    # agents
    created: list[models.AgentResponse] = []
    for i in range(5):
        agent: Any = await c.create_agent(body=agent_create(role, skills, name=f"Agent {i}"))
        assert isinstance(agent, models.AgentResponse)
        assert agent.status is models.AgentStatus.ACTIVE
        assert agent.constitutional_alignment.status is models.AlignmentStatus.COMPLIANT
        assert [a.event for a in agent.amendment_history] == [models.AmendmentEvent.CREATED]
        assert len(agent.version_hash) == 64
        created.append(agent)
    got: Any = await c.get_agent(agent_id=created[0].id)
    assert got == created[0]

    pages = await agents_of(c, role, limit=2)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [a.id for p in pages for a in p] == [a.id for a in created]
    filtered: Any = await c.list_agents(
        industry_id=role.industry_id, status=models.AgentStatus.ACTIVE, limit=100
    )
    assert {a.id for a in created} <= {a.id for a in filtered.items}

    # team assignment: a second amendment, a new version hash
    team = uuid.uuid4()
    assigned: Any = await c.assign_agent_team(
        agent_id=created[0].id,
        body=models.TeamAssignment(team_id=team, role="Campaign Writer", assigned_by="pp-admin"),
    )
    assert assigned.team_id == team
    assert [a.event for a in assigned.amendment_history] == [
        models.AmendmentEvent.CREATED,
        models.AmendmentEvent.TEAM_ASSIGNED,
    ]
    assert assigned.amendment_history[-1].actor == "pp-admin"
    assert assigned.version_hash != created[0].version_hash
    with pytest.raises(PlantConflictError):
        await c.assign_agent_team(
            agent_id=created[0].id,
            body=models.TeamAssignment(team_id=team, role="Campaign Writer", assigned_by="pp"),
        )

    # audit: 2 skills (created, certified) + role (created, certified) + 5 agents + 1 team
    report: Any = await c.run_audit(body=models.AuditRunRequest())
    assert report.chain.intact is True
    assert report.chain.entries == entries_before + 2 * 2 + 2 + 5 + 1
    assert report.entities_checked >= 2 + 1 + 5
    scoped: Any = await c.run_audit(
        body=models.AuditRunRequest(entity_type=models.EntityType.AGENT, entity_id=created[0].id)
    )
    assert scoped.entities_checked == 1
    assert scoped.violations == []

    tampering: Any = await c.check_tampering(entity_id=created[0].id)
    assert (tampering.intact, tampering.entries_checked) == (True, 2)
    assert tampering.break_kind is None
    role_report: Any = await c.check_tampering(entity_id=role.id)
    assert (role_report.intact, role_report.entries_checked) == (True, 2)

    # export: CSV (text) and JSON Lines, ending with the signed head
    exported: Any = await c.export_audit(format=models.ExportFormat.CSV)
    assert isinstance(exported, str)
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert rows[-1]["record"] == "head"
    entries = [r for r in rows if r["record"] == "entry"]
    assert len(entries) == report.chain.entries
    ours = {str(a.id) for a in created}
    assert sorted((r["entity_id"], r["event"]) for r in entries if r["entity_id"] in ours) == (
        sorted([(i, "created") for i in ours] + [(str(created[0].id), "team_assigned")])
    )
    raw = await c.export_audit_raw(
        format=models.ExportFormat.JSONL, entity_type=models.EntityType.AGENT
    )
    assert raw.status_code == 200
    assert raw.headers["content-type"].startswith("application/x-ndjson")
    assert "attachment" in raw.headers["content-disposition"]
    lines = [json.loads(line) for line in raw.text.splitlines() if line]
    assert lines[-1]["record"] == "head"
    assert {line["entity_type"] for line in lines[:-1]} == {"agent"}
    assert ours <= {line["entity_id"] for line in lines[:-1]}


async def test_constitutional_violation_surfaces_with_its_violations(
    plant: PlantServer, client: AsyncPlantClient
) -> None:
    certified = await new_skill(client)
    pending = await new_skill(client, certify=False)
    role = await new_role(client, [certified])
    body = agent_create(
        role, [certified, pending], governance_agent_id=str(uuid.uuid4())
    )  # no such governor
    async with FaultProxy(plant.base_url) as proxy, AsyncPlantClient(proxy.base_url) as c:
        token = correlation_id.set("constitution-test-1")
        try:
            with pytest.raises(PlantConstitutionalAlignmentError) as caught:
                await c.create_agent(body=body)
        finally:
            correlation_id.reset(token)
        assert len(proxy.seen) == 1  # a 422 is final: not retried
    exc = caught.value
    assert exc.status_code == 422
    assert isinstance(exc.problem, models.ProblemDetails)
    assert exc.problem.type == "https://waooaw.com/errors/constitutional-alignment"
    assert exc.correlation_id == "constitution-test-1"
    by_rule = {v.rule: v for v in exc.violations}
    assert set(by_rule) == {"L0-01", "L0-04"}, exc.violations
    assert by_rule["L0-01"].field == "body.governance_agent_id"
    assert str(pending.id) in by_rule["L0-04"].message
    assert "L0-01" in str(exc)
    # nothing was created
    assert await agents_of(client, role) == [[]]

    # the industry principle (L0-06) on its own
    other = agent_create(role, [certified], industry_id=INDUSTRY_SALES)
    with pytest.raises(PlantConstitutionalAlignmentError) as caught:
        await client.create_agent(body=other)
    assert [v.rule for v in caught.value.violations] == ["L0-06"]


async def test_real_problems_map_to_error_classes(client: AsyncPlantClient) -> None:
    with pytest.raises(PlantEntityNotFoundError) as not_found:
        await client.get_agent(agent_id=uuid.uuid4())
    assert not_found.value.status_code == 404
    assert not_found.value.problem.type.endswith("/not-found")

    skill = await new_skill(client)
    with pytest.raises(PlantConflictError) as conflict:
        await client.certify_skill(skill_id=skill.id)
    assert "certified" in (conflict.value.detail or "")
    with pytest.raises(PlantConflictError):
        await new_skill(client, skill.name)  # duplicate name

    key = str(uuid.uuid4())
    first: Any = await client.create_skill(
        body=models.SkillCreate(
            name=unique("Keyed"), category=models.SkillCategory.CREATIVE, description="One."
        ),
        idempotency_key=key,
    )
    with pytest.raises(PlantValidationFailedError) as reuse:
        await client.create_skill(
            body=models.SkillCreate(
                name=unique("Other"), category=models.SkillCategory.CREATIVE, description="Two."
            ),
            idempotency_key=key,
        )
    assert reuse.value.problem.type.endswith("/idempotency-key-reuse")
    replay: Any = await client.create_skill(
        body=models.SkillCreate(name=first.name, category=first.category, description="One."),
        idempotency_key=key,
    )
    assert replay == first

    raw = await client.get_skill_raw(skill_id=uuid.uuid4())
    assert raw.status_code == 404
    assert isinstance(raw.body, models.ProblemDetails)
    assert raw.headers["x-correlation-id"] == raw.body.correlation_id


async def test_correlation_id_travels_end_to_end(client: AsyncPlantClient) -> None:
    token = correlation_id.set("e2e-correlation-7")
    try:
        raw = await client.list_skills_raw(limit=1)
    finally:
        correlation_id.reset(token)
    assert raw.status_code == 200
    assert raw.headers["x-correlation-id"] == "e2e-correlation-7"
    fresh = await client.list_skills_raw(limit=1)
    assert uuid.UUID(fresh.headers["x-correlation-id"])


# -- Plant gone ------------------------------------------------------------------------------------


def recording_sleeps(c: AsyncPlantClient) -> list[float]:
    sleeps: list[float] = []
    real = c._core._sleep

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        await real(seconds)

    c._core._sleep = sleep
    return sleeps


async def test_stopped_plant_is_unavailable_within_the_retry_budget(
    fresh_plant: PlantServer,
) -> None:
    policy = RetryPolicy()
    budget = max_total_wait(policy) + SLACK_S
    async with AsyncPlantClient(fresh_plant.base_url, retry=policy) as c:
        health: Any = await c.get_health()
        assert health.status == "ok"  # a kept-alive connection now sits in the pool
        fresh_plant.stop()
        assert not fresh_plant.running
        sleeps = recording_sleeps(c)

        never = models.SkillCreate(
            name="Never", category=models.SkillCategory.TECHNICAL, description="Gone."
        )
        calls: list[Callable[[], Awaitable[object]]] = [
            lambda: c.list_agents(),  # GET
            lambda: c.create_skill(body=never),  # POST with an Idempotency-Key
        ]
        for call in calls:
            before = len(sleeps)
            started = time.monotonic()
            with pytest.raises(PlantServiceUnavailableError) as caught:
                await call()
            elapsed = time.monotonic() - started
            assert isinstance(caught.value, PlantTransportError)
            assert isinstance(caught.value.__cause__, httpx.ConnectError)
            assert caught.value.status_code is None
            assert fresh_plant.base_url in str(caught.value)
            waits = sleeps[before:]
            assert len(waits) == policy.attempts - 1  # three attempts
            assert sum(waits) <= max_total_wait(policy) == 1.5
            assert sum(waits) <= elapsed < budget, (elapsed, waits)

        # a POST without an Idempotency-Key fails at once
        started = time.monotonic()
        with pytest.raises(PlantTransportError):
            await c.certify_skill(skill_id=uuid.uuid4())
        assert time.monotonic() - started < SLACK_S


async def test_silent_plant_times_out_within_the_retry_budget() -> None:
    """A server that accepts and never answers: per-call timeout, three attempts."""
    heads = 0
    writers: list[asyncio.StreamWriter] = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal heads
        writers.append(writer)
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            await reader.readuntil(b"\r\n\r\n")
            heads += 1
            await reader.read()  # until the client gives up and closes

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    policy = RetryPolicy()
    timeout = 0.3
    try:
        async with AsyncPlantClient(f"http://127.0.0.1:{port}", retry=policy) as c:
            sleeps = recording_sleeps(c)
            started = time.monotonic()
            with pytest.raises(PlantTransportError) as caught:
                await c.get_agent(agent_id=uuid.uuid4(), timeout=timeout)
            elapsed = time.monotonic() - started
    finally:
        server.close()
        for writer in writers:
            writer.close()
        await server.wait_closed()
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert heads == policy.attempts == 3
    assert len(sleeps) == 2
    lower = policy.attempts * timeout + sum(sleeps)
    assert lower <= elapsed < policy.attempts * timeout + max_total_wait(policy) + SLACK_S


# -- faults between the client and Plant -----------------------------------------------------------


@pytest.mark.parametrize("fault", [Fault.BEFORE, Fault.AFTER], ids=lambda f: f.value)
async def test_failed_first_attempts_neither_fail_nor_duplicate_creates(
    plant: PlantServer, client: AsyncPlantClient, fault: Fault
) -> None:
    prefix = unique(f"Proxy {fault.value}")
    entries_before = await audit_entries(client)
    async with FaultProxy(plant.base_url, fault) as proxy, AsyncPlantClient(proxy.base_url) as c:
        skills = [await new_skill(c, f"{prefix} {i}") for i in range(4)]  # 4 creates
        role = await new_role(c, skills[:2])  # 1 create
        created = [
            await c.create_agent(body=agent_create(role, skills[:2], name=f"{prefix} agent {i}"))
            for i in range(7)  # 7 creates
        ]
        creates = proxy.creates()

    # the caller saw every create succeed
    assert all(isinstance(a, models.AgentResponse) for a in created)
    # the proxy failed the first attempt of every other create (1st, 3rd, ...): 12 creates
    injected = [s for s in creates if s.injected]
    assert len(injected) == 6
    assert len(creates) == 12 + 6
    by_key: dict[str | None, list[Any]] = {}
    for seen in creates:
        by_key.setdefault(seen.idempotency_key, []).append(seen)
    assert None not in by_key
    assert len(by_key) == 12
    for key, attempts in by_key.items():
        # a failed first attempt is retried once, with the same key; the retry gets the entity
        assert [s.status for s in attempts] in ([201], [503, 201]), (key, attempts)
        if len(attempts) == 2:
            first, retry = attempts
            assert first.injected
            assert not retry.injected
            if fault is Fault.BEFORE:
                assert first.upstream_status is None  # Plant never saw it
            else:
                assert first.upstream_status == 201  # Plant created it; the answer was lost
            assert retry.upstream_status == 201  # created now, or replayed

    # no duplicates: exactly the entities the caller got back
    stored_skills = await skills_named(client, prefix)
    assert sorted(str(s.id) for s in stored_skills) == sorted(str(s.id) for s in skills)
    assert len(stored_skills) == 4
    stored_agents = [a for page in await agents_of(client, role) for a in page]
    assert [a.id for a in stored_agents] == [a.id for a in created]
    roles: Any = await client.list_job_roles(limit=100, industry_id=role.industry_id)
    assert [r.id for r in roles.items if r.name == role.name] == [role.id]
    # and the audit trail holds one entry per change: 4 skills x2, role x2, 7 agents
    assert await audit_entries(client) == entries_before + 4 * 2 + 2 + 7
    for agent in created[:3]:
        report: Any = await client.check_tampering(entity_id=agent.id)
        assert (report.intact, report.entries_checked) == (True, 1)


async def test_control_without_idempotency_key_a_lost_answer_duplicates(
    plant: PlantServer, client: AsyncPlantClient
) -> None:
    """The same proxy, a naive caller: retrying a create with no key makes a second agent
    (and a skill retry hits the unique name). This is what the key prevents above."""
    skills = [await new_skill(client) for _ in range(2)]
    role = await new_role(client, skills)
    body = agent_create(role, skills, name="Naive agent").model_dump(mode="json")
    skill_body = {"name": unique("Naive skill"), "category": "technical", "description": "x"}
    async with (
        FaultProxy(plant.base_url, Fault.AFTER) as proxy,
        httpx.AsyncClient(base_url=proxy.base_url) as http,
    ):
        first = await http.post("/api/v1/agents", json=body)
        second = await http.post("/api/v1/agents", json=body)
        first_skill = await http.post("/api/v1/genesis/skills", json=skill_body)
        second_skill = await http.post("/api/v1/genesis/skills", json=skill_body)
    # the first attempt's answer is lost (Plant created the agent); the retry creates another
    assert [first.status_code, second.status_code] == [503, 201]
    assert [s.upstream_status for s in proxy.creates("/api/v1/agents")] == [201, 201]
    stored = [a for page in await agents_of(client, role) for a in page]
    assert [a.name for a in stored] == ["Naive agent", "Naive agent"]
    assert len({a.id for a in stored}) == 2
    # a skill's retry collides with the skill its lost first attempt created
    assert [first_skill.status_code, second_skill.status_code] == [503, 409]
    assert [s.upstream_status for s in proxy.creates("/api/v1/genesis/skills")] == [201, 409]
