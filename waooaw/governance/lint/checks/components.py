"""Components: nothing unused, 2xx bodies named."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from waooaw.codegen.errors import join_pointer
from waooaw.codegen.loader import unescape_pointer
from waooaw.codegen.openapi import is_json, schema_types

from ..context import LintContext, status_class
from ..registry import Hit, rule

_CHECKED_COMPONENTS = {
    "schemas": "schema",
    "responses": "response",
    "parameters": "parameter",
    "headers": "header",
    "examples": "example",
    "requestBodies": "request body",
}


def _refs(node: Any, found: list[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.append(value)
            elif key == "discriminator" and isinstance(value, dict):
                mapping = value.get("mapping")
                if isinstance(mapping, dict):
                    for target in mapping.values():
                        if isinstance(target, str):
                            local = target if target.startswith("#") else None
                            found.append(local or f"#/components/schemas/{target}")
            else:
                _refs(value, found)
    elif isinstance(node, list):
        for item in node:
            _refs(item, found)


@rule(
    "unused-components",
    severity="warning",
    rationale="A component nothing references is dead weight that still gets generated and"
    " reviewed. (Not applied to contracts without operations, such as shared.yaml.)",
)
def _unused_components(ctx: LintContext) -> Iterator[Hit]:
    doc = ctx.document
    if not doc.get("paths") and not doc.get("webhooks"):
        return  # a component library
    components = doc.get("components")
    if not isinstance(components, dict):
        return
    pending: list[str] = []
    _refs({k: v for k, v in doc.items() if k != "components"}, pending)
    _refs({k: v for k, v in components.items() if k not in _CHECKED_COMPONENTS}, pending)
    used: set[tuple[str, str]] = set()
    while pending:
        parts = pending.pop().split("/")
        if len(parts) < 4 or parts[:2] != ["#", "components"]:
            continue
        kind, name = parts[2], unescape_pointer(parts[3])
        if kind not in _CHECKED_COMPONENTS or (kind, name) in used:
            continue
        used.add((kind, name))
        _refs(ctx.component(kind).get(name), pending)
    for kind, noun in _CHECKED_COMPONENTS.items():
        for name in ctx.component(kind):
            if (kind, name) not in used:
                yield (
                    join_pointer("/components", kind, name),
                    f"{noun} {name!r} is never referenced",
                )


_PRIMITIVES = {"string", "integer", "number", "boolean", "null"}


def _is_plain(schema: Any) -> bool:
    """A $ref, or a primitive with nothing that would make the generator name a type."""
    if not isinstance(schema, dict):
        return False
    if "$ref" in schema:
        return True
    shaped = any(k in schema for k in ("properties", "enum", "allOf", "anyOf", "oneOf"))
    types = set(schema_types(schema))
    return bool(types) and types <= _PRIMITIVES and not shaped


@rule(
    "inline-response-schema",
    severity="error",
    rationale="A 2xx JSON body is a named component schema (`$ref`), so generated types get"
    " stable names and can be shared; primitives and arrays of refs or primitives are fine.",
)
def _inline_response_schema(ctx: LintContext) -> Iterator[Hit]:
    for op in ctx.operations():
        for status, resp, where in ctx.responses(op):
            if status_class(status) != "2":
                continue
            for media_type, media, pointer in ctx.media_types(resp, where):
                schema = media.get("schema")
                if not is_json(media_type) or not isinstance(schema, dict) or _is_plain(schema):
                    continue
                if set(schema_types(schema)) == {"array"} and _is_plain(schema.get("items")):
                    continue
                yield (
                    pointer + "/schema",
                    f"{media_type} response schema is inline; move it to"
                    " #/components/schemas and $ref it",
                )
