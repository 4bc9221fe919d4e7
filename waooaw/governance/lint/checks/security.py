"""Security and links: every operation states its security; creates link to reads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..context import LintContext
from ..registry import Hit, rule


@rule(
    "security-declared",
    severity="error",
    rationale="When the contract defines security schemes, every operation states its"
    " security (or a global `security` applies); `security: []` marks a public one on purpose.",
)
def _security_declared(ctx: LintContext) -> Iterator[Hit]:
    schemes = ctx.component("securitySchemes")
    if not schemes or "security" in ctx.document:
        return
    names = ", ".join(schemes)
    for op in ctx.operations():
        if "security" not in op.node:
            yield (
                op.pointer,
                f"{op.label} declares no security and there is no global security"
                f" (schemes: {names}); add `security`, or `security: []` if it is public",
            )


def _leads_to_get(link: dict[str, Any], getters: set[str | None]) -> bool:
    op_id = link.get("operationId")
    if isinstance(op_id, str):
        return op_id in getters
    ref = link.get("operationRef")
    return isinstance(ref, str) and ref.startswith("#/paths/") and ref.endswith("/get")


@rule(
    "create-operation-links",
    severity="warning",
    rationale="A create (POST answering 201) documents with `links` how to read what it"
    " created (a GET operation), so clients and docs can follow the id.",
)
def _create_operation_links(ctx: LintContext) -> Iterator[Hit]:
    getters = {op.operation_id for op in ctx.operations() if op.method == "get"} - {None}
    for op in ctx.operations():
        if op.method != "post":
            continue
        for status, resp, where in ctx.responses(op):
            if status != "201":
                continue
            links = resp.get("links")
            if not isinstance(links, dict) or not links:
                yield where, "201 response of a create operation has no links"
                continue
            targets = [ctx.resolve(raw, "")[0] for raw in links.values()]
            if not any(isinstance(t, dict) and _leads_to_get(t, getters) for t in targets):
                yield where + "/links", "no link of this 201 response leads to a GET operation"
