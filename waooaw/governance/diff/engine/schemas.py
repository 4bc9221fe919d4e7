"""The schema comparer: two schemas compared structurally, in a request or a response.

Each pair of schemas is compared once per direction; a pair already in progress ends
a cycle. A change inside a component is found once, at the component, and later
attached to every operation that reaches it (:meth:`SchemaComparer.attach`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from waooaw.codegen.openapi import follow_ref, schema_types

from ..model import BREAKING, RULES, SAFE, Direction, OperationRef, Side
from .common import (
    Finding,
    Pair,
    component_schema,
    is_ref,
    member_dict,
    member_list,
)

__all__ = ["Key", "SchemaComparer"]

# keyword -> 1 when a larger value admits more values, -1 when it admits fewer
_LIMITS = {
    "maxLength": 1,
    "maximum": 1,
    "exclusiveMaximum": 1,
    "maxItems": 1,
    "maxProperties": 1,
    "minLength": -1,
    "minimum": -1,
    "exclusiveMinimum": -1,
    "minItems": -1,
    "minProperties": -1,
}

Key = tuple[str, str, str]  # (base pointer, head pointer, direction) of a schema pair


@dataclass(slots=True)
class Node:
    """One schema pair compared in one direction: its findings and the pairs it refers to."""

    subject: str  # how messages name the schema, e.g. "schema `Pet`"
    direction: Direction
    findings: list[Finding] = field(default_factory=list)
    children: list[Key] = field(default_factory=list)

    def add(self, breaking: bool, rule: str, pointer: str, message: str, side: Side) -> None:
        assert rule in RULES, rule
        self.findings.append(Finding(BREAKING if breaking else SAFE, rule, pointer, side, message))

    def where(self, path: str) -> str:
        return f"{self.subject}, property `{path}`" if path else self.subject


def _types(schema: dict[str, Any]) -> frozenset[str] | None:
    """The types a schema admits, ``null`` included; None when it admits any."""
    if not isinstance(schema.get("type"), str | list):
        return None
    types = set(schema_types(schema))
    if schema.get("nullable") is True:  # OpenAPI 3.0
        types.add("null")
    return frozenset(types)


def _show_types(types: frozenset[str] | None) -> str:
    return "any" if types is None else " | ".join(sorted(types, key=lambda t: (t == "null", t)))


def _enum(schema: dict[str, Any]) -> set[str] | None:
    """Allowed values as canonical JSON text, or None when the schema has no enum/const."""
    if "const" in schema:
        values = [schema["const"]]
    elif isinstance(schema.get("enum"), list):
        values = schema["enum"]
    else:
        return None
    return {json.dumps(v, sort_keys=True, ensure_ascii=False) for v in values}


def _values(values: Iterable[str]) -> str:
    return ", ".join(sorted(values))


def _member_keys(members: list[Any]) -> dict[str, int]:
    """Pair composition members by what they reference; inline ones by their order."""
    keys: dict[str, int] = {}
    inline = 0
    for i, member in enumerate(members):
        if is_ref(member):
            ref = member["$ref"]
            name = component_schema(ref[1:]) if ref.startswith("#") else None
            keys.setdefault(f"`{name or ref}`", i)
        else:
            inline += 1
            keys[f"#{inline} (inline)"] = i
    return keys


class SchemaComparer:
    """Compares the schema pairs operations use; each pair once per direction."""

    def __init__(self, base: dict[str, Any], head: dict[str, Any]) -> None:
        self.base = base
        self.head = head
        self.nodes: dict[Key, Node] = {}

    def compare(self, pair: Pair, direction: Direction, subject: str) -> Key:
        """Compare ``pair`` (unless done already); its key, for :meth:`attach`."""
        key = (pair.bp, pair.hp, direction)
        if key not in self.nodes:  # a pair in progress is in `nodes` already: cycles end here
            node = self.nodes[key] = Node(subject, direction)
            self._schema(node, pair, "")
        return key

    def _schema(self, node: Node, pair: Pair, path: str) -> None:
        if is_ref(pair.b) or is_ref(pair.h):
            pair = pair.deref(self.base, self.head)
            name = component_schema(pair.hp)
            subject = f"schema `{name}`" if name else node.where(path)
            node.children.append(self.compare(pair, node.direction, subject))
            return
        b, h = pair.b, pair.h
        if not isinstance(b, dict) or not isinstance(h, dict):
            return
        self._type(node, pair, path)
        if b.get("format") != h.get("format"):
            was, now = b.get("format") or "(none)", h.get("format") or "(none)"
            pointer = pair["format"].hp if "format" in h else pair.hp
            msg = f"{node.where(path)}: format changed from {was} to {now}"
            node.add(True, "format-changed", pointer, msg, "head")
        self._enum(node, pair, path)
        self._constraints(node, pair, path)
        self._properties(node, pair, path)
        for key, suffix in (("items", "[]"), ("additionalProperties", "{}")):
            if isinstance(b.get(key), dict) and isinstance(h.get(key), dict):
                self._schema(node, pair[key], path + suffix)
        for key in ("allOf", "oneOf", "anyOf"):
            self._members(node, pair, path, key)

    @staticmethod
    def _type(node: Node, pair: Pair, path: str) -> None:
        old, new = _types(pair.b), _types(pair.h)
        if old == new:
            return
        if node.direction == "request":  # safe when every value sent before is still valid
            safe, how = new is None or (old is not None and new >= old), "widened"
        else:  # safe when every value received now was possible before
            safe, how = old is None or (new is not None and new <= old), "narrowed"
        note = f" ({how} in a {node.direction})" if safe else ""
        pointer = pair["type"].hp if "type" in pair.h else pair.hp
        msg = (
            f"{node.where(path)}: type changed from {_show_types(old)} to {_show_types(new)}{note}"
        )
        node.add(not safe, "type-changed", pointer, msg, "head")

    @staticmethod
    def _enum(node: Node, pair: Pair, path: str) -> None:
        old, new = _enum(pair.b), _enum(pair.h)
        if old == new:
            return
        request = node.direction == "request"
        key = "enum" if "enum" in pair.h else "const" if "const" in pair.h else None
        pointer = pair[key].hp if key else pair.hp
        where = f"{node.where(path)}: "
        if old is None or new is None:  # an enum appearing narrows the schema, going widens it
            what = f"now restricted to {_values(new)}" if new else "no longer restricted"
            msg = f"{where}values {what} in a {node.direction}"
            node.add((new is not None) == request, "enum-changed", pointer, msg, "head")
            return
        if gone := old - new:
            msg = f"{where}enum narrowed in a {node.direction}: removed {_values(gone)}"
            node.add(request, "enum-changed", pointer, msg, "head")
        if extra := new - old:
            msg = f"{where}enum widened in a {node.direction}: added {_values(extra)}"
            node.add(not request, "enum-changed", pointer, msg, "head")

    @staticmethod
    def _constraints(node: Node, pair: Pair, path: str) -> None:
        request = node.direction == "request"
        for key, sign in _LIMITS.items():
            old, new = pair.b.get(key), pair.h.get(key)
            if old == new:
                continue
            tighter: bool | None
            if isinstance(old, bool) or isinstance(new, bool):  # OpenAPI 3.0 exclusiveMaximum
                if bool(old) == bool(new):
                    continue
                tighter = new is True
            elif old is None or new is None:
                tighter = new is not None
            elif isinstance(old, int | float) and isinstance(new, int | float):
                tighter = (new - old) * sign < 0
            else:
                tighter = None  # not comparable: assume the worst either way
            how = "changed" if tighter is None else "tightened" if tighter else "loosened"
            was, now = "(none)" if old is None else old, "(none)" if new is None else new
            msg = f"{node.where(path)}: {key} {how} from {was} to {now} in a {node.direction}"
            pointer = pair[key].hp if key in pair.h else pair.hp
            breaking = tighter is None or tighter == request
            node.add(breaking, "constraint-changed", pointer, msg, "head")
        old, new = pair.b.get("pattern"), pair.h.get("pattern")
        if old != new:
            where = f"{node.where(path)}: pattern"
            if old is None:  # a pattern appearing narrows, going widens; changing does both
                msg, breaking = f"{where} {new!r} added in a {node.direction}", request
            elif new is None:
                msg, breaking = f"{where} {old!r} removed in a {node.direction}", not request
            else:
                msg, breaking = f"{where} changed from {old!r} to {new!r}", True
            pointer = pair["pattern"].hp if "pattern" in pair.h else pair.hp
            node.add(breaking, "constraint-changed", pointer, msg, "head")

    def _properties(self, node: Node, pair: Pair, path: str) -> None:
        olds, news = member_dict(pair.b, "properties"), member_dict(pair.h, "properties")
        was_req = {r for r in member_list(pair.b, "required") if isinstance(r, str)}
        now_req = {r for r in member_list(pair.h, "required") if isinstance(r, str)}
        request = node.direction == "request"
        hidden = "readOnly" if request else "writeOnly"  # never sent / never received

        def visible(doc: Any, schema: Any) -> bool:
            target, _ = follow_ref(doc, schema, "", keep_unresolved=True)
            return not any(isinstance(s, dict) and s.get(hidden) is True for s in (schema, target))

        props = pair["properties"]
        for name, schema in olds.items():
            if name not in news and visible(self.base, schema):
                prop = f"{path}.{name}" if path else name
                msg = f"{node.subject}: property `{prop}` removed from the {node.direction}"
                node.add(True, "property-removed", props[name].bp, msg, "base")
        for name, schema in news.items():
            prop = f"{path}.{name}" if path else name
            if not visible(self.head, schema):
                continue
            if name not in olds:
                state = "required" if name in now_req else "optional"
                msg = f"{node.subject}: {state} property `{prop}` added to the {node.direction}"
                node.add(request and name in now_req, "property-added", props[name].hp, msg, "head")
                continue
            was, now = name in was_req, name in now_req
            if was != now:
                state = "required" if now else "optional"
                pointer = pair["required"].hp if now else props[name].hp
                msg = f"{node.subject}: property `{prop}` is now {state} in the {node.direction}"
                node.add(now if request else was, f"property-{state}", pointer, msg, "head")
            self._schema(node, props[name], prop)
        if request:  # required names without a property schema (JSON Schema allows them)
            for name in sorted(now_req - was_req - set(news)):
                prop = f"{path}.{name}" if path else name
                msg = f"{node.subject}: property `{prop}` is now required in the request"
                node.add(True, "property-required", pair["required"].hp, msg, "head")

    def _members(self, node: Node, pair: Pair, path: str, key: str) -> None:
        olds, news = member_list(pair.b, key), member_list(pair.h, key)
        if not olds and not news:
            return
        old_keys, new_keys = _member_keys(olds), _member_keys(news)
        members = pair[key]
        # an allOf member adds constraints; a oneOf/anyOf member adds an alternative
        narrows = key == "allOf"
        request = node.direction == "request"
        for k, i in old_keys.items():
            if k not in new_keys:
                msg = f"{node.where(path)}: {key} member {k} removed in a {node.direction}"
                node.add(request != narrows, "variant-removed", members[str(i)].bp, msg, "base")
        for k, i in new_keys.items():
            if k not in old_keys:
                msg = f"{node.where(path)}: {key} member {k} added in a {node.direction}"
                node.add(request == narrows, "variant-added", members[str(i)].hp, msg, "head")
            else:
                j = old_keys[k]
                member = Pair(olds[j], news[i], f"{members.bp}/{j}", f"{members.hp}/{i}")
                self._schema(node, member, path)

    def attach(self, uses: dict[OperationRef, list[Key]]) -> list[Finding]:
        """Every finding, with each operation added to the findings of every pair it reaches."""
        for op, roots in uses.items():
            seen: set[Key] = set()
            stack = list(roots)
            while stack:
                key = stack.pop()
                if key not in seen:
                    seen.add(key)
                    node = self.nodes[key]
                    for finding in node.findings:
                        finding.operations.add(op)
                    stack.extend(node.children)
        return [f for node in self.nodes.values() for f in node.findings]
