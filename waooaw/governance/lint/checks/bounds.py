"""Bounds: what a client may send is bounded the way its storage is."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from waooaw.codegen.errors import join_pointer
from waooaw.codegen.openapi import is_json, schema_types

from ..context import LintContext
from ..registry import Hit, rule


def _request_schemas(ctx: LintContext) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema a JSON request body can reach (``$ref``s followed once), by pointer."""
    seen: set[str] = set()
    pending: list[tuple[Any, str]] = []
    for op in ctx.operations():
        body = ctx.request_body(op)
        if body is None:
            continue
        for media_type, media, pointer in ctx.media_types(*body):
            if is_json(media_type):
                pending.append((media.get("schema"), pointer + "/schema"))
    while pending:
        node, pointer = pending.pop()
        schema, where = ctx.resolve(node, pointer)
        if not isinstance(schema, dict) or where in seen:
            continue
        seen.add(where)
        yield where, schema
        properties = schema.get("properties")
        if isinstance(properties, dict):
            for name, sub in properties.items():
                pending.append((sub, join_pointer(where, "properties", name)))
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                pending.append((schema[key], join_pointer(where, key)))
        for key in ("allOf", "anyOf", "oneOf", "prefixItems"):
            if isinstance(schema.get(key), list):
                for i, sub in enumerate(schema[key]):
                    pending.append((sub, join_pointer(where, key, str(i))))


@rule(
    "request-body-bounded",
    severity="error",
    rationale="Every integer a client may send has the bounds its storage holds (`minimum`"
    " and `maximum`), and every free-text string a `maxLength` and a `pattern` (at least one"
    " refusing control characters), so no input reaches the database it cannot hold.",
)
def _request_body_bounded(ctx: LintContext) -> Iterator[Hit]:
    for pointer, schema in _request_schemas(ctx):
        types = schema_types(schema)
        if any(k in schema for k in ("enum", "const")):
            continue
        if "integer" in types:
            missing = [
                k
                for k, alt in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum"))
                if k not in schema and alt not in schema
            ]
            if missing:
                yield pointer, f"request integer has no {' or '.join(missing)}"
        if "string" in types and "format" not in schema:
            missing = [k for k in ("maxLength", "pattern") if k not in schema]
            if missing:
                yield pointer, f"request string has no {' or '.join(missing)}"
