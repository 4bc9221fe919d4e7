"""Schema-valid data for the mock: a small, deterministic generator over JSON Schema.

:class:`SchemaData` holds a contract's bundled document in JSON Schema 2020-12
terms (an OpenAPI 3.0 document is converted: ``nullable``, boolean
``exclusiveMinimum``) and answers three questions about any schema in it: what
it resolves to, whether a value is valid (jsonschema-rs, formats included), and
what a valid value looks like (:meth:`SchemaData.generate`).

Generation prefers the contract's own words: a node's ``example``, ``examples``
or ``default`` when valid there, then ``const`` and ``enum``; otherwise a value
is built from the keywords (types, formats, bounds, patterns, required and
optional properties, array sizes and uniqueness, ``allOf`` merged, ``oneOf``
/``anyOf`` branches tried in turn, discriminators honoured). Recursion is
bounded: once a ``$ref`` repeats on the way down, objects carry only their
required properties, arrays their minimum size and unions their simplest branch.
Every result is validated against the whole schema; a value that is not valid
is never returned (:class:`GenerationError` says why).

The same seed and ``salt`` always give the same value.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import jsonschema_rs

from waooaw.codegen.errors import join_pointer
from waooaw.codegen.loader import resolve_ref
from waooaw.codegen.openapi import schema_types, to_json_schema_2020

from .patterns import PatternError
from .values import Direction, Unsatisfiable, Walk

__all__ = ["Direction", "GenerationError", "SchemaData"]


_URI = "urn:waooaw:mock"
_FRAGMENT_SAFE = "/~!$&'()*+,;=:@-._%"


class GenerationError(ValueError):
    """No valid value could be made for a schema (the message says why)."""


class SchemaData:
    """A contract's schemas as JSON Schema 2020-12: resolve, validate, generate."""

    def __init__(self, document: dict[str, Any], *, seed: int = 0) -> None:
        version = str(document.get("openapi", ""))
        converted = to_json_schema_2020(document) if version.startswith("3.0") else document
        self.document: dict[str, Any] = _openapi_semantics(converted, discriminators=False)
        self.seed = seed
        self._registries = {
            False: jsonschema_rs.Registry([(_URI, self.document)], draft=jsonschema_rs.Draft202012),
            True: jsonschema_rs.Registry(
                [(_URI, _openapi_semantics(converted, discriminators=True))],
                draft=jsonschema_rs.Draft202012,
            ),
        }
        # (schema as canonical JSON, by_tag) -> validator
        self._validators: dict[tuple[str, bool], Any] = {}

    # -- navigation ---------------------------------------------------------------

    def at(self, pointer: str) -> Any:
        """The node at a JSON pointer of the (converted) document."""
        return resolve_ref(self.document, "#" + pointer)

    def follow(self, pointer: str, node: Any = None) -> tuple[str, Any]:
        """Follow ``$ref`` from the node at ``pointer``: (pointer, node) of what it names."""
        if node is None:
            node = self.at(pointer)
        for _ in range(32):
            ref = node.get("$ref") if isinstance(node, dict) else None
            if not isinstance(ref, str) or not ref.startswith("#"):
                return pointer, node
            pointer, node = ref[1:], resolve_ref(self.document, ref)
        return pointer, node

    def resolve(self, schema: Any) -> Any:
        """``schema`` with ``$ref``s at its top followed (sibling keywords are not merged)."""
        return self.follow("", schema)[1]

    # -- validation ---------------------------------------------------------------

    def _validator(self, schema: Any, by_tag: bool) -> Any:
        # keyed by content: requests build small `{"$ref": ...}` schemas again and again
        key = (json.dumps(schema, sort_keys=True, default=str), by_tag)
        validator = self._validators.get(key)
        if validator is None:
            validator = jsonschema_rs.Draft202012Validator(
                _absolute_refs(schema),
                registry=self._registries[by_tag],
                base_uri=_URI + ":inline",
                validate_formats=True,
            )
            self._validators[key] = validator
        return validator

    def compile(self, schema: Any, *, by_tag: bool = False) -> None:
        """Build the validator of ``schema`` now (say, at start-up) rather than on first use."""
        self._validator(schema, by_tag)

    def errors(self, schema: Any, value: Any, *, limit: int = 5) -> list[str]:
        """Why ``value`` is not valid against ``schema``: up to ``limit`` messages."""
        found = []
        for err in self.iter_errors(schema, value):
            where = join_pointer("", *[str(p) for p in err.instance_path]) or "/"
            found.append(f"{where}: {str(err.message)[:200]}")
            if len(found) >= limit:
                break
        return found

    def iter_errors(self, schema: Any, value: Any, *, by_tag: bool = False) -> Iterator[Any]:
        """jsonschema-rs errors (``instance_path``, ``message``) of ``value`` against ``schema``.

        ``by_tag``: a ``oneOf`` with a discriminator takes the branch its tag names, as
        OpenAPI reads it (for requests); by default it is plain JSON Schema, exactly one
        branch, as any client's validator reads what the mock sends.
        """
        yield from self._validator(schema, by_tag).iter_errors(value)

    def is_valid(self, schema: Any, value: Any) -> bool:
        """Valid by plain JSON Schema (formats and OpenAPI's integer ranges included)."""
        return bool(self._validator(schema, False).is_valid(value))

    # -- generation ---------------------------------------------------------------

    def generate(
        self,
        schema: Any,
        *,
        salt: str = "",
        direction: Direction = "response",
        hint: str = "",
    ) -> Any:
        """A value valid against ``schema``, the same for the same seed and ``salt``.

        Tries with the contract's examples, then without them, then the smallest value
        the keywords allow; raises :class:`GenerationError` when none is valid.
        """
        problems: list[str] = []
        for use_examples, minimal in ((True, False), (False, False), (False, True)):
            rng = random.Random(f"{self.seed}:{salt}")
            walk = Walk(self, rng, direction, use_examples=use_examples, minimal=minimal)
            try:
                value = walk.value(schema, hint=hint, depth=0)
            except Unsatisfiable as exc:
                problems.append(str(exc))
                continue
            except PatternError as exc:
                problems.append(str(exc))
                continue
            errors = self.errors(schema, value)
            if not errors:
                return value
            problems.append("generated a value that is not valid: " + "; ".join(errors))
        unique = list(dict.fromkeys(problems))
        raise GenerationError("; ".join(unique) or "no value could be generated")


#: OpenAPI's integer formats, as the ranges JSON Schema can check.
_INTEGER_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def _openapi_semantics(node: Any, *, discriminators: bool) -> Any:
    """A copy of ``node`` with OpenAPI meanings JSON Schema lacks spelled out in its terms.

    * ``format: int32``/``int64`` bound the value;
    * with ``discriminators``, a ``oneOf`` with a ``discriminator`` validates against the
      branch the tag names (an ``anyOf`` plus an ``if``/``then`` per tag): where branches
      overlap, plain ``oneOf`` rejects values that the tag makes unambiguous.
    """
    if isinstance(node, list):
        return [_openapi_semantics(item, discriminators=discriminators) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _openapi_semantics(v, discriminators=discriminators) for key, v in node.items()}
    fmt = out.get("format")
    bounds = _INTEGER_RANGES.get(fmt) if isinstance(fmt, str) else None
    kinds = schema_types(out)
    if bounds is not None and ("integer" in kinds or "number" in kinds):
        low, high = bounds
        if not isinstance(out.get("minimum"), int | float) or out["minimum"] < low:
            out["minimum"] = low
        if not isinstance(out.get("maximum"), int | float) or out["maximum"] > high:
            out["maximum"] = high
    disc = out.get("discriminator")
    if discriminators and isinstance(disc, dict) and isinstance(out.get("oneOf"), list):
        prop = disc.get("propertyName")
        if isinstance(prop, str):
            out["anyOf"] = out.pop("oneOf")
            dispatch = [
                {
                    "if": {"properties": {prop: {"const": tag}}, "required": [prop]},
                    "then": {"$ref": ref},
                }
                for tag, ref in _tags(disc, out["anyOf"])
            ]
            if dispatch:
                out["allOf"] = [*out.get("allOf", []), *dispatch]
    return out


def _tags(disc: dict[str, Any], branches: list[Any]) -> list[tuple[str, str]]:
    """(tag, $ref) a discriminator maps: its mapping, then referenced branches by name."""
    found: list[tuple[str, str]] = []
    mapped = set()
    for tag, target in (disc.get("mapping") or {}).items():
        if isinstance(target, str):
            ref = target if target.startswith("#") else f"#/components/schemas/{target}"
            found.append((str(tag), ref))
            mapped.add(ref)
    for branch in branches:
        target = branch.get("$ref") if isinstance(branch, dict) else None
        if isinstance(target, str) and target.startswith("#") and target not in mapped:
            found.append((target.rsplit("/", 1)[-1], target))
    return found


def _absolute_refs(node: Any) -> Any:
    """A copy of ``node`` whose local ``$ref``s name the document in the registry."""
    if isinstance(node, list):
        return [_absolute_refs(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _absolute_refs(value) for key, value in node.items()}
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.startswith("#"):
        # a fragment is a URI part: `{` and `}` of path templates must be escaped
        out["$ref"] = _URI + "#" + quote(ref[1:], safe=_FRAGMENT_SAFE)
    return out
