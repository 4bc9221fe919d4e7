"""What the operation and schema comparers share: the pair of places, and raw findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from waooaw.codegen.errors import escape_pointer
from waooaw.codegen.loader import unescape_pointer
from waooaw.codegen.openapi import follow_ref

from ..model import ChangeKind, OperationRef, Side

__all__ = [
    "Finding",
    "Pair",
    "component_schema",
    "is_ref",
    "last_token",
    "member_dict",
    "member_list",
]


def is_ref(node: Any) -> bool:
    return isinstance(node, dict) and isinstance(node.get("$ref"), str)


def member_dict(node: Any, key: str) -> dict[str, Any]:
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, dict) else {}


def member_list(node: Any, key: str) -> list[Any]:
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, list) else []


@dataclass(frozen=True, slots=True)
class Pair:
    """The same place in BASE and HEAD: both values and both pointers."""

    b: Any
    h: Any
    bp: str
    hp: str

    def __getitem__(self, key: str) -> Pair:
        b = self.b.get(key) if isinstance(self.b, dict) else None
        h = self.h.get(key) if isinstance(self.h, dict) else None
        token = key if "~" not in key and "/" not in key else escape_pointer(key)
        return Pair(b, h, f"{self.bp}/{token}", f"{self.hp}/{token}")

    def deref(self, base: Any, head: Any) -> Pair:
        b, bp = follow_ref(base, self.b, self.bp, keep_unresolved=True)
        h, hp = follow_ref(head, self.h, self.hp, keep_unresolved=True)
        return Pair(b, h, bp, hp)


def component_schema(pointer: str) -> str | None:
    parts = pointer.split("/")
    if len(parts) >= 4 and parts[1] == "components" and parts[2] == "schemas":
        return unescape_pointer(parts[3])
    return None


def last_token(pointer: str) -> str:
    return unescape_pointer(pointer.rsplit("/", 1)[1])


@dataclass(slots=True)
class Finding:
    kind: ChangeKind
    rule: str
    pointer: str
    side: Side
    message: str
    operations: set[OperationRef] = field(default_factory=set)
