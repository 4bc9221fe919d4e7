"""Parameters: pagination of lists, path templates, id formats."""

from __future__ import annotations

import re
from collections.abc import Iterator

from waooaw.codegen.errors import join_pointer
from waooaw.codegen.openapi import is_json, schema_types

from ..context import LintContext, Operation, status_class
from ..registry import Hit, rule

_CURSOR_PARAMS = frozenset(
    {
        "cursor",
        "page",
        "page_token",
        "pageToken",
        "after",
        "before",
        "starting_after",
        "offset",
        "marker",
        "continuation_token",
        "next",
    }
)


def _returns_list(ctx: LintContext, op: Operation) -> bool:
    for status, resp, where in ctx.responses(op):
        if status_class(status) != "2":
            continue
        for media_type, media, _ in ctx.media_types(resp, where):
            if not is_json(media_type):
                continue
            schema, _ = ctx.resolve(media.get("schema"), "")
            if not isinstance(schema, dict):
                continue
            if "array" in set(schema_types(schema)):
                return True
            props = schema.get("properties")
            items = props.get("items") if isinstance(props, dict) else None
            items, _ = ctx.resolve(items, "")
            if isinstance(items, dict) and "array" in set(schema_types(items)):
                return True
    return False


@rule(
    "list-pagination",
    severity="error",
    rationale="A list without a bounded page size grows until it times out; list operations"
    " take a `limit` query parameter with a `maximum` (at most max_limit) and a cursor or page"
    " parameter.",
)
def _list_pagination(ctx: LintContext) -> Iterator[Hit]:
    for op in ctx.operations():
        if op.method != "get" or not _returns_list(ctx, op):
            continue
        query = {p.name: p for p in op.parameters if p.location == "query"}
        limit = query.get("limit")
        if limit is None:
            yield op.pointer, f"{op.label} returns a list but has no `limit` query parameter"
        else:
            schema, where = ctx.resolve(limit.node.get("schema"), limit.pointer + "/schema")
            maximum = schema.get("maximum") if isinstance(schema, dict) else None
            if not isinstance(maximum, int | float) or isinstance(maximum, bool):
                yield where, "`limit` has no maximum"
            elif maximum > ctx.config.max_limit:
                yield (
                    where + "/maximum",
                    f"`limit` allows up to {maximum} items; the most allowed is"
                    f" {ctx.config.max_limit} (max_limit)",
                )
        if not _CURSOR_PARAMS & set(query):
            yield (
                op.pointer,
                f"{op.label} returns a list but has no cursor or page query parameter"
                " (cursor, page, page_token, offset...)",
            )


_TEMPLATE = re.compile(r"\{([^{}]+)\}")


@rule(
    "path-parameter-missing",
    severity="error",
    rationale="Every {name} in a path template is declared as an `in: path` parameter,"
    " or the generated route cannot bind it.",
)
def _path_parameter_missing(ctx: LintContext) -> Iterator[Hit]:
    for op in ctx.operations():
        declared = {p.name for p in op.parameters if p.location == "path"}
        for name in dict.fromkeys(_TEMPLATE.findall(op.path)):
            if name not in declared:
                yield (
                    op.pointer,
                    f"{op.label}: path parameter {{{name}}} is not declared in parameters",
                )


@rule(
    "path-parameter-unused",
    severity="error",
    rationale="An `in: path` parameter that is not in the path template can never be sent.",
)
def _path_parameter_unused(ctx: LintContext) -> Iterator[Hit]:
    for op in ctx.operations():
        template = set(_TEMPLATE.findall(op.path))
        for param in op.parameters:
            if param.location == "path" and param.name not in template:
                yield (
                    param.listed_at,
                    f"path parameter {param.name!r} does not appear in {op.path}",
                )


_ID_NAME = re.compile(r"id|.*_id|.*[a-z0-9]Id")


@rule(
    "id-format-uuid",
    severity="warning",
    rationale="Ids are UUIDs (`type: string, format: uuid`): path and query parameters named"
    " `id`/`*_id`, and string properties named so, unless they declare another shape on purpose"
    " (a `pattern` or an `enum`, as codes and correlation ids do).",
)
def _id_format_uuid(ctx: LintContext) -> Iterator[Hit]:
    seen: set[str] = set()
    for op in ctx.operations():
        for param in op.parameters:
            if param.location not in ("path", "query") or not _ID_NAME.fullmatch(param.name):
                continue
            if param.pointer in seen:
                continue
            seen.add(param.pointer)
            schema, where = ctx.resolve(param.node.get("schema"), param.pointer + "/schema")
            if not isinstance(schema, dict):
                continue
            declared = "pattern" in schema or "enum" in schema
            if not declared and (
                set(schema_types(schema)) - {"null"} != {"string"} or schema.get("format") != "uuid"
            ):
                yield where, f"{param.location} parameter {param.name!r} is not a uuid string"
    for pointer, schema in ctx.schemas():
        props = schema.get("properties")
        if not isinstance(props, dict):
            continue
        for name, prop in props.items():
            if (
                isinstance(name, str)
                and _ID_NAME.fullmatch(name)
                and isinstance(prop, dict)
                and "string" in set(schema_types(prop))
                and prop.get("format") != "uuid"
                and "pattern" not in prop
                and "enum" not in prop
            ):
                yield (
                    join_pointer(pointer, "properties", name),
                    f"property {name!r} is a string without `format: uuid`",
                )
