"""Operations: valid OpenAPI, operationIds, summaries, descriptions, tags."""

from __future__ import annotations

import re
from collections.abc import Iterator

from waooaw.codegen.errors import ContractError
from waooaw.codegen.validate import validate_contract

from ..context import LintContext, Operation
from ..registry import Hit, registered, rule


@rule(
    "openapi-valid",
    severity="error",
    rationale="The contract must be valid OpenAPI 3.0/3.1 (the checks `waooaw gen` runs);"
    " nothing can be generated from an invalid one.",
)
def _openapi_valid(ctx: LintContext) -> Iterator[Hit]:
    for err in validate_contract(ctx.contract):
        if registered(err.rule):
            continue  # a lint rule of that id reports it (and can be configured)
        yield ContractError(
            err.file,
            err.pointer,
            "openapi-valid",
            f"{err.rule}: {err.message}",
            err.line,
            err.column,
        )


@rule(
    "operation-id-present",
    severity="error",
    rationale="operationIds name the generated methods, Protocols and client calls;"
    " without one the name is derived from the path and changes when the path does.",
)
def _operation_id_present(ctx: LintContext) -> Iterator[Hit]:
    for op in ctx.operations():
        if op.operation_id is None:
            where = op.pointer + "/operationId" if "operationId" in op.node else op.pointer
            yield where, f"{op.label} has no operationId"


@rule(
    "operation-id-unique",
    severity="error",
    rationale="Two operations with one operationId collide in every generated artifact.",
)
def _operation_id_unique(ctx: LintContext) -> Iterator[Hit]:
    seen: dict[str, Operation] = {}
    for op in ctx.operations():
        op_id = op.operation_id
        if op_id is None:
            continue
        if op_id in seen:
            yield (
                op.pointer + "/operationId",
                f"operationId {op_id!r} is already used by {seen[op_id].label}",
            )
        else:
            seen[op_id] = op


_CAMEL = re.compile(r"[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+")
_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")
_WORD = re.compile(r"[a-z][a-z0-9]*")


def _words(name: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+", name)]


@rule(
    "operation-id-casing",
    severity="warning",
    rationale="One casing for every operationId (lowerCamelCase or snake_case, whichever"
    " most use) keeps generated names predictable; the minority is flagged.",
)
def _operation_id_casing(ctx: LintContext) -> Iterator[Hit]:
    styled: list[tuple[Operation, str, str]] = []
    for op in ctx.operations():
        op_id = op.operation_id
        if op_id is None or _WORD.fullmatch(op_id):
            continue  # one lowercase word is both
        style = "camel" if _CAMEL.fullmatch(op_id) else "snake" if _SNAKE.fullmatch(op_id) else ""
        styled.append((op, op_id, style))
    camel = sum(style == "camel" for _, _, style in styled)
    snake = sum(style == "snake" for _, _, style in styled)
    majority = "snake" if snake > camel else "camel"
    for op, op_id, style in styled:
        if style == majority:
            continue
        words = _words(op_id) or [op_id]
        if majority == "camel":
            wanted = "lowerCamelCase"
            suggestion = words[0] + "".join(w.capitalize() for w in words[1:])
        else:
            wanted, suggestion = "snake_case", "_".join(words)
        count = max(camel, snake)
        yield (
            op.pointer + "/operationId",
            f"operationId {op_id!r} is not {wanted} like the other {count}; use {suggestion!r}",
        )


def _text_field(ctx: LintContext, key: str) -> Iterator[Hit]:
    for op in ctx.operations():
        value = op.node.get(key)
        if key not in op.node:
            yield op.pointer, f"{op.label} has no {key}"
        elif not isinstance(value, str) or not value.strip():
            yield f"{op.pointer}/{key}", f"{op.label} has an empty {key}"


@rule(
    "operation-summary",
    severity="warning",
    rationale="The summary titles the operation in Swagger UI, ReDoc and generated docstrings.",
)
def _operation_summary(ctx: LintContext) -> Iterator[Hit]:
    yield from _text_field(ctx, "summary")


@rule(
    "operation-description",
    severity="warning",
    rationale="The description is where behaviour, rules checked and responses are explained"
    " to the teams consuming the API.",
)
def _operation_description(ctx: LintContext) -> Iterator[Hit]:
    yield from _text_field(ctx, "description")


@rule(
    "operation-tags",
    severity="error",
    rationale="Tags group operations into the generated Protocols and the docs; a tag not"
    " declared in the top-level `tags` (or known_tags) is usually a typo that creates a new group.",
)
def _operation_tags(ctx: LintContext) -> Iterator[Hit]:
    declared = set(ctx.config.known_tags)
    for tag in ctx.document.get("tags") or []:
        if isinstance(tag, dict) and isinstance(tag.get("name"), str):
            declared.add(tag["name"])
    for op in ctx.operations():
        tags = op.node.get("tags")
        if not isinstance(tags, list) or not tags:
            yield op.pointer, f"{op.label} has no tags"
            continue
        for i, tag in enumerate(tags):
            if tag not in declared:
                yield (
                    f"{op.pointer}/tags/{i}",
                    f"tag {tag!r} of {op.label} is not declared in the top-level tags",
                )
