"""Examples: present on every body, and valid against their schemas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from waooaw.codegen.errors import join_pointer

from ..context import LintContext, status_class
from ..registry import Hit, rule


def _success_bodies(ctx: LintContext) -> Iterator[tuple[str, Any, str, str]]:
    """(what, media type object, pointer, media type) of every request body and 2xx response."""
    for op in ctx.operations():
        body = ctx.request_body(op)
        if body is not None:
            for media_type, media, pointer in ctx.media_types(*body):
                yield "request body", media, pointer, media_type
        for status, resp, where in ctx.responses(op):
            if status_class(status) == "2":
                for media_type, media, pointer in ctx.media_types(resp, where):
                    yield "response", media, pointer, media_type


def _has_example(ctx: LintContext, holder: dict[str, Any]) -> bool:
    if "example" in holder or holder.get("examples"):
        return True
    schema, _ = ctx.resolve(holder.get("schema"), "")
    return isinstance(schema, dict) and ("example" in schema or bool(schema.get("examples")))


@rule(
    "examples-present",
    severity="warning",
    rationale="Examples fill the docs, mock servers and contract tests; every request body"
    " and 2xx response carries one (on the media type or its schema).",
)
def _examples_present(ctx: LintContext) -> Iterator[Hit]:
    for what, media, pointer, media_type in _success_bodies(ctx):
        if not _has_example(ctx, media):
            yield pointer, f"{what} {media_type} has no example"


def _example_sites(ctx: LintContext) -> Iterator[tuple[str, str, Any]]:
    """(schema pointer, example value pointer, value) for every example in the contract."""

    def holder(node: Any, pointer: str) -> Iterator[tuple[str, str, Any]]:
        # a media type, parameter or header object: example/examples next to a schema
        if not isinstance(node, dict) or not isinstance(node.get("schema"), dict):
            return
        schema_pointer = pointer + "/schema"
        if "example" in node:
            yield schema_pointer, pointer + "/example", node["example"]
        examples = node.get("examples")
        if isinstance(examples, dict):
            for name, raw in examples.items():
                example, where = ctx.resolve(raw, join_pointer(pointer, "examples", name))
                if isinstance(example, dict) and "value" in example:
                    yield schema_pointer, where + "/value", example["value"]

    def with_content(node: Any, pointer: str) -> Iterator[tuple[str, str, Any]]:
        if not isinstance(node, dict):
            return
        yield from holder(node, pointer)
        for _, media, media_pointer in ctx.media_types(node, pointer):
            yield from holder(media, media_pointer)
        headers = node.get("headers")
        if isinstance(headers, dict):
            for name, raw in headers.items():
                header, where = ctx.resolve(raw, join_pointer(pointer, "headers", name))
                yield from with_content(header, where)

    for op in ctx.operations():
        for param in op.parameters:
            yield from with_content(param.node, param.pointer)
        body = ctx.request_body(op)
        if body is not None:
            yield from with_content(*body)
        for _, resp, where in ctx.responses(op):
            yield from with_content(resp, where)
    for kind in ("parameters", "headers", "requestBodies", "responses"):
        for name, node in ctx.component(kind).items():
            yield from with_content(node, join_pointer("/components", kind, name))
    for pointer, schema in ctx.schemas():
        if "example" in schema:
            yield pointer, pointer + "/example", schema["example"]
        examples = schema.get("examples")
        if ctx.version == "3.1" and isinstance(examples, list):
            for i, value in enumerate(examples):
                yield pointer, f"{pointer}/examples/{i}", value


@rule(
    "examples-valid",
    severity="error",
    rationale="An example that breaks its own schema misleads every reader and every"
    " client built against it; examples are validated as JSON Schema (formats included).",
)
def _examples_valid(ctx: LintContext) -> Iterator[Hit]:
    seen: set[tuple[str, str]] = set()
    for schema_pointer, value_pointer, value in _example_sites(ctx):
        if (schema_pointer, value_pointer) in seen:
            continue
        seen.add((schema_pointer, value_pointer))
        for inner, message in ctx.example_errors(schema_pointer, value):
            yield value_pointer + inner, f"example does not match its schema: {message}"
