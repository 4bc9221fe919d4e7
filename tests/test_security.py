"""Contract security end to end: generated routers, ``JwtAuthenticator`` and generated clients.

An inline contract with a bearer scheme, a document-wide default, per-operation overrides
(role alternatives, a public operation, optional credentials) is generated, imported and
mounted with the real :class:`~waooaw.services.common.auth.JwtAuthenticator`; tokens are real
PyJWT tokens, good and bad.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from pydantic import ValidationError

from waooaw.codegen import Job, generate
from waooaw.runtime.security import Principal, Unauthenticated
from waooaw.runtime.server import PROBLEM_MEDIA_TYPE, install_problem_handlers
from waooaw.services.common.auth import JwtAuthenticator, JwtSettings, mint_token

CONTRACT = """
openapi: 3.1.0
info: {title: Secured, version: 1.0.0}
security:
  - bearerAuth: [viewer]
paths:
  /things:
    get:
      operationId: listThings
      responses:
        '200':
          description: Names.
          content:
            application/json:
              schema: {type: array, items: {type: string}}
    post:
      operationId: createThing
      security:
        - bearerAuth: [genesis]
        - bearerAuth: [governor, viewer]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              required: [name]
              properties:
                name: {type: string, minLength: 1}
      responses:
        '201':
          description: Created by the caller.
          content:
            application/json:
              schema: {type: string}
  /public:
    get:
      operationId: getPublic
      security: []
      responses:
        '204': {description: Nothing.}
  /whoami:
    get:
      operationId: whoAmI
      security:
        - {}
        - bearerAuth: []
      responses:
        '200':
          description: The caller, or anonymous.
          content:
            application/json:
              schema: {type: string}
components:
  securitySchemes:
    bearerAuth:
      type: http
      scheme: bearer
      bearerFormat: JWT
"""

SETTINGS = JwtSettings(secret="s" * 64, audience="tests", issuer="waooaw-tests")


class Things:
    def __init__(self, server: ModuleType) -> None:
        self.server = server

    async def list_things(self, *, principal: Principal) -> Any:
        return self.server.ListThings200Response(body=[principal.subject])

    async def create_thing(self, *, principal: Principal, body: Any) -> Any:
        return self.server.CreateThing201Response(body=f"{body.name} by {principal.subject}")

    async def get_public(self) -> Any:
        return self.server.GetPublic204Response()

    async def who_am_i(self, *, principal: Principal | None) -> Any:
        return self.server.WhoAmI200Response(body=principal.subject if principal else "anonymous")


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, ModuleType]]:
    import sys

    root = tmp_path_factory.mktemp("secured")
    spec = root / "secured.yaml"
    spec.write_text(CONTRACT, encoding="utf-8")
    name = f"secured_{uuid.uuid4().hex[:8]}"
    generate(Job(spec=spec, out=root / name, name="secured"))
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    try:
        yield (
            importlib.import_module(f"{name}.server"),
            importlib.import_module(f"{name}.client"),
        )
    finally:
        sys.path.remove(str(root))
        for module in [m for m in sys.modules if m.startswith(name)]:
            del sys.modules[module]


def app_for(server: ModuleType, settings: JwtSettings = SETTINGS) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(
        server.create_router(Things(server), authenticator=JwtAuthenticator(settings))
    )
    return app


def call(
    app: FastAPI, method: str, url: str, token: str | None = None, **kw: Any
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    headers.update(kw.pop("headers", {}))

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.request(method, url, headers=headers, **kw)

    return asyncio.run(go())


def token(*roles: str, sub: str = "alice", **claims: Any) -> str:
    return mint_token(SETTINGS, subject=sub, roles=roles, extra=claims)


def raw_token(claims: dict[str, Any], key: str = "s" * 64, algorithm: str = "HS256") -> str:
    now = int(time.time())
    base = {"sub": "alice", "aud": "tests", "iss": "waooaw-tests", "iat": now, "exp": now + 60}
    base.update(claims)
    return jwt.encode({k: v for k, v in base.items() if v is not None}, key, algorithm=algorithm)


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def test_router_refuses_to_build_without_an_authenticator(
    package: tuple[ModuleType, ModuleType],
) -> None:
    server, _ = package
    with pytest.raises(ValueError, match=r"listThings requires authentication.*authenticator="):
        server.create_router(Things(server))


def test_protocols_receive_the_principal(package: tuple[ModuleType, ModuleType]) -> None:
    server, _ = package
    params = inspect.signature(server.DefaultApi.create_thing).parameters
    assert "principal" in params and "body" in params
    assert "principal" not in inspect.signature(server.DefaultApi.get_public).parameters
    hints = inspect.signature(server.DefaultApi.who_am_i).parameters["principal"].annotation
    assert "None" in str(hints)


def test_roles_from_the_contract_are_enforced(package: tuple[ModuleType, ModuleType]) -> None:
    server, _ = package
    app = app_for(server)
    assert call(app, "GET", "/things", token("viewer")).json() == ["alice"]
    assert "viewer" in assert_problem(call(app, "GET", "/things", token("genesis")), 403)["detail"]
    body = {"json": {"name": "x"}}
    # alternatives: genesis alone, or governor and viewer together
    assert call(app, "POST", "/things", token("genesis"), **body).status_code == 201
    assert call(app, "POST", "/things", token("governor", "viewer"), **body).status_code == 201
    detail = assert_problem(call(app, "POST", "/things", token("governor"), **body), 403)["detail"]
    assert "genesis or governor+viewer" in detail


def test_public_and_optional_operations(package: tuple[ModuleType, ModuleType]) -> None:
    server, _ = package
    app = app_for(server)
    assert call(app, "GET", "/public").status_code == 204
    assert call(app, "GET", "/whoami").json() == "anonymous"
    assert call(app, "GET", "/whoami", token(sub="bob")).json() == "bob"
    # credentials, once presented, must be good even where they are optional
    assert_problem(call(app, "GET", "/whoami", "not-a-jwt"), 401)


def test_missing_credentials_answer_401_before_body_validation(
    package: tuple[ModuleType, ModuleType],
) -> None:
    server, _ = package
    app = app_for(server)
    response = call(app, "POST", "/things", json={"name": "", "extra": 1})
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    # with a good token the same body is a 422
    assert_problem(call(app, "POST", "/things", token("genesis"), json={"name": ""}), 422)


def _rsa_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


BAD_TOKENS = {
    "malformed": lambda: "abc.def",
    "alg-none": lambda: jwt.encode(
        {"sub": "alice", "aud": "tests", "iss": "waooaw-tests", "iat": 1, "exp": 2**33},
        None,
        algorithm="none",
    ),
    "wrong-key": lambda: raw_token({}, key="w" * 64),
    "expired": lambda: raw_token({"exp": int(time.time()) - 3600}),
    "not-yet-valid": lambda: raw_token({"nbf": int(time.time()) + 3600}),
    "wrong-audience": lambda: raw_token({"aud": "somebody-else"}),
    "wrong-issuer": lambda: raw_token({"iss": "somebody-else"}),
    "no-sub": lambda: raw_token({"sub": None}),
    "no-exp": lambda: raw_token({"exp": None}),
    "no-iat": lambda: raw_token({"iat": None}),
    "roles-not-a-list": lambda: raw_token({"roles": "viewer"}),
    "hs512-not-accepted": lambda: raw_token({"roles": ["viewer"]}, algorithm="HS512"),
}


@pytest.mark.parametrize("kind", sorted(BAD_TOKENS))
def test_bad_tokens_are_401(package: tuple[ModuleType, ModuleType], kind: str) -> None:
    server, _ = package
    response = call(app_for(server), "GET", "/things", BAD_TOKENS[kind]())
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


@pytest.mark.parametrize("header", ["Basic YWxpY2U6cHc=", "Bearer", "Token abc"])
def test_other_authorization_schemes_are_401(
    package: tuple[ModuleType, ModuleType], header: str
) -> None:
    server, _ = package
    response = call(app_for(server), "GET", "/things", headers={"Authorization": header})
    assert_problem(response, 401)
    assert 'error="invalid_request"' in response.headers["www-authenticate"]


def test_rs256_with_a_public_key(package: tuple[ModuleType, ModuleType], tmp_path: Path) -> None:
    server, _ = package
    private, public = _rsa_pair()
    (tmp_path / "public.pem").write_text(public, encoding="utf-8")
    settings = JwtSettings(
        algorithms=["RS256"],
        public_key=str(tmp_path / "public.pem"),
        private_key=private,
        audience="tests",
        issuer="waooaw-tests",
    )
    app = app_for(server, settings)
    good = mint_token(settings, subject="carol", roles=["viewer"])
    assert call(app, "GET", "/things", good).json() == ["carol"]
    # an HS256 token "signed" with the public key must not pass (key confusion)
    forged = raw_token({"roles": ["viewer"]}, key="x" * 40)
    assert_problem(call(app, "GET", "/things", forged), 401)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"secret": "short"}, "at least 32 bytes"),
        ({"environment": "production"}, "outside development"),
        ({"algorithms": "HS256,RS256"}, "may not mix"),
        ({"algorithms": "none"}, "not accepted"),
        ({"algorithms": "RS256"}, "needs JWT_PUBLIC_KEY"),
        ({"public_key": "/no/such/file.pem", "algorithms": "RS256"}, "neither a PEM key"),
    ],
)
def test_bad_settings_fail_with_a_message(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        JwtSettings(**values)


def test_generated_client_sends_the_token(package: tuple[ModuleType, ModuleType]) -> None:
    server, client_module = package
    app = app_for(server)

    async def go() -> tuple[list[str], str]:
        transport = httpx.ASGITransport(app=app)
        async with client_module.AsyncSecuredClient(
            "http://t", token=token("genesis", "viewer", sub="dave"), transport=transport
        ) as client:
            listed = await client.list_things()
            created = await client.create_thing(body=server.models.CreateThingBody(name="cup"))
        return listed, created

    listed, created = asyncio.run(go())
    assert listed == ["dave"]
    assert created == "cup by dave"


# -- remembered tokens ---------------------------------------------------------------------------


def test_a_verified_token_is_remembered_until_it_expires() -> None:
    settings = JwtSettings(
        secret="s" * 64, audience="tests", issuer="waooaw-tests", leeway_seconds=0
    )
    authenticator = JwtAuthenticator(settings)
    token = mint_token(settings, subject="alice", roles=["viewer"], ttl_seconds=60)
    first = authenticator.verify(token)
    assert authenticator.verify(token) is first
    assert first.claims["sub"] == "alice"
    with pytest.raises(TypeError):
        first.claims["sub"] = "mallory"  # type: ignore[index]
    # a token that expires while remembered is refused like any expired token
    short = jwt.encode(
        {
            "sub": "bob",
            "roles": [],
            "aud": "tests",
            "iss": "waooaw-tests",
            "iat": int(time.time()),
            "exp": int(time.time()) + 1,
        },
        "s" * 64,
        algorithm="HS256",
    )
    authenticator.verify(short)
    time.sleep(max(0.0, int(time.time()) + 1.05 - time.time()) + 1.0)
    with pytest.raises(Unauthenticated, match="expired"):
        authenticator.verify(short)


def test_the_memory_is_bounded_and_can_be_off() -> None:
    settings = JwtSettings(secret="s" * 64, audience="tests", issuer="waooaw-tests")
    tokens = [mint_token(settings, subject=f"user{i}", roles=[]) for i in range(3)]
    bounded = JwtAuthenticator(settings, cache_size=2)
    for token in tokens:
        bounded.verify(token)
    assert list(bounded._verified) == tokens[1:]
    off = JwtAuthenticator(settings, cache_size=0)
    assert off.verify(tokens[0]) is not off.verify(tokens[0])
    assert not off._verified


def test_a_remembered_token_does_not_vouch_for_a_tampered_copy() -> None:
    settings = JwtSettings(secret="s" * 64, audience="tests", issuer="waooaw-tests")
    authenticator = JwtAuthenticator(settings)
    token = mint_token(settings, subject="alice", roles=["viewer"])
    authenticator.verify(token)
    with pytest.raises(Unauthenticated):
        authenticator.verify(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
