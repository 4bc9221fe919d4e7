"""The project's contract checks, registered with schemathesis on import.

* ``problem_details_for_errors`` - every 4xx/5xx is ``application/problem+json`` whose
  ``status`` equals the HTTP status and whose ``correlation_id`` equals the
  ``X-Correlation-ID`` response header (RFC 7807 / RFC 9457, rule 5 of the design).
* ``declared_422_only`` - where an operation's expectations let schema-valid input be
  answered 422 (``Declared422``), the 422 is that kind and no other.

``declared_422_only`` reads its per-operation settings from the schemathesis check config
(``operations[].checks.declared_422_only``), which ``waooaw.verify.config`` writes from a
target's expectations; an operation without settings is not constrained.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import schemathesis

__all__ = [
    "BUILTIN_CHECKS",
    "PROBLEM_JSON",
    "PROJECT_CHECKS",
    "Declared422",
    "declared_422_only",
    "problem_body",
    "problem_details_for_errors",
]

PROBLEM_JSON = "application/problem+json"

#: Everything schemathesis 4 checks; verify runs all of it (tests pin the list).
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
PROJECT_CHECKS = frozenset({"problem_details_for_errors", "declared_422_only"})


@dataclass(frozen=True, slots=True)
class Declared422:
    """The one kind of 422 an operation answers to schema-valid input, and why.

    A problem matches when its ``type`` is one of ``problem_types`` (the full URI or its
    last path segment), or when it lists ``violations`` and each names a field in
    ``violation_fields`` (``"query.cursor"``, ``"body.name"`` ...).
    """

    why: str
    problem_types: frozenset[str] = frozenset()
    violation_fields: frozenset[str] = frozenset()

    def matches(self, problem: Mapping[str, Any]) -> bool:
        kind = str(problem.get("type", ""))
        if kind in self.problem_types or kind.rsplit("/", 1)[-1] in self.problem_types:
            return True
        violations = problem.get("violations") or []
        return (
            bool(self.violation_fields)
            and bool(violations)
            and all(
                isinstance(v, dict) and v.get("field") in self.violation_fields for v in violations
            )
        )

    def as_config(self) -> dict[str, Any]:
        """The ``declared_422_only`` check settings for one operation."""
        return {
            "why": self.why,
            "problem-types": sorted(self.problem_types),
            "violation-fields": sorted(self.violation_fields),
        }

    @classmethod
    def from_config(cls, data: Mapping[str, Any]) -> Declared422:
        return cls(
            why=str(data.get("why", "")),
            problem_types=frozenset(data.get("problem-types", ())),
            violation_fields=frozenset(data.get("violation-fields", ())),
        )


def problem_body(response: schemathesis.Response) -> dict[str, Any] | None:
    """The response body as a JSON object, or None."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


@schemathesis.check
def problem_details_for_errors(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
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
    problem = problem_body(response)
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
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> None:
    """Where schema-valid input may get a declared 422, it gets that kind of 422 only."""
    if response.status_code != 422 or case.meta is None:
        return
    settings = ctx.config.custom_kwargs.get("declared_422_only")
    if not settings or not case.meta.generation.mode.is_positive:
        return
    declared = Declared422.from_config(settings)
    problem = problem_body(response) or {}
    assert declared.matches(problem), (
        f"schema-valid input got a 422 other than the declared one ({declared.why}): {problem}"
    )
