"""The generated Plant client against a scripted transport (no server, no real sleeping).

Every behaviour runs on ``PlantClient`` and on ``AsyncPlantClient`` (the ``kind``
parameter): retries and their budget, idempotency keys, ``Retry-After``, full-jitter
backoff, the error classes per problem type, correlation and causation ids, timeouts,
the ``_raw`` variants and the base URL.
"""

from __future__ import annotations

import typing
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from waooaw.generated.plant import models
from waooaw.generated.plant.client import (
    ApiResponse,
    AsyncPlantClient,
    PlantAPIError,
    PlantAuthenticationError,
    PlantClient,
    PlantConflictError,
    PlantConstitutionalAlignmentError,
    PlantEntityNotFoundError,
    PlantPermissionDeniedError,
    PlantRateLimitedError,
    PlantServerError,
    PlantServiceUnavailableError,
    PlantTransportError,
    PlantValidationFailedError,
    RetryPolicy,
)
from waooaw.runtime import client as rt
from waooaw.runtime.context import correlation_id, request_id

from .conftest import (
    BASE_URL,
    PROBLEM,
    SKILL_ID,
    Harness,
    Script,
    bare,
    max_wait,
    problem_response,
    skill_json,
)

pytestmark = pytest.mark.anyio

MakeHarness = Callable[..., Harness]
SKILL = uuid.UUID(SKILL_ID)
NEW_SKILL = models.SkillCreate.model_validate(
    {"name": "Copywriting", "category": "technical", "description": "Writes copy."}
)
DEFAULT = RetryPolicy()


def ok_skill(status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=skill_json())


def is_uuid(value: str | None) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


# -- the policy ----------------------------------------------------------------------------


async def test_default_policy_and_timeout(harness: MakeHarness) -> None:
    h = harness(ok_skill())
    assert (DEFAULT.attempts, DEFAULT.max_backoff, DEFAULT.multiplier) == (3, 10.0, 0.5)
    assert DEFAULT.max_retry_after == 30.0
    assert frozenset({429, 502, 503, 504}) == DEFAULT.statuses
    assert h.client._core.retry == DEFAULT
    assert h.client._core.timeout == 30.0


# -- which answers are retried --------------------------------------------------------------

RETRIED = {
    429: PlantRateLimitedError,
    502: PlantServerError,
    503: PlantServiceUnavailableError,
    504: PlantServerError,
}


@pytest.mark.parametrize("status", sorted(RETRIED))
async def test_retryable_status_is_tried_up_to_three_times(
    harness: MakeHarness, status: int
) -> None:
    h = harness(bare(status))
    with pytest.raises(RETRIED[status]) as caught:
        await h.call("get_skill", skill_id=SKILL)
    assert len(h.requests) == DEFAULT.attempts == 3
    assert len(h.sleeps) == 2  # between attempts only, never after the last one
    assert caught.value.status_code == status
    assert not isinstance(caught.value, PlantTransportError)


@pytest.mark.parametrize("status", sorted(RETRIED))
async def test_retryable_status_then_success(harness: MakeHarness, status: int) -> None:
    h = harness(bare(status), bare(status), ok_skill())
    skill = await h.call("get_skill", skill_id=SKILL)
    assert isinstance(skill, models.SkillResponse)
    assert skill.id == SKILL
    assert len(h.requests) == 3


@pytest.mark.parametrize(
    ("status", "kind", "error"),
    [
        (400, "bad-request", PlantAPIError),
        (404, "not-found", PlantEntityNotFoundError),
        (409, "conflict", PlantConflictError),
        (422, "validation", PlantValidationFailedError),
        (500, "internal", PlantServerError),
    ],
)
async def test_other_errors_are_not_retried(
    harness: MakeHarness, status: int, kind: str, error: type[PlantAPIError]
) -> None:
    h = harness(problem_response(status, kind))
    with pytest.raises(error):
        await h.call("get_skill", skill_id=SKILL)
    with pytest.raises(error):
        await h.call("create_skill", body=NEW_SKILL)
    assert len(h.requests) == 2  # one attempt per call
    assert h.sleeps == []


@pytest.mark.parametrize("status", sorted(RETRIED))
@pytest.mark.parametrize(
    ("operation", "kwargs"),
    [("certify_skill", {"skill_id": SKILL}), ("run_audit", {})],
)
async def test_post_without_idempotency_key_is_never_retried(
    harness: MakeHarness, status: int, operation: str, kwargs: dict[str, Any]
) -> None:
    h = harness(bare(status), ok_skill())
    with pytest.raises(RETRIED[status]):
        await h.call(operation, **kwargs)
    assert len(h.requests) == 1
    assert h.sleeps == []
    assert h.requests[0].method == "POST"
    assert "idempotency-key" not in h.requests[0].headers


async def test_post_without_idempotency_key_is_not_retried_on_transport_errors(
    harness: MakeHarness,
) -> None:
    h = harness(httpx.ConnectError("connection refused"), ok_skill())
    with pytest.raises(PlantTransportError):
        await h.call("certify_skill", skill_id=SKILL)
    assert len(h.requests) == 1


async def test_get_is_retried_on_transport_errors(harness: MakeHarness) -> None:
    h = harness(httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), ok_skill())
    skill = await h.call("get_skill", skill_id=SKILL)
    assert skill.id == SKILL
    assert len(h.requests) == 3
    assert len(h.sleeps) == 2


# -- idempotency keys ---------------------------------------------------------------------------


async def test_create_is_retried_with_the_same_generated_idempotency_key(
    harness: MakeHarness,
) -> None:
    h = harness(bare(503), httpx.ConnectError("reset"), ok_skill(201))
    skill = await h.call("create_skill", body=NEW_SKILL)
    assert isinstance(skill, models.SkillResponse)
    keys = h.script.header("idempotency-key")
    assert len(keys) == 3
    assert len(set(keys)) == 1
    assert is_uuid(keys[0])
    # the body is the same on every attempt too
    assert len({r.content for r in h.requests}) == 1


async def test_every_create_call_gets_its_own_key(harness: MakeHarness) -> None:
    h = harness(ok_skill(201))
    for _ in range(3):
        await h.call("create_skill", body=NEW_SKILL)
    keys = h.script.header("idempotency-key")
    assert len(set(keys)) == 3
    assert all(is_uuid(k) for k in keys)


async def test_caller_supplied_idempotency_key_is_used_on_every_attempt(
    harness: MakeHarness,
) -> None:
    h = harness(bare(502), bare(504), ok_skill(201))
    await h.call("create_skill", body=NEW_SKILL, idempotency_key="order-42-skill")
    assert h.script.header("idempotency-key") == ["order-42-skill"] * 3


async def test_create_gives_up_after_three_attempts(harness: MakeHarness) -> None:
    h = harness(bare(503))
    with pytest.raises(PlantServiceUnavailableError):
        await h.call("create_skill", body=NEW_SKILL, idempotency_key="k-1")
    assert h.script.header("idempotency-key") == ["k-1"] * 3


# -- Retry-After and backoff --------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_seconds_is_the_sleep(harness: MakeHarness, status: int) -> None:
    h = harness(bare(status, {"Retry-After": "7"}), bare(status, {"Retry-After": "2"}), ok_skill())
    await h.call("get_skill", skill_id=SKILL)
    assert h.sleeps == [7.0, 2.0]


async def test_retry_after_http_date(harness: MakeHarness) -> None:
    when = datetime.now(UTC) + timedelta(seconds=20)
    h = harness(bare(503, {"Retry-After": format_datetime(when, usegmt=True)}), ok_skill())
    await h.call("get_skill", skill_id=SKILL)
    assert len(h.sleeps) == 1
    # the date has whole seconds: the wait is between 19 and 20 seconds, less the test's time
    assert 18.0 <= h.sleeps[0] <= 20.0


async def test_retry_after_date_in_the_past_means_now(harness: MakeHarness) -> None:
    h = harness(bare(503, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}), ok_skill())
    await h.call("get_skill", skill_id=SKILL)
    assert h.sleeps == [0.0]


async def test_retry_after_is_capped_by_the_policy(harness: MakeHarness) -> None:
    h = harness(bare(429, {"Retry-After": "3600"}), ok_skill())
    await h.call("get_skill", skill_id=SKILL)
    assert h.sleeps == [DEFAULT.max_retry_after]
    custom = harness(
        bare(429, {"Retry-After": "3600"}), ok_skill(), retry=RetryPolicy(max_retry_after=4)
    )
    await custom.call("get_skill", skill_id=SKILL)
    assert custom.sleeps == [4.0]


async def test_unparseable_retry_after_falls_back_to_backoff(harness: MakeHarness) -> None:
    h = harness(bare(503, {"Retry-After": "soon"}), ok_skill())
    await h.call("get_skill", skill_id=SKILL)
    assert len(h.sleeps) == 1
    assert 0.0 <= h.sleeps[0] <= max_wait(DEFAULT, 1)


async def test_backoff_is_full_jitter_and_bounded(harness: MakeHarness) -> None:
    policy = RetryPolicy(attempts=8)  # long enough to reach the 10 s cap
    h = harness(bare(503), retry=policy)
    calls = 200
    per_retry: list[list[float]] = [[] for _ in range(policy.attempts - 1)]
    for _ in range(calls):
        before = len(h.sleeps)
        with pytest.raises(PlantServiceUnavailableError):
            await h.call("get_skill", skill_id=SKILL)
        waits = h.sleeps[before:]
        assert len(waits) == policy.attempts - 1
        for n, wait in enumerate(waits, start=1):
            per_retry[n - 1].append(wait)
    assert len(h.requests) == calls * policy.attempts
    assert max(h.sleeps) <= 10.0
    bounds = [max_wait(policy, n) for n in range(1, policy.attempts)]
    assert bounds == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    for bound, waits in zip(bounds, per_retry, strict=True):
        assert all(0.0 <= w <= bound for w in waits), (bound, max(waits))
        # full jitter: spread over [0, bound], not clustered at the bound (p(fail) < 1e-9)
        assert min(waits) < 0.1 * bound
        assert max(waits) > 0.9 * bound


async def test_backoff_with_the_default_policy(harness: MakeHarness) -> None:
    h = harness(bare(502))
    for _ in range(50):
        with pytest.raises(PlantServerError):
            await h.call("get_skill", skill_id=SKILL)
    firsts, seconds = h.sleeps[0::2], h.sleeps[1::2]
    assert all(0.0 <= w <= 0.5 for w in firsts)
    assert all(0.0 <= w <= 1.0 for w in seconds)
    assert sum(h.sleeps) / 50 <= max_wait(DEFAULT, 1) + max_wait(DEFAULT, 2)


# -- error classes ------------------------------------------------------------------------------

CONSTITUTIONAL_VIOLATIONS = [
    {"rule": "L0-01", "field": "body.governance_agent_id", "message": "unknown governor"},
    {"rule": "L0-04", "field": None, "message": "skill is not certified"},
]


@pytest.mark.parametrize(
    ("answer", "error", "generic", "attempts"),
    [
        pytest.param(
            problem_response(422, "constitutional-alignment", violations=CONSTITUTIONAL_VIOLATIONS),
            PlantConstitutionalAlignmentError,
            rt.ProblemTypeError,
            1,
            id="422-constitutional",
        ),
        pytest.param(
            problem_response(
                422,
                "validation",
                violations=[{"rule": "validation", "field": "body.name", "message": "too long"}],
            ),
            PlantValidationFailedError,
            rt.ValidationFailedError,
            1,
            id="422-validation",
        ),
        pytest.param(
            problem_response(422, "idempotency-key-reuse"),
            PlantValidationFailedError,
            rt.ValidationFailedError,
            1,
            id="422-idempotency-key-reuse",
        ),
        pytest.param(problem_response(400, "bad-request"), PlantAPIError, rt.APIError, 1, id="400"),
        pytest.param(
            problem_response(401, "unauthorized"),
            PlantAuthenticationError,
            rt.AuthenticationError,
            1,
            id="401",
        ),
        pytest.param(
            problem_response(403, "forbidden"),
            PlantPermissionDeniedError,
            rt.PermissionDeniedError,
            1,
            id="403",
        ),
        pytest.param(
            problem_response(404, "not-found"),
            PlantEntityNotFoundError,
            rt.EntityNotFoundError,
            1,
            id="404",
        ),
        pytest.param(
            problem_response(409, "conflict"), PlantConflictError, rt.ConflictError, 1, id="409"
        ),
        pytest.param(
            problem_response(429, "rate-limited"),
            PlantRateLimitedError,
            rt.RateLimitedError,
            3,
            id="429-after-retries",
        ),
        pytest.param(
            problem_response(500, "internal"), PlantServerError, rt.ServerError, 1, id="500"
        ),
        pytest.param(
            problem_response(503, "service-unavailable"),
            PlantServiceUnavailableError,
            rt.ServiceUnavailableError,
            3,
            id="503-after-retries",
        ),
    ],
)
@pytest.mark.parametrize("operation", ["create_skill", "get_skill"])
async def test_problem_maps_to_its_error_class(
    harness: MakeHarness,
    answer: httpx.Response,
    error: type[PlantAPIError],
    generic: type[rt.APIError],
    attempts: int,
    operation: str,
) -> None:
    h = harness(answer)
    kwargs: dict[str, Any] = (
        {"body": NEW_SKILL} if operation == "create_skill" else {"skill_id": SKILL}
    )
    with pytest.raises(PlantAPIError) as caught:
        await h.call(operation, **kwargs)
    exc = caught.value
    assert type(exc) is error
    assert isinstance(exc, generic)
    assert isinstance(exc, rt.APIError)
    assert not isinstance(exc, PlantTransportError)
    assert len(h.requests) == attempts
    assert exc.status_code == answer.status_code
    assert exc.detail == "it went wrong"
    assert exc.correlation_id == "cid-from-problem"
    assert exc.operation_id == ("createSkill" if operation == "create_skill" else "getSkill")
    assert str(answer.status_code) in str(exc)
    assert "it went wrong" in str(exc)
    assert exc.text == answer.text
    assert exc.headers["content-type"] == PROBLEM


async def test_constitutional_error_carries_the_violations(harness: MakeHarness) -> None:
    h = harness(
        problem_response(422, "constitutional-alignment", violations=CONSTITUTIONAL_VIOLATIONS)
    )
    with pytest.raises(PlantConstitutionalAlignmentError) as caught:
        await h.call("create_skill", body=NEW_SKILL)
    exc = caught.value
    assert isinstance(exc.problem, models.ProblemDetails)  # a documented 422: parsed
    assert exc.problem.type.endswith("/constitutional-alignment")
    assert [v.rule for v in exc.violations] == ["L0-01", "L0-04"]
    assert [v.field for v in exc.violations] == ["body.governance_agent_id", None]
    assert exc.violations[0].message == "unknown governor"
    assert not isinstance(exc, PlantValidationFailedError)


async def test_validation_error_carries_the_violations(harness: MakeHarness) -> None:
    violation = {"rule": "validation", "field": "body.name", "message": "too long"}
    h = harness(problem_response(422, "validation", violations=[violation]))
    with pytest.raises(PlantValidationFailedError) as caught:
        await h.call("create_skill", body=NEW_SKILL)
    assert [v.model_dump() for v in caught.value.violations] == [violation]
    assert not isinstance(caught.value, PlantConstitutionalAlignmentError)


async def test_undocumented_status_still_gives_the_problem_as_a_mapping(
    harness: MakeHarness,
) -> None:
    # getSkill documents no 409: the problem comes back as plain JSON
    h = harness(problem_response(409, "conflict"))
    with pytest.raises(PlantConflictError) as caught:
        await h.call("get_skill", skill_id=SKILL)
    assert isinstance(caught.value.problem, dict)
    assert caught.value.problem["type"].endswith("/conflict")


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("connection refused"), httpx.ReadTimeout("timed out")],
    ids=["connect", "read-timeout"],
)
async def test_transport_error_after_the_retries(
    harness: MakeHarness, failure: httpx.TransportError
) -> None:
    h = harness(failure)
    with pytest.raises(PlantTransportError) as caught:
        await h.call("get_skill", skill_id=SKILL)
    exc = caught.value
    assert len(h.requests) == 3
    assert isinstance(exc, PlantServiceUnavailableError)
    assert isinstance(exc, rt.TransportError)
    assert isinstance(exc, rt.ServiceUnavailableError)
    assert exc.status_code is None
    assert exc.problem is None
    assert exc.__cause__ is failure
    assert BASE_URL in str(exc)
    assert type(failure).__name__ in str(exc)


async def test_transport_error_on_create_after_the_retries(harness: MakeHarness) -> None:
    h = harness(httpx.ConnectError("connection refused"))
    with pytest.raises(PlantTransportError):
        await h.call("create_skill", body=NEW_SKILL)
    assert len(h.requests) == 3
    assert len(set(h.script.header("idempotency-key"))) == 1


@pytest.mark.parametrize(("status", "attempts"), [(500, 1), (502, 3)])
async def test_html_error_page_still_raises_with_the_text(
    harness: MakeHarness, status: int, attempts: int
) -> None:
    page = "<html><body><h1>Bad Gateway</h1>nginx</body></html>"
    h = harness(httpx.Response(status, text=page, headers={"content-type": "text/html"}))
    with pytest.raises(PlantServerError) as caught:
        await h.call("get_skill", skill_id=SKILL)
    exc = caught.value
    assert len(h.requests) == attempts
    assert exc.status_code == status
    assert exc.text == page
    assert exc.problem is None
    assert exc.detail is None
    assert exc.violations == []
    assert "Bad Gateway" in str(exc)


async def test_json_error_body_that_is_not_a_problem(harness: MakeHarness) -> None:
    h = harness(httpx.Response(500, json={"error": "boom"}))
    with pytest.raises(PlantServerError) as caught:
        await h.call("get_skill", skill_id=SKILL)
    assert caught.value.problem == {"error": "boom"}
    assert caught.value.text == '{"error":"boom"}'


async def test_empty_error_body(harness: MakeHarness) -> None:
    h = harness(httpx.Response(404))
    with pytest.raises(PlantEntityNotFoundError) as caught:
        await h.call("get_skill", skill_id=SKILL)
    assert caught.value.problem is None
    assert caught.value.text == ""


# -- correlation and causation ids ----------------------------------------------------------------


async def test_correlation_and_causation_from_the_context(harness: MakeHarness) -> None:
    h = harness(bare(503), bare(503), ok_skill())
    cid = correlation_id.set("corr-abc-123")
    rid = request_id.set("req-789")
    try:
        await h.call("get_skill", skill_id=SKILL)
    finally:
        request_id.reset(rid)
        correlation_id.reset(cid)
    assert h.script.header("x-correlation-id") == ["corr-abc-123"] * 3
    assert h.script.header("x-causation-id") == ["req-789"] * 3


async def test_causation_defaults_to_the_correlation_id(harness: MakeHarness) -> None:
    h = harness(ok_skill())
    token = correlation_id.set("corr-only")
    try:
        await h.call("get_skill", skill_id=SKILL)
    finally:
        correlation_id.reset(token)
    assert h.script.header("x-correlation-id") == ["corr-only"]
    assert h.script.header("x-causation-id") == ["corr-only"]


async def test_fresh_correlation_id_without_context_same_across_retries(
    harness: MakeHarness,
) -> None:
    assert correlation_id.get() is None
    assert request_id.get() is None
    h = harness(bare(503), httpx.ConnectError("x"), ok_skill(201))
    await h.call("create_skill", body=NEW_SKILL)
    ids = h.script.header("x-correlation-id")
    assert len(ids) == 3
    assert len(set(ids)) == 1
    assert is_uuid(ids[0])
    assert h.script.header("x-causation-id") == ids
    # the next call starts another correlation
    await h.call("get_skill", skill_id=SKILL)
    assert h.requests[-1].headers["x-correlation-id"] != ids[0]
    assert is_uuid(h.requests[-1].headers["x-correlation-id"])


async def test_explicit_correlation_id_wins(harness: MakeHarness) -> None:
    h = harness(ok_skill())
    token = correlation_id.set("from-context")
    try:
        await h.call("get_skill", skill_id=SKILL, x_correlation_id="explicit-1")
    finally:
        correlation_id.reset(token)
    assert h.script.header("x-correlation-id") == ["explicit-1"]
    assert h.script.header("x-causation-id") == ["explicit-1"]


# -- timeouts ---------------------------------------------------------------------------------


def timeout_of(request: httpx.Request) -> dict[str, float | None]:
    found: dict[str, float | None] = request.extensions["timeout"]
    return found


def all_phases(seconds: float) -> dict[str, float]:
    return dict.fromkeys(("connect", "read", "write", "pool"), seconds)


async def test_timeout_defaults_to_30_seconds(harness: MakeHarness) -> None:
    h = harness(ok_skill())
    await h.call("get_skill", skill_id=SKILL)
    assert timeout_of(h.requests[0]) == all_phases(30.0)


async def test_timeout_per_client_and_per_call(harness: MakeHarness) -> None:
    h = harness(bare(503), ok_skill(), timeout=5.0)
    await h.call("get_skill", skill_id=SKILL)
    assert [timeout_of(r) for r in h.requests] == [all_phases(5.0)] * 2
    await h.call("get_skill", skill_id=SKILL, timeout=1.5)
    await h.call("create_skill", body=NEW_SKILL, timeout=0.25)
    await h.call("get_skill", skill_id=SKILL)
    assert [timeout_of(r) for r in h.requests[2:]] == [
        all_phases(1.5),
        all_phases(0.25),
        all_phases(5.0),
    ]


# -- _raw variants -----------------------------------------------------------------------------


async def test_raw_success(harness: MakeHarness) -> None:
    h = harness(httpx.Response(200, json=skill_json(), headers={"x-correlation-id": "c-1"}))
    response = await h.call("get_skill_raw", skill_id=SKILL)
    assert isinstance(response, ApiResponse)
    assert response.ok
    assert response.status_code == 200
    assert response.headers["x-correlation-id"] == "c-1"
    assert isinstance(response.body, models.SkillResponse)
    assert response.body.id == SKILL
    assert response.text == httpx.Response(200, json=skill_json()).text


async def test_raw_created(harness: MakeHarness) -> None:
    h = harness(bare(503), ok_skill(201))
    response = await h.call("create_skill_raw", body=NEW_SKILL)
    assert (response.status_code, response.ok) == (201, True)
    assert isinstance(response.body, models.SkillResponse)
    assert len(h.requests) == 2  # _raw retries like the raising variant


@pytest.mark.parametrize(
    ("status", "kind", "attempts"),
    [(404, "not-found", 1), (409, "conflict", 1), (422, "validation", 1), (503, "x", 3)],
)
async def test_raw_error_does_not_raise(
    harness: MakeHarness, status: int, kind: str, attempts: int
) -> None:
    h = harness(problem_response(status, kind, headers={"Retry-After": "1"}))
    response = await h.call("create_skill_raw", body=NEW_SKILL)
    assert isinstance(response, ApiResponse)
    assert not response.ok
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["retry-after"] == "1"
    assert len(h.requests) == attempts
    body = response.body
    if status == 404:  # createSkill documents no 404: plain JSON
        assert isinstance(body, dict)
        assert body["status"] == 404
    else:
        assert isinstance(body, models.ProblemDetails)
        assert body.status == status
        assert body.detail == "it went wrong"


async def test_raw_html_error_gives_the_text(harness: MakeHarness) -> None:
    page = "<html><body>oops</body></html>"
    h = harness(httpx.Response(500, text=page, headers={"content-type": "text/html"}))
    response = await h.call("get_skill_raw", skill_id=SKILL)
    assert response.status_code == 500
    assert response.body == page
    assert response.text == page


async def test_raw_still_raises_when_there_is_no_response(harness: MakeHarness) -> None:
    h = harness(httpx.ConnectError("refused"))
    with pytest.raises(PlantTransportError):
        await h.call("get_skill_raw", skill_id=SKILL)
    assert len(h.requests) == 3


# -- requests: path, query, body -------------------------------------------------------------


async def test_request_shape(harness: MakeHarness) -> None:
    h = harness(ok_skill(201), httpx.Response(200, json={"items": [], "next_cursor": None}))
    await h.call("create_skill", body=NEW_SKILL)
    await h.call("list_skills", limit=5, cursor="abc", status=models.SkillStatus.CERTIFIED)
    create, listing = h.requests
    assert (create.method, str(create.url)) == ("POST", f"{BASE_URL}/api/v1/genesis/skills")
    assert create.headers["content-type"] == "application/json"
    assert httpx.Response(200, content=create.content).json() == {
        "name": "Copywriting",
        "category": "technical",
        "description": "Writes copy.",
    }
    assert listing.method == "GET"
    assert listing.url.path == "/api/v1/genesis/skills"
    assert dict(listing.url.params) == {"limit": "5", "cursor": "abc", "status": "certified"}


# -- base URL ------------------------------------------------------------------------------------


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("PLANT_API_URL", raising=False)
    return monkeypatch


async def test_base_url_from_the_constructor(harness: MakeHarness, no_env: Any) -> None:
    h = harness(ok_skill(), base_url="http://plant.example:8080/")
    assert h.client.base_url == "http://plant.example:8080"
    await h.call("get_skill", skill_id=SKILL)
    assert str(h.requests[0].url) == f"http://plant.example:8080/api/v1/genesis/skills/{SKILL}"


async def test_base_url_with_a_path_prefix(harness: MakeHarness, no_env: Any) -> None:
    h = harness(ok_skill(), base_url="https://gateway.example/plant/")
    await h.call("get_skill", skill_id=SKILL)
    assert str(h.requests[0].url) == f"https://gateway.example/plant/api/v1/genesis/skills/{SKILL}"


async def test_base_url_from_the_environment(harness: MakeHarness, no_env: Any) -> None:
    no_env.setenv("PLANT_API_URL", "http://from-env.example")
    h = harness(ok_skill(), base_url=None)
    assert h.client.base_url == "http://from-env.example"
    await h.call("get_skill", skill_id=SKILL)
    assert h.requests[0].url.host == "from-env.example"
    # the constructor wins over the environment
    assert harness(ok_skill(), base_url="http://explicit.example").client.base_url == (
        "http://explicit.example"
    )


@pytest.mark.parametrize("cls", [PlantClient, AsyncPlantClient])
@pytest.mark.parametrize("env", [None, ""])
def test_no_base_url_is_a_clear_error(
    no_env: pytest.MonkeyPatch, cls: type[PlantClient | AsyncPlantClient], env: str | None
) -> None:
    if env is not None:
        no_env.setenv("PLANT_API_URL", env)
    with pytest.raises(ValueError, match=r"base_url=.*PLANT_API_URL"):
        cls()


# -- clean-up ----------------------------------------------------------------------------------


def test_sync_client_closes_its_own_http_client() -> None:
    with PlantClient(BASE_URL) as client:
        http = client._core.http
        assert not http.is_closed
    assert http.is_closed


async def test_async_client_closes_its_own_http_client() -> None:
    async with AsyncPlantClient(BASE_URL) as client:
        http = client._core.http
        assert not http.is_closed
    assert http.is_closed


def test_a_given_http_client_is_left_open() -> None:
    with httpx.Client(base_url=BASE_URL) as http:
        with PlantClient(BASE_URL, http_client=http) as client:
            assert client._core.http is http
        assert not http.is_closed


# -- typing --------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [PlantClient, AsyncPlantClient])
def test_methods_are_annotated_with_what_they_return(
    cls: type[PlantClient | AsyncPlantClient],
) -> None:
    hints = typing.get_type_hints(cls.create_skill)
    assert hints["return"] is models.SkillResponse
    raw = typing.get_type_hints(cls.get_agent_raw)["return"]
    assert typing.get_args(raw)[0] in (
        models.AgentResponse,
        models.AgentResponse | models.ProblemDetails,
    )


def test_a_given_http_client_keeps_its_timeout() -> None:
    script = Script(ok_skill())
    with httpx.Client(
        base_url=BASE_URL, timeout=5.0, transport=httpx.MockTransport(script)
    ) as http:
        PlantClient(BASE_URL, http_client=http).get_skill(skill_id=SKILL)
    assert timeout_of(script.requests[0]) == all_phases(5.0)


async def test_jsonl_export_is_text(harness: MakeHarness) -> None:
    lines = '{"record":"entry","sequence":1}\n{"record":"head"}\n'
    csv_text = "record,sequence\nentry,1\nhead,\n"
    h = harness(
        httpx.Response(200, text=csv_text, headers={"content-type": "text/csv; charset=utf-8"}),
        httpx.Response(200, text=lines, headers={"content-type": "application/x-ndjson"}),
    )
    assert await h.call("export_audit", format=models.ExportFormat.CSV) == csv_text
    assert await h.call("export_audit", format=models.ExportFormat.JSONL) == lines


# -- streamed downloads --------------------------------------------------------------------------

CSV_EXPORT = "record,sequence\nentry,1\nentry,2\nhead,2\n"


async def streamed(h: Harness, **kwargs: Any) -> tuple[httpx.Response, bytes]:
    """``export_audit_stream`` on either client: the response and the body read from it."""
    if isinstance(h.client, AsyncPlantClient):
        async with h.client.export_audit_stream(**kwargs) as response:
            body = b"".join([chunk async for chunk in response.aiter_bytes()])
    else:
        with h.client.export_audit_stream(**kwargs) as response:
            body = b"".join(response.iter_bytes())
    return response, body


def csv_answer() -> httpx.Response:
    return httpx.Response(200, text=CSV_EXPORT, headers={"content-type": "text/csv"})


async def test_stream_gives_the_body_unread_and_closes_it(harness: MakeHarness) -> None:
    h = harness(csv_answer())
    response, body = await streamed(h, format=models.ExportFormat.CSV)
    assert body.decode() == CSV_EXPORT
    assert response.is_closed
    assert h.requests[0].url.params["format"] == "csv"


async def test_stream_retries_before_the_body_is_read(harness: MakeHarness) -> None:
    h = harness(bare(503, {"Retry-After": "1"}), csv_answer())
    _, body = await streamed(h)
    assert body.decode() == CSV_EXPORT
    assert len(h.requests) == 2
    assert h.sleeps == [1.0]
    # one logical call: the same correlation id on both attempts
    assert len(set(h.script.header("X-Correlation-ID"))) == 1


async def test_stream_error_raises_before_the_block(harness: MakeHarness) -> None:
    violation = {"rule": "validation", "field": "query.until", "message": "before since"}
    h = harness(problem_response(422, "validation", violations=[violation]))
    entered = False
    with pytest.raises(PlantValidationFailedError) as caught:
        if isinstance(h.client, AsyncPlantClient):
            async with h.client.export_audit_stream():
                entered = True
        else:
            with h.client.export_audit_stream():
                entered = True
    assert not entered
    assert caught.value.status_code == 422
    assert [v.model_dump() for v in caught.value.violations] == [violation]


async def test_stream_unavailable_after_the_retries(harness: MakeHarness) -> None:
    h = harness(bare(503))
    with pytest.raises(PlantServiceUnavailableError):
        await streamed(h)
    assert len(h.requests) == DEFAULT.attempts


async def test_stream_transport_error_after_the_retries(harness: MakeHarness) -> None:
    h = harness(httpx.ConnectError("refused"))
    with pytest.raises(PlantTransportError) as caught:
        await streamed(h)
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert len(h.requests) == DEFAULT.attempts


async def test_stream_sends_the_context_correlation_id(harness: MakeHarness) -> None:
    h = harness(csv_answer())
    token = correlation_id.set("cid-export-1")
    try:
        await streamed(h)
    finally:
        correlation_id.reset(token)
    assert h.script.header("X-Correlation-ID") == ["cid-export-1"]


def test_only_file_operations_have_a_stream_method() -> None:
    for cls in (PlantClient, AsyncPlantClient):
        streams = sorted(name for name in vars(cls) if name.endswith("_stream"))
        assert streams == ["export_audit_stream"]
