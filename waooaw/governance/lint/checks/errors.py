"""Error responses: RFC 9457 problem documents with the shared ProblemDetails schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..context import LintContext, status_class
from ..registry import Hit, rule

_PROBLEM_JSON = "application/problem+json"
_PROBLEM_SCHEMA = "ProblemDetails"


def _error_responses(ctx: LintContext) -> Iterator[tuple[dict[str, Any], str]]:
    """Each 4xx/5xx response once, with where it is written (shared ones are components)."""
    seen: set[str] = set()
    for op in ctx.operations():
        for status, resp, where in ctx.responses(op):
            if status_class(status) in ("4", "5") and where not in seen:
                seen.add(where)
                yield resp, where


@rule(
    "error-response-problem-json",
    severity="error",
    rationale="Every 4xx/5xx is an RFC 9457 problem document served as"
    " application/problem+json, so clients handle all errors one way.",
)
def _error_response_problem_json(ctx: LintContext) -> Iterator[Hit]:
    for resp, where in _error_responses(ctx):
        content = resp.get("content")
        if not isinstance(content, dict) or not content:
            yield where, f"error response has no content; errors are {_PROBLEM_JSON} documents"
        elif _PROBLEM_JSON not in content:
            found = ", ".join(str(k) for k in content)
            yield where + "/content", f"error response is {found}, not {_PROBLEM_JSON}"


def _extends_problem_details(ctx: LintContext, schema: Any, depth: int = 0) -> bool:
    if not isinstance(schema, dict) or depth > 16:
        return False
    ref = schema.get("$ref")
    if ref == f"#/components/schemas/{_PROBLEM_SCHEMA}":
        return True
    if isinstance(ref, str):
        return _extends_problem_details(ctx, ctx.lookup(ref), depth + 1)
    parts = schema.get("allOf")
    return isinstance(parts, list) and any(
        _extends_problem_details(ctx, part, depth + 1) for part in parts
    )


@rule(
    "error-response-problem-details",
    severity="error",
    rationale="Error bodies reference the one shared ProblemDetails schema (directly, or"
    " extending it with allOf) so every service's errors have the same shape.",
)
def _error_response_problem_details(ctx: LintContext) -> Iterator[Hit]:
    for resp, where in _error_responses(ctx):
        for media_type, media, media_pointer in ctx.media_types(resp, where):
            if media_type != _PROBLEM_JSON:
                continue
            schema = media.get("schema")
            if not _extends_problem_details(ctx, schema):
                pointer = media_pointer + "/schema" if "schema" in media else media_pointer
                yield (
                    pointer,
                    f"problem schema does not reference #/components/schemas/{_PROBLEM_SCHEMA}",
                )
