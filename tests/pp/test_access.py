"""Who may call what: the role x operation matrix, bad tokens, and bodies that try to say more
than the contract lets them.

Allowed calls go through to a real Plant (so they answer 2xx or Plant's 404/409/422, never
401/403); refused ones never reach it. The bad-token tests run PP against a port where
nothing listens: had a token been let through, the answer would be a 503, not the 401.
"""

from __future__ import annotations

import base64
import functools
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from importlib.resources import files
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.plant_server import PlantServer, free_port
from waooaw.generated.pp import server
from waooaw.services.plant.seeded import INDUSTRY_MARKETING

from .conftest import (
    ADMIN,
    JWT,
    PROBLEM,
    agent_body,
    auth,
    close,
    make_job_role,
    make_skill,
    pp_app,
    token,
)

pytestmark = pytest.mark.anyio

READ = frozenset({"viewer", "genesis", "governor"})
#: operationId -> the roles that may call it (each role alone suffices).
ALLOWED: dict[str, frozenset[str]] = {
    "listIndustries": READ,
    "listSkills": READ,
    "createSkill": frozenset({"genesis"}),
    "getSkill": READ,
    "certifySkill": frozenset({"genesis"}),
    "listJobRoles": READ,
    "createJobRole": frozenset({"genesis"}),
    "getJobRole": READ,
    "certifyJobRole": frozenset({"genesis"}),
    "getAgentFormOptions": READ,
    "listAgents": READ,
    "createAgent": frozenset({"governor"}),
    "getAgent": READ,
    "assignAgentTeam": frozenset({"governor"}),
    "runAudit": frozenset({"viewer"}),
    "exportAuditReport": frozenset({"viewer"}),
}
PUBLIC = frozenset({"getHealth", "getReadiness"})
#: Every role a token may carry, and a token with none.
CALLERS = ("genesis", "governor", "viewer", "customer", "")
OPERATIONS = {op[0]: (op[1], op[2]) for op in server.OPERATIONS}


def test_the_contract_secures_every_operation_as_the_matrix_says() -> None:
    contract = json.loads(files("waooaw.generated.pp").joinpath("openapi.json").read_text())
    declared: dict[str, frozenset[str] | None] = {}
    for item in contract["paths"].values():
        for op in item.values():
            security = op["security"]
            roles = [role for requirement in security for role in requirement["bearerAuth"]]
            # one role per alternative: any one of them suffices
            assert all(len(r["bearerAuth"]) == 1 for r in security), op["operationId"]
            declared[op["operationId"]] = frozenset(roles) if security else None
    assert {k for k, v in declared.items() if v is None} == PUBLIC
    assert {k: v for k, v in declared.items() if v is not None} == ALLOWED


# -- the matrix ------------------------------------------------------------------------------


class Targets:
    """Real ids and valid bodies, so allowed calls reach Plant's business logic."""

    def __init__(self, skill: str, pending_skill: str, role: str, agent: str) -> None:
        self.skill = skill
        self.pending_skill = pending_skill
        self.role = role
        self.agent = agent

    def request(self, operation: str) -> tuple[str, str, dict[str, Any]]:
        method, path = OPERATIONS[operation]
        path = path.format(skill_id=self.pending_skill, job_role_id=self.role, agent_id=self.agent)
        tag = uuid.uuid4().hex[:8]
        bodies: dict[str, Any] = {
            "createSkill": {"name": f"Skill {tag}", "category": "domain", "description": "d"},
            "createJobRole": {
                "name": f"Role {tag}",
                "description": "d",
                "industry_id": INDUSTRY_MARKETING,
                "required_skills": [self.skill],
                "seniority": "junior",
            },
            "createAgent": {
                "name": f"Agent {tag}",
                "industry_id": INDUSTRY_MARKETING,
                "job_role_id": self.role,
                "skills": [self.skill],
                "governance_agent_id": "genesis",
            },
            "assignAgentTeam": {"team_id": str(uuid.uuid4()), "role": "Writer"},
        }
        kwargs: dict[str, Any] = {}
        if operation in bodies:
            kwargs["json"] = bodies[operation]
        return method, path, kwargs


@pytest.fixture(scope="module")
async def targets(plant: PlantServer) -> AsyncIterator[Targets]:
    app = pp_app(plant.base_url)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://pp"
    ) as pp:
        skill = await make_skill(pp, f"Matrix skill {uuid.uuid4().hex[:8]}")
        role = await make_job_role(pp, [skill["id"]])
        agent = await pp.post(
            "/api/v1/agents", json=agent_body(role, [skill["id"]]), headers=auth("governor")
        )
        assert agent.status_code == 201, agent.text
        yield Targets(skill["id"], skill["id"], role["id"], agent.json()["id"])
    await close(app)


@pytest.mark.parametrize("caller", CALLERS, ids=lambda c: c or "no-roles")
@pytest.mark.parametrize("operation", sorted(ALLOWED))
async def test_role_matrix(
    pp: httpx.AsyncClient, targets: Targets, operation: str, caller: str
) -> None:
    method, path, kwargs = targets.request(operation)
    roles = (caller,) if caller else ()
    response = await pp.request(method, path, headers=auth(*roles, sub="matrix"), **kwargs)
    if caller in ALLOWED[operation]:
        assert response.status_code not in (401, 403), response.text
        assert response.status_code < 500, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == PROBLEM
        problem = response.json()
        assert problem["type"] == "https://waooaw.com/errors/forbidden"
        assert problem["correlation_id"] == response.headers["x-correlation-id"]
        needed = " or ".join(sorted(ALLOWED[operation]))
        assert all(role in problem["detail"] for role in needed.split(" or "))


async def test_every_role_at_once_may_do_everything(
    pp: httpx.AsyncClient, targets: Targets
) -> None:
    for operation in sorted(ALLOWED):
        method, path, kwargs = targets.request(operation)
        response = await pp.request(method, path, headers=ADMIN, **kwargs)
        assert response.status_code not in (401, 403), (operation, response.text)


async def test_public_probes_need_no_token(pp: httpx.AsyncClient) -> None:
    for path in ("/health", "/ready"):
        response = await pp.get(path)
        assert response.status_code == 200, response.text


# -- bad tokens ------------------------------------------------------------------------------


def _encode(claims: dict[str, Any], key: str = JWT.secret.get_secret_value(), **kw: Any) -> str:
    return jwt.encode(claims, key, algorithm=kw.pop("algorithm", "HS256"), **kw)


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "mallory",
        "roles": ["genesis", "governor", "viewer"],
        "aud": JWT.audience,
        "iss": JWT.issuer,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    for name, value in overrides.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def _unsigned(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@functools.cache
def _rsa_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _bearer(kind: str) -> str:
    now = int(time.time())
    made: dict[str, Callable[[], str]] = {
        "malformed": lambda: "not.a.jwt",
        "garbage": lambda: "abc",
        "alg-none": lambda: _unsigned(_claims()),
        "wrong-key": lambda: _encode(_claims(), "another-secret-" + "y" * 40),
        "rs256-for-hs256": lambda: jwt.encode(_claims(), _rsa_pem(), algorithm="RS256"),
        "expired": lambda: _encode(_claims(exp=now - 120, iat=now - 720, nbf=now - 720)),
        "not-yet-valid": lambda: _encode(_claims(nbf=now + 600, exp=now + 1200)),
        "wrong-audience": lambda: _encode(_claims(aud="someone-else")),
        "wrong-issuer": lambda: _encode(_claims(iss="evil-issuer")),
        "no-sub": lambda: _encode(_claims(sub=None)),
        "empty-sub": lambda: _encode(_claims(sub="")),
        "no-exp": lambda: _encode(_claims(exp=None)),
        "no-iat": lambda: _encode(_claims(iat=None)),
        "roles-not-a-list": lambda: _encode(_claims(roles="genesis")),
        "tampered": lambda: token("viewer")[:-4] + "AAAA",
    }
    return made[kind]()


def _headers(kind: str) -> dict[str, str]:
    if kind == "missing":
        return {}
    if kind == "basic-scheme":
        return {"Authorization": "Basic " + base64.b64encode(b"admin:admin").decode()}
    if kind == "empty-bearer":
        return {"Authorization": "Bearer "}
    return {"Authorization": f"Bearer {_bearer(kind)}"}


BAD_TOKENS = (
    "missing",
    "basic-scheme",
    "empty-bearer",
    "malformed",
    "garbage",
    "alg-none",
    "wrong-key",
    "rs256-for-hs256",
    "expired",
    "not-yet-valid",
    "wrong-audience",
    "wrong-issuer",
    "no-sub",
    "empty-sub",
    "no-exp",
    "no-iat",
    "roles-not-a-list",
    "tampered",
)


@pytest.fixture(scope="module")
async def unplugged() -> AsyncIterator[httpx.AsyncClient]:
    """PP with no Plant behind it: anything let through past authentication is a 503."""
    app = pp_app(f"http://127.0.0.1:{free_port()}", plant_retry_attempts=1)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://pp"
    ) as http:
        yield http
    await close(app)


@pytest.mark.parametrize("kind", BAD_TOKENS)
async def test_bad_tokens_are_401_on_every_protected_operation(
    unplugged: httpx.AsyncClient, kind: str
) -> None:
    ids = {k: str(uuid.uuid4()) for k in ("skill_id", "job_role_id", "agent_id")}
    headers = _headers(kind)
    for operation in sorted(ALLOWED):
        method, path = OPERATIONS[operation]
        # a body that fails validation too: 401 comes first
        kwargs: dict[str, Any] = {"json": {"is_admin": True}} if method == "POST" else {}
        response = await unplugged.request(method, path.format(**ids), headers=headers, **kwargs)
        assert response.status_code == 401, (operation, kind, response.text)
        assert response.headers["content-type"] == PROBLEM
        challenge = response.headers["www-authenticate"]
        assert challenge.startswith("Bearer")
        if kind == "missing":
            assert challenge == "Bearer"
        else:
            assert "error=" in challenge
        problem = response.json()
        assert problem["status"] == 401
        assert problem["type"] == "https://waooaw.com/errors/unauthorized"
        assert problem["instance"] == path.format(**ids)
        assert problem["correlation_id"] == response.headers["x-correlation-id"]


async def test_a_good_token_gets_past_authentication(unplugged: httpx.AsyncClient) -> None:
    """The control for the test above: with a valid token the same PP answers 503."""
    response = await unplugged.get("/api/v1/agents", headers=auth("viewer"))
    assert response.status_code == 503, response.text


# -- bodies that say too much ----------------------------------------------------------------


async def _skill_names(pp: httpx.AsyncClient) -> set[str]:
    names: set[str] = set()
    cursor = None
    while True:
        params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = (await pp.get("/api/v1/genesis/skills", params=params, headers=ADMIN)).json()
        names |= {s["name"] for s in page["items"]}
        cursor = page["next_cursor"]
        if cursor is None:
            return names


@pytest.mark.parametrize(
    "extra",
    [{"status": "certified"}, {"is_admin": True}, {"certified_by": "genesis"}],
    ids=["status", "is_admin", "certified_by"],
)
async def test_extra_fields_in_a_skill_are_refused_and_never_stored(
    pp: httpx.AsyncClient, extra: dict[str, Any]
) -> None:
    name = f"Sneaky skill {uuid.uuid4().hex[:8]}"
    body = {"name": name, "category": "technical", "description": "d", **extra}
    response = await pp.post("/api/v1/genesis/skills", json=body, headers=auth("genesis"))
    assert response.status_code == 422, response.text
    field = f"body.{next(iter(extra))}"
    assert [v["field"] for v in response.json()["violations"]] == [field]
    assert name not in await _skill_names(pp)


async def test_extra_fields_elsewhere_are_refused(pp: httpx.AsyncClient, targets: Targets) -> None:
    cases: list[tuple[str, str, dict[str, Any], tuple[str, ...]]] = [
        (
            "/api/v1/genesis/job-roles",
            "genesis",
            {**targets.request("createJobRole")[2]["json"], "status": "certified"},
            ("body.status",),
        ),
        (
            "/api/v1/agents",
            "governor",
            {**targets.request("createAgent")[2]["json"], "is_admin": True, "status": "active"},
            ("body.is_admin", "body.status"),
        ),
        (
            f"/api/v1/agents/{targets.agent}/assign-team",
            "governor",
            {"team_id": str(uuid.uuid4()), "role": "Writer", "assigned_by": "someone-else"},
            ("body.assigned_by",),
        ),
        (
            f"/api/v1/genesis/skills/{targets.skill}/certify",
            "genesis",
            {"certified_by": "someone-else"},
            ("body.certified_by",),
        ),
        ("/api/v1/audit/run", "viewer", {"entity_type": "agent", "all": True}, ("body.all",)),
    ]
    before = (await pp.get(f"/api/v1/agents/{targets.agent}", headers=ADMIN)).json()
    for path, role, body, fields in cases:
        response = await pp.post(path, json=body, headers=auth(role))
        assert response.status_code == 422, (path, response.text)
        assert sorted(v["field"] for v in response.json()["violations"]) == list(fields), path
    after = (await pp.get(f"/api/v1/agents/{targets.agent}", headers=ADMIN)).json()
    assert after == before  # no team assigned, no amendment appended


# -- who is recorded -------------------------------------------------------------------------


async def test_the_token_subject_is_the_recorded_actor(pp: httpx.AsyncClient) -> None:
    skill = await make_skill(pp, f"Carol's skill {uuid.uuid4().hex[:8]}", sub="carol")
    assert skill["certified_by"] == "carol"


async def test_a_subject_plant_cannot_record_is_refused(pp: httpx.AsyncClient) -> None:
    skill = await make_skill(pp, f"Long subject {uuid.uuid4().hex[:8]}", certify=False)
    response = await pp.post(
        f"/api/v1/genesis/skills/{skill['id']}/certify", headers=auth("genesis", sub="x" * 121)
    )
    assert response.status_code == 403, response.text
    still = await pp.get(f"/api/v1/genesis/skills/{skill['id']}", headers=ADMIN)
    assert still.json()["status"] == "pending_certification"


async def test_idempotency_keys_are_scoped_to_the_caller(pp: httpx.AsyncClient) -> None:
    key = {"Idempotency-Key": f"key-{uuid.uuid4()}"}
    body = {"name": f"Keyed {uuid.uuid4().hex[:8]}", "category": "technical", "description": "d"}
    first = await pp.post(
        "/api/v1/genesis/skills", json=body, headers={**auth("genesis", sub="alice"), **key}
    )
    again = await pp.post(
        "/api/v1/genesis/skills", json=body, headers={**auth("genesis", sub="alice"), **key}
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()  # a replay: nothing created twice
    # bob's request with alice's key is his own create, not a replay of hers
    other = await pp.post(
        "/api/v1/genesis/skills", json=body, headers={**auth("genesis", sub="bob"), **key}
    )
    assert other.status_code == 409, other.text


async def test_a_scoped_audit_names_the_entity_type(unplugged: httpx.AsyncClient) -> None:
    """``dependentRequired`` (entity_id needs entity_type) is checked before Plant is asked."""
    response = await unplugged.post(
        "/api/v1/audit/run", json={"entity_id": str(uuid.uuid4())}, headers=auth("viewer")
    )
    assert response.status_code == 422, response.text
    assert [v["field"] for v in response.json()["violations"]] == ["body.entity_type"]
