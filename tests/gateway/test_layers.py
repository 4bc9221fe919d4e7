"""Layers 1-3 as units: trace context, authentication, RBAC from the upstream contracts."""

from __future__ import annotations

import json
from importlib.resources import files

import pytest

from waooaw.runtime.security import Forbidden, Principal, Unauthenticated
from waooaw.services.common.auth import JwtAuthenticator, JwtSettings, mint_token
from waooaw.services.gateway.layers import TraceContext, authenticate, authorize
from waooaw.services.gateway.operations import load_operations, operations_of

JWT = JwtSettings(secret="gateway-test-secret-" + "x" * 40, environment="test")
SCHEMES = frozenset({"bearerAuth"})


def _plant_contract() -> dict[str, object]:
    doc: dict[str, object] = json.loads(
        files("waooaw.generated.plant").joinpath("openapi.json").read_bytes()
    )
    return doc


# -- layer 1: W3C trace context --------------------------------------------------------


def test_a_valid_traceparent_is_continued_with_a_new_span() -> None:
    incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    trace = TraceContext.from_header(incoming)
    assert trace.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert trace.parent_id == "00f067aa0ba902b7"
    assert trace.span_id != trace.parent_id and len(trace.span_id) == 16
    assert trace.header == f"00-4bf92f3577b34da6a3ce929d0e0e4736-{trace.span_id}-01"


@pytest.mark.parametrize(
    "bad",
    [
        None,
        "garbage",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  # all-zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  # all-zero parent
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  # forbidden version
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",  # short trace id
    ],
)
def test_a_missing_or_malformed_traceparent_starts_a_new_trace(bad: str | None) -> None:
    trace = TraceContext.from_header(bad)
    assert trace.parent_id is None
    assert len(trace.trace_id) == 32 and trace.trace_id != "0" * 32
    assert trace.header.startswith(f"00-{trace.trace_id}-")


# -- layer 2: authentication -------------------------------------------------------------


def test_authentication_accepts_the_platform_tokens_and_refuses_bad_ones() -> None:
    authenticator = JwtAuthenticator(JWT)
    token = mint_token(JWT, subject="alice", roles=["genesis"])
    principal = authenticate(authenticator, f"Bearer {token}")
    assert principal is not None
    assert principal.subject == "alice" and principal.roles == {"genesis"}
    assert authenticate(authenticator, None) is None
    with pytest.raises(Unauthenticated):
        authenticate(authenticator, "Basic abc")
    other = JwtSettings(secret="another-secret-" + "y" * 40, environment="test")
    with pytest.raises(Unauthenticated, match="signature"):
        authenticate(authenticator, "Bearer " + mint_token(other, subject="x", roles=[]))


# -- layer 3: RBAC from the contracts ----------------------------------------------------


def test_every_plant_operation_is_proxied_with_the_roles_its_contract_lists() -> None:
    table = load_operations()
    doc = _plant_contract()
    declared = {
        op["operationId"]: op
        for item in doc["paths"].values()  # type: ignore[attr-defined]
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }
    proxied = {op.operation_id for op in table.operations if op.upstream == "plant"}
    # every Plant operation, its probes included (the gateway's own are under /gateway/)
    assert proxied == set(declared)
    for op in table.operations:
        if op.upstream != "plant":
            continue
        expected = tuple(
            tuple((k, tuple(v)) for k, v in alt.items())
            for alt in declared[op.operation_id]["x-gateway-security"]
        )
        assert op.requirements == expected, op.operation_id
        assert op.anonymous == (op.operation_id in ("getHealth", "getReadiness"))


def test_the_executor_operation_takes_its_roles_from_the_documents_security() -> None:
    table = load_operations()
    execute = table.by_id["executeTask"]
    assert execute.upstream == "executor"
    assert execute.requirements == ((("bearerAuth", ("service",)),),)


def test_operations_are_found_by_method_and_path_literal_before_template() -> None:
    table = load_operations()
    found = table.find("GET", "/api/v1/genesis/skills")
    assert not isinstance(found, bool) and found is not None
    assert found.operation_id == "listSkills"
    found = table.find("GET", "/api/v1/genesis/skills/0b7c1d2e-3f4a-4b5c-8d6e-7f8091a2b3c4")
    assert not isinstance(found, bool) and found is not None
    assert found.operation_id == "getSkill"
    assert table.find("DELETE", "/api/v1/genesis/skills") is False
    assert table.allowed_methods("/api/v1/genesis/skills") == ["GET", "POST"]
    assert table.find("GET", "/api/v1/nothing-here") is None


def test_rbac_needs_one_alternative_fully_satisfied() -> None:
    ops = {o.operation_id: o for o in operations_of("plant", _plant_contract())}
    create = ops["createSkill"]
    authorize(create, Principal("a", frozenset({"genesis"})), SCHEMES)
    authorize(create, Principal("pp", frozenset({"service"})), SCHEMES)
    with pytest.raises(Forbidden, match="genesis or service"):
        authorize(create, Principal("v", frozenset({"viewer"})), SCHEMES)
    with pytest.raises(Unauthenticated):
        authorize(create, None, SCHEMES)
    # a role held under a scheme the gateway does not accept satisfies nothing
    with pytest.raises(Forbidden):
        authorize(create, Principal("a", frozenset({"genesis"})), frozenset({"other"}))


def test_an_operation_without_security_is_anonymous() -> None:
    doc = {
        "paths": {
            "/open": {"get": {"operationId": "open", "security": []}},
            "/default": {"get": {"operationId": "byDefault"}},
        },
        "security": [{"bearerAuth": ["viewer"]}],
    }
    ops = {o.operation_id: o for o in operations_of("x", doc)}
    assert ops["open"].anonymous
    authorize(ops["open"], None, SCHEMES)
    assert not ops["byDefault"].anonymous
    with pytest.raises(Unauthenticated):
        authorize(ops["byDefault"], None, SCHEMES)


def test_waooaw_verify_passes_on_the_gateway_admin_api() -> None:
    """schemathesis, every check and the stateful phase, on the admin API in process."""
    from typer.testing import CliRunner

    from waooaw.cli import app

    result = CliRunner().invoke(
        app, ["verify", "--service", "gateway", "--examples", "3", "--seed", "11"]
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "OK: no check failed" in result.stdout
    for phase in ("examples", "coverage", "fuzzing", "stateful"):
        assert f"{phase} success" in result.stdout
