"""The routes FastAPI mounts for the Plant stubs are the contract's operations, one for one."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest
import yaml
from fastapi import FastAPI
from fastapi.routing import APIRoute

from waooaw.generated.plant import models, server
from waooaw.runtime.server import install_problem_handlers

from .conftest import PLANT_CONTRACT

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def _contract() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(PLANT_CONTRACT.read_text())
    shared = yaml.safe_load((PLANT_CONTRACT.parent / "shared.yaml").read_text())

    def deref(node: Any) -> Any:
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not ref:
            return node
        file, _, pointer = ref.partition("#")
        target: Any = shared if file else doc
        for part in pointer.strip("/").split("/"):
            target = target[part]
        return target

    ops = {}
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            params = [deref(p) for p in item.get("parameters", []) + op.get("parameters", [])]
            ops[(method.upper(), _normal(path))] = {
                "params": {(p["in"], p["name"]) for p in params},
                "statuses": {int(s) for s in op["responses"] if s.isdigit()},
                "operation_id": op["operationId"],
            }
    return ops


def _normal(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(server.create_router())
    return app


def _routes() -> dict[tuple[str, str], APIRoute]:
    found = {}
    for route in server.create_router().routes:
        if isinstance(route, APIRoute) and route.include_in_schema:
            for method in route.methods:
                found[(method, _normal(route.path))] = route
    return found


def test_mounted_operations_equal_the_contract() -> None:
    assert len(_contract()) == 18
    assert set(_routes()) == set(_contract())


def test_parameters_and_status_codes_match_one_for_one() -> None:
    contract = _contract()
    for key, route in _routes().items():
        expected = contract[key]
        dep = route.dependant
        mounted = {("path", p.name) for p in dep.path_params}
        mounted |= {("query", p.alias) for p in dep.query_params}
        mounted |= {("header", p.alias) for p in dep.header_params}
        mounted |= {("cookie", p.alias) for p in dep.cookie_params}
        contract_params = expected["params"]
        # Starlette path parameters are Python identifiers; compare them by count and position
        assert {p for p in mounted if p[0] != "path"} == {
            p for p in contract_params if p[0] != "path"
        }, key
        assert len([p for p in mounted if p[0] == "path"]) == len(
            [p for p in contract_params if p[0] == "path"]
        ), key
        statuses = {route.status_code, *(int(s) for s in route.responses)}
        assert statuses == expected["statuses"], key
        assert route.operation_id == expected["operation_id"]


def test_operations_table_lists_every_operation() -> None:
    assert {(op[1], _normal(op[2])) for op in server.OPERATIONS} == set(_contract())


def _call(method: str, url: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://plant") as client:
            return await client.request(method, url, **kwargs)

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/agents?limit=101", "query.limit"),
        ("/api/v1/agents?limit=0", "query.limit"),
        ("/api/v1/agents?status=dancing", "query.status"),
        ("/api/v1/agents/not-a-uuid", "path.agent_id"),
    ],
)
def test_contract_constraints_are_enforced_before_the_implementation(url: str, field: str) -> None:
    response = _call("GET", url)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422
    assert [v["field"] for v in body["violations"]] == [field]


def test_unimplemented_operation_answers_501_problem() -> None:
    response = _call("GET", "/api/v1/agents")
    assert response.status_code == 501
    assert response.json()["title"] == "Not Implemented"


def test_implementation_is_called_with_typed_arguments_and_its_response_sent() -> None:
    seen: dict[str, Any] = {}

    class Genesis:
        async def create_skill(self, **kwargs: Any) -> server.CreateSkill201Response:
            seen.update(kwargs)
            body = kwargs["body"]
            skill = models.SkillResponse.model_validate(
                {
                    "id": "3f0c2a4e-8b1d-4c6e-9a7f-1b2c3d4e5f60",
                    "name": body.name,
                    "category": body.category,
                    "description": body.description,
                    "status": "pending_certification",
                    "certified_at": None,
                    "certified_by": None,
                    "created_at": "2026-01-16T10:00:00Z",
                    "updated_at": "2026-01-16T10:00:00Z",
                }
            )
            return server.CreateSkill201Response(body=skill, headers={"X-Correlation-ID": "abc"})

    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(server.create_router(Genesis()))

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://plant") as client:
            return await client.post(
                "/api/v1/genesis/skills",
                json={
                    "name": "Python 3.11",
                    "category": "technical",
                    "description": "Writes Python",
                },
                headers={"Idempotency-Key": "k-1"},
            )

    response = asyncio.run(go())
    assert response.status_code == 201, response.text
    assert response.headers["x-correlation-id"] == "abc"
    assert response.json()["certified_at"] is None  # required nullable stays null
    assert isinstance(seen["body"], models.SkillCreate)
    assert seen["body"].category is models.SkillCategory.TECHNICAL
    assert seen["idempotency_key"] == "k-1"
    assert seen["x_correlation_id"] is None


def test_undocumented_result_is_a_500_problem_not_a_leak() -> None:
    class Broken:
        async def get_health(self, **kwargs: Any) -> object:
            return {"status": "ok"}

    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(server.create_router(Broken()))

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://plant") as client:
            return await client.get("/health")

    response = asyncio.run(go())
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "Traceback" not in response.text
