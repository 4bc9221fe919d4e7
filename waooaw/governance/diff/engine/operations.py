"""The operation comparer: paths, operations, security, parameters, bodies and responses.

Schemas met on the way are handed to the :class:`~.schemas.SchemaComparer`, with
the operation that uses them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from waooaw.codegen.errors import join_pointer
from waooaw.codegen.openapi import HTTP_METHODS, follow_ref

from ..model import BREAKING, DEPRECATION, RULES, SAFE, ChangeKind, Direction, OperationRef, Side
from .common import Finding, Pair, last_token, member_dict, member_list
from .schemas import Key, SchemaComparer

__all__ = ["OperationComparer"]


def _normal_path(path: str) -> str:
    return re.sub(r"\{[^{}]*\}", "{}", path)


def _template_names(path: str) -> list[str]:
    return re.findall(r"\{([^{}]*)\}", path)


def _valid_date(value: Any) -> bool:
    if isinstance(value, date):
        return True
    if not isinstance(value, str):
        return False
    try:
        if len(value) == 10:
            date.fromisoformat(value)
        else:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _was_deprecated(op: Any) -> str:
    if not isinstance(op, dict) or op.get("deprecated") is not True:
        return ""
    sunset = op.get("x-sunset")
    return f"deprecated, sunset {sunset}" if sunset else "deprecated"


def _show_security(reqs: list[dict[str, frozenset[str]]]) -> str:
    def one(req: dict[str, frozenset[str]]) -> str:
        parts = [name + (f"[{', '.join(sorted(s))}]" if s else "") for name, s in req.items()]
        return " + ".join(sorted(parts)) or "anonymous"

    return " or ".join(one(r) for r in reqs) if reqs else "none"


@dataclass(frozen=True, slots=True)
class _Param:
    param: dict[str, Any]
    entry: str  # pointer of the parameter's entry in the operation (or path item)
    resolved: str  # pointer of the parameter object itself (a component, if referenced)

    @property
    def name(self) -> str:
        return str(self.param["name"])


def _op_ref(path: str, method: str, op: dict[str, Any]) -> OperationRef:
    op_id = op.get("operationId")
    return OperationRef(path, method.upper(), op_id if isinstance(op_id, str) else None)


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class OperationComparer:
    """Walks both documents' operations; findings about operations, and the schemas they use."""

    def __init__(self, base: dict[str, Any], head: dict[str, Any]) -> None:
        self.base = base
        self.head = head
        self.schemas = SchemaComparer(base, head)
        self.findings: list[Finding] = []  # made for operations, not inside schemas
        self.uses: dict[OperationRef, list[Key]] = {}  # the schema pairs each operation uses

    def add(
        self,
        op: OperationRef | list[OperationRef],
        kind: ChangeKind,
        rule: str,
        pointer: str,
        message: str,
        side: Side = "head",
    ) -> None:
        assert rule in RULES, rule
        ops = set(op) if isinstance(op, list) else {op}
        self.findings.append(Finding(kind, rule, pointer, side, message, ops))

    def run(self) -> list[Finding]:
        base_paths, head_paths = self._paths(self.base), self._paths(self.head)
        for key, (path, item, ptr) in base_paths.items():
            if key not in head_paths:
                ops = list(self._operations(path, item))
                notes = [(op.method, _was_deprecated(item[op.method.lower()])) for op in ops]
                what = ", ".join(f"{method} {note}".strip() for method, note in notes)
                self.add(
                    ops, BREAKING, "path-removed", ptr, f"path {path} removed ({what})", "base"
                )
        for key, (path, item, ptr) in head_paths.items():
            if key not in base_paths:
                ops = list(self._operations(path, item))
                self.add(ops, SAFE, "path-added", ptr, f"path {path} added")
                continue
            b_path, b_item, b_ptr = base_paths[key]
            for method in HTTP_METHODS:
                b_op, h_op = b_item.get(method), item.get(method)
                pair = Pair(b_op, h_op, join_pointer(b_ptr, method), join_pointer(ptr, method))
                if isinstance(b_op, dict) and not isinstance(h_op, dict):
                    op = _op_ref(b_path, method, b_op)
                    note = f" (it was {d})" if (d := _was_deprecated(b_op)) else ""
                    msg = f"operation {op.label} removed{note}"
                    self.add(op, BREAKING, "operation-removed", pair.bp, msg, "base")
                elif isinstance(h_op, dict) and not isinstance(b_op, dict):
                    op = _op_ref(path, method, h_op)
                    self.add(op, SAFE, "operation-added", pair.hp, f"operation {op.label} added")
                elif isinstance(b_op, dict) and isinstance(h_op, dict):
                    items = Pair(b_item, item, b_ptr, ptr)
                    self._operation(
                        _op_ref(b_path, method, b_op), _op_ref(path, method, h_op), pair, items
                    )
        return self.findings + self.schemas.attach(self.uses)

    def _paths(self, doc: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any], str]]:
        """Normalised template (``/a/{}``) -> (path, resolved path item, pointer)."""
        result: dict[str, tuple[str, dict[str, Any], str]] = {}
        for path, raw in member_dict(doc, "paths").items():
            pointer = join_pointer("/paths", path)
            item, _ = follow_ref(doc, raw, pointer, keep_unresolved=True)
            if isinstance(item, dict):
                result.setdefault(_normal_path(path), (path, item, pointer))
        return result

    @staticmethod
    def _operations(path: str, item: dict[str, Any]) -> Iterator[OperationRef]:
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                yield _op_ref(path, method, item[method])

    # -- one operation ---------------------------------------------------------------

    def _operation(self, old: OperationRef, op: OperationRef, pair: Pair, items: Pair) -> None:
        self.uses.setdefault(op, [])
        if old.operation_id != op.operation_id:
            msg = (
                f"{op.label}: operationId changed from {old.operation_id or '(none)'} to"
                f" {op.operation_id or '(none)'}; client method {old.python_client} becomes"
                f" {op.python_client}"
            )
            self.add([old, op], BREAKING, "operation-id-changed", pair["operationId"].hp, msg)
        self._deprecation(op, pair)
        self._security(op, pair)
        self._parameters(op, pair, items)
        self._request_body(op, pair["requestBody"].deref(self.base, self.head), pair)
        self._responses(op, pair["responses"])

    def _deprecation(self, op: OperationRef, pair: Pair) -> None:
        was, now = pair.b.get("deprecated") is True, pair.h.get("deprecated") is True
        if now and not was:
            sunset = pair.h.get("x-sunset")
            if sunset is None:
                note = "x-sunset is missing: add the date after which it may be removed"
            elif _valid_date(sunset):
                note = f"sunset {sunset}"
            else:
                note = f"x-sunset {sunset!r} is not a valid date (use YYYY-MM-DD)"
            msg = f"{op.label} is deprecated; {note}"
            self.add(op, DEPRECATION, "operation-deprecated", pair["deprecated"].hp, msg)
        elif was and not now:
            msg = f"{op.label} is no longer deprecated"
            self.add(op, SAFE, "operation-undeprecated", pair.hp, msg)

    @staticmethod
    def _requirements(doc: dict[str, Any], op: dict[str, Any]) -> list[dict[str, frozenset[str]]]:
        raw = op["security"] if "security" in op else doc.get("security")
        reqs = raw if isinstance(raw, list) else []
        return [
            {str(k): frozenset(map(str, v if isinstance(v, list) else [])) for k, v in req.items()}
            for req in reqs
            if isinstance(req, dict)
        ]

    def _security(self, op: OperationRef, pair: Pair) -> None:
        base = self._requirements(self.base, pair.b)
        head = self._requirements(self.head, pair.h)
        if base == head:
            return
        if "security" in pair.h:
            pointer = pair["security"].hp
        else:  # the document-wide default applies, if there is one
            pointer = "/security" if "security" in self.head else pair.hp
        open_before, open_now = not base or {} in base, not head or {} in head

        def accepted(have: dict[str, frozenset[str]]) -> bool:
            """Credentials that met a BASE requirement meet some HEAD one."""
            return any(all(k in have and s <= have[k] for k, s in need.items()) for need in head)

        was, now = _show_security(base), _show_security(head)
        if open_before and not open_now:
            msg = f"{op.label} now requires credentials: {now}"
            self.add(op, BREAKING, "security-added", pointer, msg)
        elif not open_before and not open_now and not all(accepted(b) for b in base):
            msg = f"{op.label}: security changed from {was} to {now}; old credentials are refused"
            self.add(op, BREAKING, "security-changed", pointer, msg)
        else:
            msg = f"{op.label}: security relaxed from {was} to {now}"
            self.add(op, SAFE, "security-relaxed", pointer, msg)

    # -- parameters ------------------------------------------------------------------

    def _params(
        self, doc: Any, item: Any, op: Any, item_ptr: str, op_ptr: str
    ) -> dict[tuple[str, str], _Param]:
        """(name, in) -> parameter; operation parameters override path-item ones."""
        found: dict[tuple[str, str], _Param] = {}
        for owner, owner_ptr in ((item, item_ptr), (op, op_ptr)):
            for i, raw in enumerate(member_list(owner, "parameters")):
                entry = f"{owner_ptr}/parameters/{i}"
                param, resolved = follow_ref(doc, raw, entry, keep_unresolved=True)
                if isinstance(param, dict) and isinstance(param.get("name"), str):
                    where = str(param.get("in"))
                    name = param["name"].lower() if where == "header" else param["name"]
                    found[(name, where)] = _Param(param, entry, resolved)
        return found

    def _parameters(self, op: OperationRef, pair: Pair, items: Pair) -> None:
        olds = self._params(self.base, items.b, pair.b, items.bp, pair.bp)
        news = self._params(self.head, items.h, pair.h, items.hp, pair.hp)
        removed = [k for k in olds if k not in news]
        added = [k for k in news if k not in olds]
        pairs: list[tuple[tuple[str, str], tuple[str, str]]] = []

        def match(old: tuple[str, str], new: tuple[str, str]) -> None:
            pairs.append((old, new))
            removed.remove(old)
            added.remove(new)

        for old in list(removed):  # moved: the same name in another location
            new = next((k for k in added if k[0] == old[0]), None)
            if new is not None:
                match(old, new)
                msg = f"{op.label}: parameter `{olds[old].name}` moved from {old[1]} to {new[1]}"
                self.add(op, BREAKING, "parameter-moved", news[new].entry, msg)
        # renamed path parameters hold the same place in the (same) path template
        b_names, h_names = (
            _template_names(last_token(items.bp)),
            _template_names(last_token(items.hp)),
        )
        for b_name, h_name in zip(b_names, h_names, strict=False):
            if (b_name, "path") in removed and (h_name, "path") in added:
                match((b_name, "path"), (h_name, "path"))
        for where in ("query", "header", "cookie"):  # one out and one in: renamed
            out = [k for k in removed if k[1] == where]
            into = [k for k in added if k[1] == where]
            if len(out) == 1 and len(into) == 1:
                match(out[0], into[0])
        for old, new in pairs:
            if old[1] == new[1]:
                msg = f"{op.label}: {new[1]} parameter `{olds[old].name}` renamed to `{news[new].name}`"
                self.add(op, BREAKING, "parameter-renamed", news[new].entry, msg)
        for key in removed:
            msg = f"{op.label}: {key[1]} parameter `{olds[key].name}` removed"
            self.add(op, BREAKING, "parameter-removed", olds[key].entry, msg, "base")
        for key in added:
            required = news[key].param.get("required") is True
            state = "required" if required else "optional"
            msg = f"{op.label}: {state} {key[1]} parameter `{news[key].name}` added"
            self.add(op, BREAKING if required else SAFE, "parameter-added", news[key].entry, msg)
        for old, new in [*((k, k) for k in olds if k in news), *pairs]:
            self._parameter(
                op, Pair(olds[old].param, news[new].param, olds[old].resolved, news[new].resolved)
            )

    def _parameter(self, op: OperationRef, pair: Pair) -> None:
        subject = f"{pair.h.get('in')} parameter `{pair.h['name']}`"
        was, now = pair.b.get("required") is True, pair.h.get("required") is True
        if now and not was:
            self.add(
                op,
                BREAKING,
                "parameter-required",
                pair["required"].hp,
                f"{subject} is now required",
            )
        elif was and not now:
            self.add(op, SAFE, "parameter-optional", pair.hp, f"{subject} is now optional")
        if "schema" in pair.b and "schema" in pair.h:
            self._use(op, pair["schema"], "request", subject)
        for media in self._media(op, pair, subject):
            self._use(op, media["schema"], "request", subject)

    # -- bodies ------------------------------------------------------------------------

    def _media(self, op: OperationRef, pair: Pair, subject: str) -> Iterator[Pair]:
        """Report removed and added media types; yield the ones on both sides."""
        content = pair["content"]
        old, new = member_dict(pair.b, "content"), member_dict(pair.h, "content")
        for media in old:
            if media not in new:
                msg = f"{op.label}: {subject}: media type {media} removed"
                self.add(op, BREAKING, "media-type-removed", content[media].bp, msg, "base")
        for media in new:
            if media not in old:
                msg = f"{op.label}: {subject}: media type {media} added"
                self.add(op, SAFE, "media-type-added", content[media].hp, msg)
            elif isinstance(old[media], dict) and isinstance(new[media], dict):
                yield content[media]

    def _request_body(self, op: OperationRef, body: Pair, pair: Pair) -> None:
        if not isinstance(body.h, dict):
            if isinstance(body.b, dict):
                msg = f"{op.label}: request body removed"
                self.add(op, BREAKING, "request-body-removed", pair["requestBody"].bp, msg, "base")
            return
        now = body.h.get("required") is True
        if not isinstance(body.b, dict):
            msg = f"{op.label}: {'required' if now else 'optional'} request body added"
            self.add(
                op, BREAKING if now else SAFE, "request-body-added", pair["requestBody"].hp, msg
            )
            return
        was = body.b.get("required") is True
        if now and not was:
            msg = f"{op.label}: the request body is now required"
            self.add(op, BREAKING, "request-body-required", body["required"].hp, msg)
        elif was and not now:
            msg = f"{op.label}: the request body is now optional"
            self.add(op, SAFE, "request-body-optional", body.hp, msg)
        for media in self._media(op, body, "request body"):
            self._use(op, media["schema"], "request", f"request body ({last_token(media.hp)})")

    def _responses(self, op: OperationRef, responses: Pair) -> None:
        old, new = _as_dict(responses.b), _as_dict(responses.h)
        for status in old:
            if status not in new:
                msg = f"{op.label}: response {status} removed"
                self.add(op, BREAKING, "response-removed", responses[status].bp, msg, "base")
        for status in new:
            if status not in old:
                msg = f"{op.label}: response {status} added"
                self.add(op, SAFE, "response-added", responses[status].hp, msg)
                continue
            response = responses[status].deref(self.base, self.head)
            if isinstance(response.b, dict) and isinstance(response.h, dict):
                subject = f"response {status}"
                for media in self._media(op, response, subject):
                    self._use(
                        op, media["schema"], "response", f"{subject} ({last_token(media.hp)})"
                    )

    # -- schemas ---------------------------------------------------------------------

    def _use(self, op: OperationRef, pair: Pair, direction: Direction, subject: str) -> None:
        if pair.b is not None and pair.h is not None:
            self.uses[op].append(self.schemas.compare(pair, direction, subject))
