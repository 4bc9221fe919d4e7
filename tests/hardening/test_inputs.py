"""Every class of hostile input, sent to real Plant, PP and CP, is a bounded 4xx
problem+json: huge numbers, control characters, deep nesting, many fields, long and
malformed headers, oversized chunked bodies. Nothing of it is stored.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from waooaw.runtime.server import (
    MAX_PROBLEM_BYTES,
    MAX_VIOLATIONS,
    ProblemError,
    encode_problem,
    validation_problem,
)

from .conftest import (
    PROBLEM,
    Services,
    assert_refused,
    cp_auth,
    http_for,
    pp_auth,
    raw_request,
    timed,
)

# the endpoints that create agents, and the headers they need
CREATORS = {
    "plant": ("/api/v1/agents", {}),
    "pp": ("/api/v1/agents", None),  # PP's admin token, made per test
}


def agent_body(services: Services, **overrides: Any) -> dict[str, Any]:
    role = services.catalogue.job_role
    body: dict[str, Any] = {
        "name": "Hardening Agent",
        "description": "Refuses what it cannot hold.",
        "industry_id": str(role.industry_id),
        "job_role_id": str(role.id),
        "skills": [str(s.id) for s in services.catalogue.skills],
        "governance_agent_id": "genesis",
        "specialties": ["Email"],
        "price_per_month": 100,
    }
    body.update(overrides)
    return body


def creator_headers(service: str) -> dict[str, str]:
    return pp_auth() if service == "pp" else {}


def agent_names(services: Services) -> list[str]:
    with http_for(services.url("plant")) as http:
        items = http.get("/api/v1/agents", params={"limit": 100}).json()["items"]
    return [item["name"] for item in items]


HOSTILE_AGENTS = {
    "price 2^63": {"price_per_month": 2**63},
    "price 10^30": {"price_per_month": 10**30},
    "price 2^31 (beyond PostgreSQL's integer)": {"price_per_month": 2**31},
    "NUL in name": {"name": "evil\u0000agent"},
    "control character in name": {"name": "bell\u0007agent"},
    "newline in name": {"name": "two\nlines"},
    "DEL in name": {"name": "del\u007fagent"},
    "NUL in description": {"description": "text\u0000more"},
    "NUL in a specialty": {"specialties": ["ok", "bad\u0000"]},
    "escape in a specialty": {"specialties": ["\u001b[31mred"]},
}


@pytest.mark.parametrize("service", ["plant", "pp"])
@pytest.mark.parametrize("case", sorted(HOSTILE_AGENTS))
def test_hostile_agent_fields_are_refused_and_not_stored(
    services: Services, service: str, case: str
) -> None:
    body = agent_body(services, **HOSTILE_AGENTS[case])
    with http_for(services.url(service)) as http:
        response, elapsed = timed(
            http, "POST", "/api/v1/agents", json=body, headers=creator_headers(service)
        )
    problem = assert_refused(response, 422, elapsed=elapsed)
    assert problem["violations"], problem
    assert body["name"] not in agent_names(services) or case.endswith("specialty")


def test_multi_line_description_is_still_accepted(services: Services) -> None:
    body = agent_body(services, name="Multi-line Agent", description="line one\nline two\ttab")
    with http_for(services.url("plant")) as http:
        response = http.post("/api/v1/agents", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["description"] == "line one\nline two\ttab"


def test_largest_price_the_contract_allows_is_stored(services: Services) -> None:
    body = agent_body(services, name="Priciest Agent", price_per_month=100_000_000)
    with http_for(services.url("pp")) as http:
        response = http.post("/api/v1/agents", json=body, headers=pp_auth())
    assert response.status_code == 201, response.text
    assert response.json()["price_per_month"] == 100_000_000


def many_fields_body(services: Services, count: int) -> bytes:
    body = agent_body(services)
    body.update({f"f{i}": 0 for i in range(count)})
    return json.dumps(body, separators=(",", ":")).encode()


@pytest.mark.parametrize("service", ["plant", "pp"])
def test_85000_unknown_fields_get_a_small_quick_refusal(services: Services, service: str) -> None:
    content = many_fields_body(services, 85_000)
    assert 900_000 < len(content) < 1_000_000
    headers = {"Content-Type": "application/json", **creator_headers(service)}
    with http_for(services.url(service)) as http:
        response, elapsed = timed(http, "POST", "/api/v1/agents", content=content, headers=headers)
    problem = assert_refused(response, 422, elapsed=elapsed)
    assert len(response.content) < 4096, len(response.content)
    assert len(problem["violations"]) == 1
    message = problem["violations"][0]["message"]
    assert "'f0'" in message and "84995 more" in message, message


def test_a_few_unknown_fields_are_each_reported(services: Services) -> None:
    body = agent_body(services, is_admin=True, owner="me")
    with http_for(services.url("plant")) as http:
        response, elapsed = timed(http, "POST", "/api/v1/agents", json=body)
    problem = assert_refused(response, 422, elapsed=elapsed)
    assert sorted(v["field"] for v in problem["violations"]) == ["body.is_admin", "body.owner"]


def test_violations_are_capped_with_a_count_of_the_rest() -> None:
    try:
        TypeAdapter(list[int]).validate_python(["not a number " * 50] * 400)
    except ValidationError as exc:
        problem = validation_problem(exc.errors())
    body = json.dumps(problem.body()).encode()
    assert problem.status == 422
    assert problem.violations is not None and len(problem.violations) == MAX_VIOLATIONS
    assert problem.extra["violations_omitted"] == 400 - MAX_VIOLATIONS
    assert "400 fields failed validation" in (problem.detail or "")
    assert len(body) <= 64 * 1024


@pytest.mark.parametrize("service", ["plant", "pp", "cp"])
def test_deep_nesting_is_refused(services: Services, service: str) -> None:
    depth = 100_000
    content = b"[" * depth + b"]" * depth
    path, headers = {
        "plant": ("/api/v1/agents", {}),
        "pp": ("/api/v1/agents", pp_auth()),
        "cp": (f"/api/v1/marketplace/agents/{services.catalogue.agents[0].id}/reviews", cp_auth()),
    }[service]
    with http_for(services.url(service)) as http:
        response, elapsed = timed(
            http,
            "POST",
            path,
            content=content,
            headers={"Content-Type": "application/json", **headers},
        )
    assert_refused(response, 400, 422, elapsed=elapsed)


@pytest.mark.parametrize("service", ["plant", "pp", "cp"])
def test_huge_numbers_in_query_parameters_are_refused(services: Services, service: str) -> None:
    path, params, headers = {
        "plant": ("/api/v1/agents", {"limit": str(10**30)}, {}),
        "pp": ("/api/v1/agents", {"limit": str(2**63)}, pp_auth()),
        "cp": ("/api/v1/marketplace/agents", {"min_price": str(10**30)}, {}),
    }[service]
    with http_for(services.url(service)) as http:
        response, elapsed = timed(http, "GET", path, params=params, headers=headers)
    assert_refused(response, 422, elapsed=elapsed)


@pytest.mark.parametrize("q", ["\u0000", "\u0000abc", "abc\u0001", "\u007f"])
def test_cp_search_with_control_characters_is_refused_not_ignored(
    services: Services, q: str
) -> None:
    with http_for(services.url("cp")) as http:
        response, elapsed = timed(http, "GET", "/api/v1/marketplace/agents", params={"q": q})
    problem = assert_refused(response, 422, elapsed=elapsed)
    assert problem["violations"][0]["field"] == "query.q"


def test_cp_review_text_with_nul_is_refused(services: Services) -> None:
    agent = services.catalogue.agents[0].id
    with http_for(services.url("cp")) as http:
        response, elapsed = timed(
            http,
            "POST",
            f"/api/v1/marketplace/agents/{agent}/reviews",
            json={"rating": 5, "text": "great\u0000agent"},
            headers=cp_auth(),
        )
    assert_refused(response, 422, elapsed=elapsed)


@pytest.mark.parametrize("service", ["plant", "pp", "cp"])
def test_chunked_body_over_the_limit_is_413_like_a_sized_one(
    services: Services, service: str
) -> None:
    agent = services.catalogue.agents[0].id
    path, headers = {
        "plant": ("/api/v1/agents", {}),
        "pp": ("/api/v1/agents", pp_auth()),
        "cp": (f"/api/v1/marketplace/agents/{agent}/reviews", cp_auth()),
    }[service]
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    block = b"x" * 65536
    head = (
        f"POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n{extra}"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    ).encode()
    chunk = b"%x\r\n" % len(block) + block + b"\r\n"
    answer = raw_request(services.port(service), head, chunks=[chunk] * 160 + [b"0\r\n\r\n"])
    assert answer.status == 413, answer
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["type"] == "https://waooaw.com/errors/payload-too-large"


@pytest.mark.parametrize("service", ["plant", "pp", "cp"])
@pytest.mark.parametrize("value", [b"abc\xe9def", b"has space", b"x" * 129, b"semi;colon"], ids=str)
def test_malformed_correlation_id_is_replaced_by_a_new_uuid(
    services: Services, service: str, value: bytes
) -> None:
    answer = raw_request(
        services.port(service),
        b"GET /health HTTP/1.1\r\nHost: t\r\nX-Correlation-ID: "
        + value
        + b"\r\nConnection: close\r\n\r\n",
    )
    assert answer.status == 200, answer
    cid = answer.headers["x-correlation-id"]
    assert len(cid) == 36 and cid.count("-") == 4, cid
    assert cid.encode() != value


@pytest.mark.parametrize("service", ["plant", "pp", "cp"])
def test_well_formed_correlation_id_is_kept(services: Services, service: str) -> None:
    with http_for(services.url(service)) as http:
        response = http.get("/health", headers={"X-Correlation-ID": "trace-123.abc_DEF"})
    assert response.headers["x-correlation-id"] == "trace-123.abc_DEF"


@pytest.mark.parametrize("service", ["plant", "pp", "cp"])
@pytest.mark.parametrize(
    "header",
    [b"X-Foo: a\rb", b"X-Correlation-ID: a\rb", b"Bad Header Name: x", b"X-Nul: a\x00b"],
    ids=["bare CR", "bare CR in correlation id", "space in name", "NUL in value"],
)
def test_unparsable_header_is_a_problem(services: Services, service: str, header: bytes) -> None:
    answer = raw_request(
        services.port(service),
        b"GET /health HTTP/1.1\r\nHost: t\r\n" + header + b"\r\nConnection: close\r\n\r\n",
    )
    assert answer.status == 400, answer
    assert answer.headers["content-type"] == PROBLEM
    problem = answer.json()
    # no app has seen the request, so no app's type base: RFC 9457's about:blank
    assert (problem["type"], problem["status"]) == ("about:blank", 400)
    assert "could not be parsed" in problem["detail"]
    assert problem["correlation_id"] == answer.headers["x-correlation-id"]


@pytest.mark.parametrize("service", ["pp", "cp"])
def test_100kb_bearer_token_is_401_problem(services: Services, service: str) -> None:
    path = {"pp": "/api/v1/agents", "cp": "/api/v1/me"}[service]
    with http_for(services.url(service)) as http:
        response, elapsed = timed(
            http, "GET", path, headers={"Authorization": "Bearer " + "a" * 100_000}
        )
    assert_refused(response, 401, elapsed=elapsed)


def test_100kb_bearer_token_on_plant_is_ignored_like_any_header(services: Services) -> None:
    # Plant has no authentication of its own: the header is read by nothing
    with http_for(services.url("plant")) as http:
        response = http.get("/api/v1/agents", headers={"Authorization": "Bearer " + "a" * 100_000})
    assert response.status_code == 200


def test_any_problem_is_at_most_64_kb() -> None:
    violations = [
        {"rule": "L0-04", "field": f"body.skills[{i}]", "message": "m" * 400} for i in range(1000)
    ]
    problem = ProblemError(422, "many", violations=violations)
    content = encode_problem(problem.body(instance="/x"))
    assert len(content) <= MAX_PROBLEM_BYTES
    decoded = json.loads(content)
    kept = len(decoded["violations"])
    assert 0 < kept < 1000
    assert decoded["violations_omitted"] == 1000 - kept
    assert decoded["violations"] == violations[:kept]
    huge = ProblemError(400, "d" * 200_000, extra={"blob": "x" * 200_000})
    assert len(encode_problem(huge.body())) <= MAX_PROBLEM_BYTES
