"""The comparison: operations (:mod:`.operations`), then the schemas they use (:mod:`.schemas`)."""

from __future__ import annotations

from typing import Any

from waooaw.codegen.loader import LoadedContract

from ..model import KIND_ORDER, Change, ChangeKind, ContractSide, DiffReport, OperationRef, Side
from .common import component_schema, member_dict
from .operations import OperationComparer

__all__ = ["diff_contracts"]


def _version(doc: dict[str, Any]) -> str | None:
    version = member_dict(doc, "info").get("version")
    return str(version) if version is not None else None


def _location(contract: LoadedContract, pointer: str) -> str | None:
    source, inner = contract.resolve_origin(pointer)
    line, column = source.locate(inner)
    if line is None:
        return source.display
    return f"{source.display}:{line}" + (f":{column}" if column is not None else "")


def diff_contracts(base: LoadedContract, head: LoadedContract) -> DiffReport:
    """Compare two loaded contracts: every change classified, deduplicated and sorted."""
    # a finding reached from several operations (a shared component) becomes one change
    merged: dict[tuple[ChangeKind, str, Side, str, str], set[OperationRef]] = {}
    for f in OperationComparer(base.document, head.document).run():
        merged.setdefault((f.kind, f.rule, f.side, f.pointer, f.message), set()).update(
            f.operations
        )
    changes = [
        Change(
            kind=kind,
            rule=rule,
            pointer=pointer,
            side=side,
            message=message,
            location=_location(base if side == "base" else head, pointer),
            operations=tuple(sorted(ops, key=OperationRef.sort_key)),
            schema=component_schema(pointer),
        )
        for (kind, rule, side, pointer, message), ops in merged.items()
    ]
    changes.sort(key=lambda c: (KIND_ORDER[c.kind], c.pointer, c.rule, c.message))
    return DiffReport(
        base=ContractSide(base.root.display, _version(base.document)),
        head=ContractSide(head.root.display, _version(head.document)),
        changes=tuple(changes),
    )
