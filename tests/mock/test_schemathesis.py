"""The mock against the contract it serves: schemathesis 4, in process over ASGI, every check.

For Plant's contract and every fixture contract (``MOCKED``), ``test_mock_conforms`` runs
every operation through the examples, coverage and fuzzing phases, ``MAX_EXAMPLES`` fuzzed
cases per operation (25 when ``CI`` is set, 10 otherwise), with every check schemathesis
registers, ``max_response_time``, and ``errors_carry_correlation``. Nothing is disabled.
(Checks that other test modules register globally, such as Plant's insistence on
problem+json for every error, are left out: the mock answers each contract's own error
bodies.)

Tolerated, each by a ``filter_failure`` hook that drops exactly that failure:

* where the contract leaves no choice: an operation that documents no response for
  invalid input (no 400, 422, ``4XX`` or ``default``) cannot reject it with a documented
  status, so the mock's 400/422 problem there is undocumented (ST103).
  ``UNDOCUMENTED_REJECTION`` lists those operations and
  ``test_undocumented_rejection_is_what_the_contracts_say`` keeps the list honest;
* ``KNOWN``: failures of the generated router (which validates the mock's requests) and
  one of schemathesis. Each router bug has a strict xfail reproduction
  (``test_known_router_bug``): fixing the generator makes it pass, which fails until the
  entry is removed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI

from .conftest import MOCKED

CI = bool(os.environ.get("CI"))
MAX_EXAMPLES = 25 if CI else 10
SEED = 20260116
# per generated case, with the extra requests some checks send; typical cases take ~20 ms
DEADLINE = timedelta(seconds=5)
# seconds, per response (the max_response_time check); answers take a few milliseconds, but
# a whole-suite run on two shared cores has seen one take 2.2 s
RESPONSE_TIME_LIMIT = 10.0  # a hang detector; speed is measured in bench/
PROBLEM_JSON = "application/problem+json"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
#: statuses an invalid request can be answered with (a 404 only for wrong path parameters)
REJECTIONS = ("400", "422", "4XX", "4xx", "default")

#: Operations (per contract) that document no response for invalid input.
UNDOCUMENTED_REJECTION: dict[str, frozenset[str]] = {
    "plant": frozenset(),
    "features31": frozenset(
        {
            "GET /pets/{petId}",  # 404 only: the mock uses it for a bad petId, no other input
            "PATCH /pets/{petId}",
            "POST /shapes",
            "POST /animals",
            "PUT /trees",
            "POST /json",
            "POST /import",
            "GET /weird/{class}/{type}",
            "POST /upload",
            "POST /login",
        }
    ),
    "features30": frozenset(
        {
            "GET /items/{itemId}",  # 404 only, as getPet above
            "PUT /items/{itemId}",
            "DELETE /items/{itemId}",
            "POST /pets",
            "POST /vehicles",
            "POST /things",
            "POST /documents",
            "POST /subscribe",
            "GET /lists/{type}",
            "GET /health",
        }
    ),
    "petstore": frozenset(),
    "multifile": frozenset({"GET /pets/{petId}", "DELETE /pets/{petId}", "GET /tags"}),
}


@dataclass(frozen=True, slots=True)
class Known:
    """A failure the mock's run meets that is not the mock's, and how to tell it apart."""

    reason: str
    contract: str
    operation: str  # "METHOD /path"
    code: str  # ST201 invalid data accepted, ST202 valid data rejected
    matches: Callable[[Any, schemathesis.Response], bool]  # (failure, response)
    #: (method, path, request keyword arguments, status the contract requires), or None
    #: for a failure that is not a bug of the generated code
    reproduce: tuple[str, str, dict[str, Any], int] | None


def _detail_says(text: str) -> Callable[[Any, schemathesis.Response], bool]:
    def matches(failure: Any, response: schemathesis.Response) -> bool:
        return text in response.content.decode(errors="replace")

    return matches


_EMPTY_FORM_FIELD = (
    "generator bug (FastAPI forms): an empty form field counts as missing, so a required"
    " string field sent as '' (which the contract allows) is answered 422 'Field required'"
)
KNOWN: dict[str, Known] = {
    "upload-empty-form-field": Known(
        _EMPTY_FORM_FIELD, "features31", "POST /upload", "ST202", _detail_says("Field required"),
        ("POST", "/upload", {"files": {"file": ("f", b"x")}, "data": {"title": ""}}, 201),
    ),
    "login-empty-form-field": Known(
        _EMPTY_FORM_FIELD, "features31", "POST /login", "ST202", _detail_says("Field required"),
        ("POST", "/login", {"data": {"username": "", "password": "p"}}, 204),
    ),
    "multipart-parts-are-text": Known(
        "schemathesis: it counts a multipart part as typed, but every part is text or bytes on"
        " the wire: `false` sent for a string field is the string 'false', and no file can"
        " violate `format: binary`",
        "features30", "POST /documents", "ST201",
        lambda failure, response: any(
            f"violates `{keyword}`" in str(failure.message) for keyword in ("type", "format")
        ),
        None,
    ),
}  # fmt: skip


def errors_carry_correlation(
    ctx: Any, response: schemathesis.Response, case: schemathesis.Case
) -> None:
    """Every 4xx/5xx has one X-Correlation-ID; a problem+json body agrees with the response."""
    if response.status_code < 400:
        return
    correlation = response.headers.get("x-correlation-id", [])
    assert len(correlation) == 1, f"{response.status_code} has X-Correlation-ID {correlation}"
    content_type = response.headers.get("content-type", [""])[0].split(";")[0].strip()
    if content_type != PROBLEM_JSON or response.request.method == "HEAD":
        return
    problem = json.loads(response.content)
    assert problem.get("status") == response.status_code, problem
    assert problem.get("correlation_id") == correlation[0], problem


def _config() -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
            "checks": {"max_response_time": RESPONSE_TIME_LIMIT},
        }
    )


def _tolerate(schema: Any, key: str) -> None:
    undocumented = UNDOCUMENTED_REJECTION[key]
    known = [k for k in KNOWN.values() if k.contract == key]

    @schema.hook
    def filter_failure(
        context: Any, failure: Any, case: schemathesis.Case, response: schemathesis.Response
    ) -> bool:
        label = case.operation.label
        content_type = response.headers.get("content-type", [""])[0]
        if (
            failure.code == "ST103"
            and label in undocumented
            and response.status_code in (400, 422)
            and content_type.startswith(PROBLEM_JSON)
        ):
            return False
        return not any(
            k.operation == label and k.code == failure.code and k.matches(failure, response)
            for k in known
        )


@pytest.fixture(params=list(MOCKED))
def mock_schema(request: pytest.FixtureRequest, mock_app_for: Callable[[str], FastAPI]) -> Any:
    """The contract as the mock serves it, bound to the mock (in process, over ASGI)."""
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", mock_app_for(request.param), config=_config()
    )
    _tolerate(schema, request.param)
    return schema


@pytest.fixture
def _pytest9_nodeid(request: pytest.FixtureRequest) -> None:
    """schemathesis 4.32.5 lazy schemas read and rewrite `item._nodeid`, gone in pytest 9.2."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


lazy_schema = schemathesis.pytest.from_fixture("mock_schema")


@lazy_schema.parametrize()
@pytest.mark.usefixtures("_pytest9_nodeid")
@hypothesis.settings(deadline=DEADLINE)
def test_mock_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate(
        additional_checks=[errors_carry_correlation], excluded_checks=_foreign_checks()
    )


def _foreign_checks() -> list[Any]:
    """Checks other test modules register (Plant's insist on problem+json for every error,
    where the mock follows each contract's documented error bodies)."""
    from schemathesis.checks import CHECKS

    return [c for c in CHECKS.get_all() if not c.__module__.startswith("schemathesis.")]


@pytest.mark.parametrize("key", list(MOCKED))
def test_every_check_is_enabled(key: str, mock_app_for: Callable[[str], FastAPI]) -> None:
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    schema = schemathesis.openapi.from_asgi("/openapi.json", mock_app_for(key), config=_config())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    builtin = {c.__name__ for c in CHECKS.get_all() if c not in _foreign_checks()}
    assert builtin >= {
        "not_a_server_error", "status_code_conformance", "content_type_conformance",
        "response_headers_conformance", "response_schema_conformance",
        "negative_data_rejection", "positive_data_acceptance", "missing_required_header",
        "unsupported_method", "allow_header_conformance",
    }, "a built-in check was renamed"  # fmt: skip
    for operation in operations:
        for phase in ("examples", "coverage", "fuzzing"):
            checks = schema.config.checks_config_for(operation=operation, phase=phase)
            off = {n for n in builtin if not checks.get_by_name(name=n).enabled}
            assert not off, f"{operation.label} ({phase}): {sorted(off)} off"
            assert checks.max_response_time.limit == RESPONSE_TIME_LIMIT


def _deref(document: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        for token in node["$ref"].lstrip("#/").split("/"):
            document = document[token.replace("~1", "/").replace("~0", "~")]
        node = document
    return node


@pytest.mark.parametrize("key", list(MOCKED))
def test_undocumented_rejection_is_what_the_contracts_say(
    key: str, mock_app_for: Callable[[str], FastAPI]
) -> None:
    """The tolerated operations are exactly those documenting no status for invalid input."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", mock_app_for(key), config=_config())
    document = schema.raw_schema
    found = set()
    for path, raw in document["paths"].items():
        item = _deref(document, raw)
        for method in METHODS:
            if method in item and not set(map(str, item[method]["responses"])) & set(REJECTIONS):
                found.add(f"{method.upper()} {path}")
    assert found == UNDOCUMENTED_REJECTION[key]


#: Router bugs fixed since they were found: (contract, method, path, request keyword
#: arguments, status the contract requires); each reproduction must keep passing.
FIXED: dict[str, tuple[str, str, str, dict[str, Any], int]] = {
    # `format: email` was pydantic's EmailStr, which refuses the reserved .test domain
    "email-reserved-domain": (
        "features30", "POST", "/subscribe", {"data": {"email": "user@host.test"}}, 204,
    ),
    # with a discriminator mapping, the router took only the mapped values, not the schema
    # names OpenAPI maps implicitly as well ('Cat' for Cat)
    "discriminator-schema-name": (
        "features30", "POST", "/pets", {"json": {"petType": "Cat", "name": "Tom"}}, 200,
    ),
}  # fmt: skip


@pytest.mark.anyio
@pytest.mark.parametrize("name", list(FIXED))
async def test_fixed_router_bug(name: str, mock_app_for: Callable[[str], FastAPI]) -> None:
    contract, method, path, kwargs, expected = FIXED[name]
    transport = httpx.ASGITransport(app=mock_app_for(contract))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        response = await client.request(method, path, **kwargs)
    assert response.status_code == expected, response.text


@pytest.mark.anyio
@pytest.mark.parametrize(
    "known",
    [
        pytest.param(k, id=name, marks=pytest.mark.xfail(strict=True, reason=k.reason))
        for name, k in KNOWN.items()
        if k.reproduce is not None
    ],
)
async def test_known_router_bug(known: Known, mock_app_for: Callable[[str], FastAPI]) -> None:
    assert known.reproduce is not None
    method, path, kwargs, expected = known.reproduce
    transport = httpx.ASGITransport(app=mock_app_for(known.contract))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        response = await client.request(method, path, **kwargs)
    assert response.status_code == expected, response.text
