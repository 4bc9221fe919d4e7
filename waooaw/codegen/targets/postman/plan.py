"""Which values a Postman run carries from one request to the next, and the order it runs in.

Everything here is derived from the IR by generic rules, so that a collection run against
a fresh server passes without hand-written glue:

* **Captures.** Every OpenAPI link on a 2xx response whose parameter value is
  ``$response.body#/pointer`` (or ``$response.header.Name``) captures that value into a
  collection variable named after the link's target parameter (``skill_id``).
* **Substitutions.** Path parameters are always bound to the collection variable of their
  name. Query and header parameters, and request-body fields at any depth, named like a
  captured variable use it instead of their example. An array of strings named like the
  plural of a captured variable or of its stem (``skill_ids``, ``skills``,
  ``required_skills`` for ``skill_id``) becomes ``["{{skill_id}}"]``. Top-level body fields the contract marks
  ``x-waooaw-unique`` get `` {{$guid}}`` appended, so a collection can run again on the
  same server.
* **Order.** Producers run before consumers: operations keep the contract's order except
  that one waits until every variable it consumes has been captured (when some operation
  captures it at all). Folders keep the contract's tag order unless a folder consumes what
  only a later folder captures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from ...ir import Api, OperationIR, ParameterIR

__all__ = ["CORRELATION_HEADER", "Capture", "Plan", "parameter_value", "plan", "substitute_body"]

#: Header a collection-level script sets on every request; never a per-request header.
CORRELATION_HEADER = "X-Correlation-ID"
UNIQUE_SUFFIX = " {{$guid}}"


@dataclass(frozen=True, slots=True)
class Capture:
    """A value of a success response stored in a collection variable."""

    variable: str
    status: int
    source: Literal["body", "header"]
    path: tuple[str, ...]  # JSON pointer tokens for body, (header name,) for header
    example: Any = None  # the documented example's value there, if any


@dataclass(frozen=True, slots=True)
class Plan:
    captures: dict[str, tuple[Capture, ...]]  # operation_id -> its captures
    captured: frozenset[str]  # every variable some operation captures
    variables: dict[str, str]  # collection variable -> initial value (sorted by name)
    folders: tuple[tuple[str, tuple[OperationIR, ...]], ...]  # (tag, operations) in run order


def _pointer_tokens(pointer: str) -> tuple[str, ...] | None:
    if pointer == "":
        return ()
    if not pointer.startswith("/"):
        return None
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/"))


def _at(document: Any, tokens: tuple[str, ...]) -> Any:
    for token in tokens:
        if isinstance(document, dict) and token in document:
            document = document[token]
        elif isinstance(document, list) and token.isdigit() and int(token) < len(document):
            document = document[int(token)]
        else:
            return None
    return document


def captures_of(op: OperationIR) -> tuple[Capture, ...]:
    found: dict[str, Capture] = {}
    for response in op.responses:
        code = response.status_code
        if code is None or not 200 <= code < 300:
            continue
        example = json.loads(response.example_json) if response.example_json else None
        for link in response.links:
            for name, expression in link.parameters:
                capture: Capture | None = None
                if expression.startswith("$response.body#"):
                    tokens = _pointer_tokens(expression.removeprefix("$response.body#"))
                    if tokens:
                        capture = Capture(name, code, "body", tokens, _at(example, tokens))
                elif expression.startswith("$response.header."):
                    header = expression.removeprefix("$response.header.")
                    capture = Capture(name, code, "header", (header,))
                if capture is not None and name not in found:
                    found[name] = capture
    return tuple(found.values())


def _plural_candidates(field: str) -> list[str]:
    """Variables a list field may hold, longest first: ``required_skills`` ->
    ``required_skill``, ``required_skill_id``, ``skill``, ``skill_id``; ``product_ids`` ->
    ``product_id``, ..."""
    if not field.endswith("s") or len(field) < 2:
        return []
    parts = field[:-1].split("_")
    tails = ["_".join(parts[i:]) for i in range(len(parts))]
    return [name for tail in tails for name in (tail, f"{tail}_id")]


def substitute_body(
    value: Any, captured: frozenset[str], unique: tuple[str, ...] = (), *, top: bool = True
) -> tuple[Any, set[str]]:
    """The example with captured variables put in; returns it and the variables it uses."""
    used: set[str] = set()
    if isinstance(value, list):
        items = []
        for item in value:
            new, inner = substitute_body(item, captured, top=False)
            items.append(new)
            used |= inner
        return items, used
    if not isinstance(value, dict):
        return value, used
    result: dict[str, Any] = {}
    for key, item in value.items():
        if key in captured and not isinstance(item, (dict, list)):
            result[key] = "{{" + key + "}}"
            used.add(key)
            continue
        if isinstance(item, list) and item and all(isinstance(i, str) for i in item):
            match = next((c for c in _plural_candidates(key) if c in captured), None)
            if match is not None:
                result[key] = ["{{" + match + "}}"]
                used.add(match)
                continue
        if top and key in unique and isinstance(item, str):
            result[key] = item + UNIQUE_SUFFIX
            continue
        result[key], inner = substitute_body(item, captured, top=False)
        used |= inner
    return result, used


def parameter_value(param: ParameterIR, captured: frozenset[str]) -> Any:
    """What a parameter is sent with: a captured variable, else its sample (or None)."""
    if param.location == "path" or param.name in captured:
        return "{{" + param.name + "}}"
    return json.loads(param.example_json) if param.example_json is not None else None


def consumed(op: OperationIR, captured: frozenset[str]) -> set[str]:
    names = {p.name for p in op.parameters if p.location == "path" or p.name in captured}
    if op.body is not None and op.body.example_json is not None:
        example = json.loads(op.body.example_json)
        names |= substitute_body(example, captured, op.body.unique_fields)[1]
    return names


def _stable_order(
    nodes: list[str], needs: dict[str, set[str]], gives: dict[str, set[str]]
) -> list[str]:
    """Contract order, except that a node waits for the producers of what it needs."""
    producers: dict[str, set[str]] = {}
    for node in nodes:
        for variable in gives[node]:
            producers.setdefault(variable, set()).add(node)
    placed: list[str] = []
    available: set[str] = set()
    remaining = list(nodes)
    while remaining:
        ready = next(
            (
                n
                for n in remaining
                if all(v in available or v in gives[n] or v not in producers for v in needs[n])
            ),
            remaining[0],  # a cycle: fall back to contract order
        )
        remaining.remove(ready)
        placed.append(ready)
        available |= gives[ready]
    return placed


def plan(api: Api) -> Plan:
    captures = {op.operation_id: captures_of(op) for op in api.operations}
    captured = frozenset(c.variable for cs in captures.values() for c in cs)
    ids = [op.operation_id for op in api.operations]
    needs = {op.operation_id: consumed(op, captured) for op in api.operations}
    gives = {i: {c.variable for c in captures[i]} for i in ids}
    order = {op_id: n for n, op_id in enumerate(_stable_order(ids, needs, gives))}

    tags = {tag.name: tag for tag in api.tags}
    tag_needs: dict[str, set[str]] = {name: set() for name in tags}
    tag_gives: dict[str, set[str]] = {name: set() for name in tags}
    for tag in api.tags:
        for op in tag.operations:
            tag_needs[tag.name] |= needs[op.operation_id]
            tag_gives[tag.name] |= gives[op.operation_id]
    folders = tuple(
        (name, tuple(sorted(tags[name].operations, key=lambda o: order[o.operation_id])))
        for name in _stable_order(list(tags), tag_needs, tag_gives)
    )

    variables: dict[str, str] = {}
    for op_id in sorted(ids, key=order.__getitem__):
        for capture in captures[op_id]:
            if capture.variable not in variables and capture.example is not None:
                variables[capture.variable] = _text(capture.example)
    for op in api.operations:
        for param in op.parameters:
            if param.location == "path" or param.name in captured:
                sample = json.loads(param.example_json) if param.example_json else None
                if param.name not in variables or (not variables[param.name] and sample):
                    variables[param.name] = _text(sample) if sample is not None else ""
    for name in captured:
        variables.setdefault(name, "")
    return Plan(captures, captured, dict(sorted(variables.items())), folders)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
