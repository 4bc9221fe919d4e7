"""What a frontend developer sees from ``create_mock_app``, over ASGI.

Examples come back verbatim, path ids and request fields are echoed where the schema
allows, invalid requests are problems naming the field (fitted to the error responses the
contract documents), CORS lets a dev server on localhost call the mock, and a contract the
mock cannot serve fails at start-up with the operation and the place in the contract.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from waooaw.codegen import ContractErrors
from waooaw.codegen.loader import load_contract
from waooaw.mock import MockSetupError, create_mock_app
from waooaw.runtime.server import PROBLEM_MEDIA_TYPE
from waooaw.services.common.auth import JwtSettings, mint_token

from ..conftest import ROOT
from .conftest import MOCKED

pytestmark = pytest.mark.anyio

SKILL_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"


def example(key: str, path: str, method: str, status: str, media: str = "application/json") -> Any:
    document = load_contract(MOCKED[key]).document
    return document["paths"][path][method]["responses"][status]["content"][media]["example"]


def client_for(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock")


@pytest.fixture
async def mock(
    mock_app_for: Callable[[str], FastAPI],
) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
    clients: list[httpx.AsyncClient] = []

    def get(key: str) -> httpx.AsyncClient:
        clients.append(client_for(mock_app_for(key)))
        return clients[-1]

    yield get
    for client in clients:
        await client.aclose()


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["correlation_id"] == response.headers["x-correlation-id"]
    return body


# -- answers -----------------------------------------------------------------------------------


async def test_an_example_is_returned_verbatim(mock: Callable[[str], httpx.AsyncClient]) -> None:
    plant = mock("plant")
    for path in ("/health", "/ready", "/api/v1/genesis/industries", "/api/v1/genesis/skills"):
        response = await plant.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.json() == example("plant", path, "get", "200"), path


async def test_a_path_id_is_echoed_into_the_example(
    mock: Callable[[str], httpx.AsyncClient],
) -> None:
    response = await mock("plant").get(f"/api/v1/genesis/skills/{SKILL_ID}")
    assert response.status_code == 200
    expected = example("plant", "/api/v1/genesis/skills/{skill_id}", "get", "200")
    assert response.json() == {**expected, "id": SKILL_ID}


async def test_a_path_id_is_echoed_into_generated_data(
    mock: Callable[[str], httpx.AsyncClient],
) -> None:
    """features31 has no examples: the pet is generated, with the id asked for."""
    pets = mock("features31")
    first, second = (await pets.get("/pets/7")).json(), (await pets.get("/pets/8")).json()
    assert (first["id"], second["id"]) == (7, 8)
    assert {k: v for k, v in first.items() if k != "id"} == {
        k: v for k, v in second.items() if k != "id"
    }


async def test_request_fields_are_echoed_into_a_create_response(
    mock: Callable[[str], httpx.AsyncClient],
) -> None:
    sent = {"name": "Lead Scoring", "category": "analytical", "description": "Ranks leads."}
    response = await mock("plant").post("/api/v1/genesis/skills", json=sent)
    assert response.status_code == 201
    expected = example("plant", "/api/v1/genesis/skills", "post", "201")
    assert response.json() == {**expected, **sent}


async def test_a_body_sharing_the_response_schema_is_echoed_whole(
    mock: Callable[[str], httpx.AsyncClient],
) -> None:
    shapes = mock("features31")
    square = {"shapeType": "sq", "side": 2.5}
    assert (await shapes.post("/shapes", json=square)).json() == square
    patched = await shapes.patch("/pets/3", json={"name": "Rex"})
    assert patched.json()["name"] == "Rex" and patched.json()["id"] == 3


async def test_an_echo_that_would_break_the_schema_is_left_out(
    mock: Callable[[str], httpx.AsyncClient],
) -> None:
    """certify's body has `certified_by`; the skill's example keeps its own where they differ
    only if the value would not fit (here it fits, and is echoed)."""
    plant = mock("plant")
    path = f"/api/v1/genesis/skills/{SKILL_ID}/certify"
    response = await plant.post(path, json={"certified_by": "reviewer-7", "notes": "fine"})
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == SKILL_ID and body["certified_by"] == "reviewer-7"
    assert "notes" not in body  # not a property of the skill


async def test_accept_picks_among_documented_media_types(
    mock: Callable[[str], httpx.AsyncClient],
) -> None:
    plant = mock("plant")
    csv = await plant.get("/api/v1/audit/export")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text == example("plant", "/api/v1/audit/export", "get", "200", "text/csv")
    assert csv.headers["content-disposition"]
    ndjson = await plant.get("/api/v1/audit/export", headers={"Accept": "application/x-ndjson"})
    assert ndjson.headers["content-type"].startswith("application/x-ndjson")
    assert ndjson.text.startswith('{"record":"entry"')


async def test_documented_headers_are_sent(mock: Callable[[str], httpx.AsyncClient]) -> None:
    response = await mock("petstore").get("/pets")
    assert response.status_code == 200
    assert response.headers["x-next"]
    login = await mock("features31").post("/login", data={"username": "u", "password": "p"})
    assert login.status_code == 204
    assert login.headers["set-cookie"].startswith("session=")


async def test_operations_are_served_at_the_server_url_path_too(
    mock: Callable[[str], httpx.AsyncClient],
) -> None:
    petstore = mock("petstore")  # servers: http://petstore.swagger.io/v1
    assert (await petstore.get("/v1/pets/1")).status_code == 200
    assert (await petstore.get("/pets/1")).status_code == 200


async def test_the_contract_is_served(mock: Callable[[str], httpx.AsyncClient]) -> None:
    response = await mock("plant").get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "WAOOAW Plant API"
    assert "/api/v1/agents" in document["paths"]
    assert (await mock("plant").get("/docs")).status_code == 200


async def test_the_same_seed_gives_the_same_answers(tmp_path: Path) -> None:
    spec = MOCKED["features31"]
    bodies = []
    for seed in (5, 5, 6):
        async with client_for(create_mock_app(spec, seed=seed)) as client:
            bodies.append((await client.get("/pets/1")).json())
    assert bodies[0] == bodies[1]
    assert bodies[0] != bodies[2]


# -- errors ------------------------------------------------------------------------------------


async def test_an_invalid_request_is_a_422_problem_naming_the_field(
    mock: Callable[[str], httpx.AsyncClient],
) -> None:
    plant = mock("plant")
    bad = {"name": "", "category": "technical", "description": "d"}
    body = assert_problem(await plant.post("/api/v1/genesis/skills", json=bad), 422)
    assert body["type"] == "about:blank"  # a mock speaks no product's problem vocabulary
    assert [v["field"] for v in body["violations"]] == ["body.name"]
    body = assert_problem(await plant.get("/api/v1/genesis/skills/not-a-uuid"), 422)
    assert body["violations"][0]["field"] == "path.skill_id"


async def test_the_whole_contract_is_checked_where_the_model_is_laxer(
    mock: Callable[[str], httpx.AsyncClient],
) -> None:
    """The generated model takes any string for `format: uri` and any int for int64."""
    plant = mock("plant")
    agent = example("plant", "/api/v1/agents", "post", "201")
    sent = {
        k: agent[k]
        for k in (
            "name",
            "description",
            "industry_id",
            "job_role_id",
            "skills",
            "governance_agent_id",
        )
    }
    ok = await plant.post("/api/v1/agents", json=sent)
    assert ok.status_code == 201, ok.text
    bad = {**sent, "trial_mode_sandbox_url": "not a uri"}
    body = assert_problem(await plant.post("/api/v1/agents", json=bad), 422)
    assert [v["field"] for v in body["violations"]] == ["body.trial_mode_sandbox_url"]
    too_big = await mock("features31").get(f"/pets/{2**63}")
    assert_problem(too_big, 404)  # getPet documents a 404, and no 400/422


async def test_a_form_must_carry_its_required_fields(
    mock: Callable[[str], httpx.AsyncClient],
) -> None:
    """The generated form model lets required fields be empty (an empty form field reads as
    absent); the mock still wants them sent."""
    login = mock("features31")
    assert (await login.post("/login", data={"username": "u", "password": ""})).status_code == 204
    missing = await login.post("/login", data={"username": "u"})
    assert missing.status_code == 422  # no 4xx documented but 401: the plain problem
    assert [v["field"] for v in missing.json()["violations"]] == ["body.password"]


async def test_errors_take_the_documented_status_and_shape(
    mock: Callable[[str], httpx.AsyncClient],
) -> None:
    # features30 createItem documents 400 with {code, message} as application/json
    response = await mock("features30").post("/items", json={"name": "x"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"code": 400, "message": "body.price: Field required"}
    # petstore listPets documents only `default` {code, message}
    response = await mock("petstore").get("/pets", params={"limit": "many"})
    assert response.status_code == 422
    assert set(response.json()) == {"code", "message"}
    # features31 getPet documents 404 problem+json: a malformed id is "no such pet"
    body = assert_problem(await mock("features31").get("/pets/abc"), 404)
    assert body["violations"][0]["field"] == "path.pet_id"


async def test_unknown_routes_and_wrong_methods_are_problems(
    mock: Callable[[str], httpx.AsyncClient],
) -> None:
    plant = mock("plant")
    assert_problem(await plant.get("/api/v1/nothing-here"), 404)
    wrong = await plant.delete("/api/v1/genesis/skills")
    assert_problem(wrong, 405)
    assert wrong.headers["allow"] == "GET, POST"


# -- CORS --------------------------------------------------------------------------------------


def preflight(origin: str, method: str = "POST") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "content-type, x-correlation-id",
    }


async def test_a_dev_server_on_localhost_may_call_the_mock(
    mock: Callable[[str], httpx.AsyncClient],
) -> None:
    plant = mock("plant")
    origin = "http://localhost:5173"
    response = await plant.options("/api/v1/genesis/skills", headers=preflight(origin))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin
    assert "POST" in response.headers["access-control-allow-methods"]
    simple = await plant.get("/health", headers={"Origin": "http://127.0.0.1:3000"})
    assert simple.headers["access-control-allow-origin"] == "http://127.0.0.1:3000"
    assert "x-correlation-id" in simple.headers["access-control-expose-headers"].lower()
    other = await plant.options("/api/v1/genesis/skills", headers=preflight("https://evil.example"))
    assert other.status_code == 400
    assert other.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert "access-control-allow-origin" not in other.headers


async def test_cors_origins_can_be_named() -> None:
    app = create_mock_app(MOCKED["features31"], cors_origins=["https://app.example"])
    async with client_for(app) as client:
        allowed = await client.options("/pets/1", headers=preflight("https://app.example", "PATCH"))
        assert allowed.status_code == 200
        assert "PATCH" in allowed.headers["access-control-allow-methods"]
        local = await client.options("/pets", headers=preflight("http://localhost:5173"))
        assert local.status_code == 400
    with pytest.raises(ValueError, match=r"\*"):
        create_mock_app(MOCKED["features31"], cors_origins=["*"])


# -- contracts the mock cannot serve -----------------------------------------------------------


def test_an_invalid_contract_raises_the_generator_errors(tmp_path: Path) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: {title: x}\npaths: {}\n")
    with pytest.raises(ContractErrors) as caught:
        create_mock_app(spec)
    assert "broken.yaml:2" in caught.value.render()


def test_an_operation_without_a_possible_answer_fails_at_start_up(tmp_path: Path) -> None:
    spec = tmp_path / "impossible.yaml"
    spec.write_text(
        "openapi: 3.1.0\n"
        "info: {title: x, version: '1'}\n"
        "paths:\n"
        "  /codes:\n"
        "    get:\n"
        "      operationId: getCode\n"
        "      responses:\n"
        "        '200':\n"
        "          description: A code.\n"
        "          content:\n"
        "            application/json:\n"
        "              schema:\n"
        "                type: object\n"
        "                required: [code]\n"
        "                properties:\n"
        "                  code: {type: string, pattern: '^(?=[A-Z])\\w+$'}\n"
    )
    with pytest.raises(MockSetupError) as caught:
        create_mock_app(spec)
    message = caught.value.render()
    assert "impossible.yaml:" in message
    assert "getCode (GET /codes) 200" in message
    assert "look-ahead" in message
    assert message.endswith("1 operation cannot be mocked.")


async def test_a_pattern_with_an_example_needs_no_generation(tmp_path: Path) -> None:
    spec = tmp_path / "example.yaml"
    spec.write_text(
        "openapi: 3.1.0\n"
        "info: {title: x, version: '1'}\n"
        "paths:\n"
        "  /codes:\n"
        "    get:\n"
        "      operationId: getCode\n"
        "      responses:\n"
        "        '200':\n"
        "          description: A code.\n"
        "          content:\n"
        "            application/json:\n"
        "              schema:\n"
        "                type: object\n"
        "                required: [code]\n"
        "                properties:\n"
        "                  code: {type: string, pattern: '^(?=[A-Z])\\w+$'}\n"
        "              example: {code: Abc1}\n"
    )
    async with client_for(create_mock_app(spec)) as client:
        assert (await client.get("/codes")).json() == {"code": "Abc1"}


async def test_location_names_the_created_resource(tmp_path: Path) -> None:
    spec = tmp_path / "notes.yaml"
    spec.write_text(
        """
openapi: 3.1.0
info: {title: Notes, version: '1'}
paths:
  /notes:
    post:
      operationId: createNote
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NewNote'}
      responses:
        '201':
          description: Created.
          headers:
            Location:
              required: true
              schema: {type: string, format: uri-reference}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Note'}
  /notes/{note_id}:
    get:
      operationId: getNote
      parameters:
        - {name: note_id, in: path, required: true, schema: {type: string, format: uuid}}
      responses:
        '200':
          description: The note.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Note'}
components:
  schemas:
    NewNote:
      type: object
      required: [text]
      properties:
        text: {type: string, maxLength: 20}
    Note:
      type: object
      required: [id, text]
      properties:
        id: {type: string, format: uuid, readOnly: true}
        text: {type: string, maxLength: 20}
"""
    )
    async with client_for(create_mock_app(spec)) as client:
        created = await client.post("/notes", json={"text": "buy milk"})
        assert created.status_code == 201
        note = created.json()
        assert note["text"] == "buy milk"
        assert created.headers["location"] == f"/notes/{note['id']}"
        again = await client.get(created.headers["location"])
        assert again.json()["id"] == note["id"]  # the id is echoed, not stored


# -- secured contracts -----------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_secured_contract_asks_for_a_token_and_checks_a_jwts_roles() -> None:
    app = create_mock_app(ROOT / "contracts" / "pp.openapi.yaml")
    async with client_for(app) as client:
        missing = await client.get("/api/v1/genesis/skills")
        assert_problem(missing, 401)
        assert missing.headers["www-authenticate"] == "Bearer"
        # any opaque token holds every role
        opaque = {"Authorization": "Bearer anything"}
        assert (await client.get("/api/v1/genesis/skills", headers=opaque)).status_code == 200
        # a JWT's roles are honoured (its signature is not checked)
        settings = JwtSettings(secret="m" * 40)
        viewer = {"Authorization": f"Bearer {mint_token(settings, subject='v', roles=['viewer'])}"}
        assert (await client.get("/api/v1/genesis/skills", headers=viewer)).status_code == 200
        body = {"name": "Skill", "category": "technical", "description": "A skill."}
        refused = await client.post("/api/v1/genesis/skills", json=body, headers=viewer)
        assert "genesis" in assert_problem(refused, 403)["detail"]
