"""One attempt at a schema-valid value: :class:`Walk` builds it from a schema's keywords.

:meth:`waooaw.mock.data.SchemaData.generate` runs up to three walks (with the contract's
examples, without them, then the smallest values) and validates what each returns.
"""

from __future__ import annotations

import base64
import math
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from waooaw.codegen.loader import resolve_ref
from waooaw.codegen.openapi import schema_types

from .patterns import PatternError, string_for_pattern

if TYPE_CHECKING:
    from .data import SchemaData

__all__ = ["Direction", "Unsatisfiable", "Walk"]

Direction = Literal["response", "request"]

#: Nesting past this depth keeps to required properties and minimum sizes.
_FULL_DEPTH = 6
#: Nesting past this depth is taken as recursion with no finite value.
_HARD_DEPTH = 60
_EPOCH = datetime(2026, 1, 16, 9, 0, tzinfo=UTC)
_ANNOTATIONS = frozenset(
    {
        "title", "description", "example", "examples", "default", "deprecated", "readOnly",
        "writeOnly", "externalDocs", "xml", "$comment", "$schema", "$id", "$anchor",
        "discriminator", "contentEncoding", "contentMediaType", "contentSchema",
    }
)  # fmt: skip


class Unsatisfiable(Exception):
    """No value of a schema (or of one branch) could be made; the message says why."""


def _slug(hint: str) -> str:
    kept = "".join(c if c.isalnum() else "-" for c in hint.lower()).strip("-")
    return kept or "item"


class Walk:
    """One generation attempt: a random source, a direction and the ``$ref`` stack."""

    def __init__(
        self,
        data: SchemaData,
        rng: random.Random,
        direction: Direction,
        *,
        use_examples: bool,
        minimal: bool,
    ) -> None:
        self.data = data
        self.rng = rng
        self.direction = direction
        self.use_examples = use_examples
        self.minimal = minimal
        self.refs: list[str] = []

    def small(self, depth: int) -> bool:
        """Keep to the least the schema allows: recursion, depth, or a minimal attempt."""
        return self.minimal or depth > _FULL_DEPTH or len(self.refs) != len(set(self.refs))

    # -- entry ----------------------------------------------------------------------

    def value(self, schema: Any, *, hint: str, depth: int, variant: int = 0) -> Any:
        if depth > _HARD_DEPTH:
            raise Unsatisfiable(f"recursion without a finite value (via {self.refs[-1:]})")
        if schema is True or schema == {}:
            return self.anything(hint)
        if schema is False:
            raise Unsatisfiable("the schema `false` allows no value")
        if not isinstance(schema, dict):
            raise Unsatisfiable(f"not a schema: {schema!r}")
        if self.use_examples:
            for example in self.examples(schema):
                return example
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self.reference(schema, ref, hint=hint, depth=depth, variant=variant)
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list):
            return self.enum(schema, variant)
        # a union before allOf: each branch is merged with the rest, one union at a time
        for key in ("oneOf", "anyOf"):
            if isinstance(schema.get(key), list):
                return self.union(schema, key, hint=hint, depth=depth, variant=variant)
        if isinstance(schema.get("allOf"), list):
            followed: list[str] = []
            merged = self.merge(schema, followed)
            self.refs.extend(followed)  # refs merged in count as refs followed (recursion)
            try:
                return self.value(merged, hint=hint, depth=depth + 1, variant=variant)
            finally:
                del self.refs[len(self.refs) - len(followed) :]
        return self.typed(schema, hint=hint, depth=depth, variant=variant)

    def examples(self, schema: dict[str, Any]) -> Iterator[Any]:
        candidates: list[Any] = []
        if "example" in schema:
            candidates.append(schema["example"])
        if isinstance(schema.get("examples"), list):
            candidates.extend(schema["examples"])
        if "default" in schema:
            candidates.append(schema["default"])
        for candidate in candidates:
            if self.data.is_valid(schema, candidate):
                yield candidate

    def reference(
        self, schema: dict[str, Any], ref: str, *, hint: str, depth: int, variant: int
    ) -> Any:
        if not ref.startswith("#"):
            raise Unsatisfiable(f"cannot follow the external reference {ref!r}")
        target = resolve_ref(self.data.document, ref)
        if target is None:
            raise Unsatisfiable(f"{ref!r} names nothing")
        siblings = {k: v for k, v in schema.items() if k != "$ref" and k not in _ANNOTATIONS}
        if siblings:  # 3.1: keywords beside $ref apply too
            target = {"allOf": [target, siblings]}
        self.refs.append(ref)
        try:
            return self.value(target, hint=hint, depth=depth + 1, variant=variant)
        finally:
            self.refs.pop()

    # -- keywords ---------------------------------------------------------------------

    def enum(self, schema: dict[str, Any], variant: int) -> Any:
        values = [v for v in schema["enum"] if self.data.is_valid(schema, v)]
        if not values:
            raise Unsatisfiable(f"no value of enum {schema['enum']!r} is valid")
        present = [v for v in values if v is not None] or values
        return present[variant % len(present)]

    def merge(self, schema: dict[str, Any], followed: list[str]) -> dict[str, Any]:
        """``allOf`` (with the keywords beside it) as one schema; ``followed`` gets its refs."""
        out: dict[str, Any] = {}
        rest: list[Any] = []
        for part in self.parts(schema, followed):
            for key, value in part.items():
                if key == "properties" and isinstance(value, dict):
                    props = out.setdefault("properties", {})
                    for name, sub in value.items():
                        props[name] = {"allOf": [props[name], sub]} if name in props else sub
                elif key == "required" and isinstance(value, list):
                    out["required"] = list(dict.fromkeys([*out.get("required", []), *value]))
                elif key == "type":
                    mine = value if isinstance(value, list) else [value]
                    if "type" in out:
                        have = out["type"] if isinstance(out["type"], list) else [out["type"]]
                        # integer is a number
                        both = [
                            t for t in have if t in mine or (t == "integer" and "number" in mine)
                        ]
                        both += [t for t in mine if t == "integer" and "number" in have]
                        out["type"] = list(dict.fromkeys(both))
                    else:
                        out["type"] = mine
                elif key in (
                    "minimum",
                    "exclusiveMinimum",
                    "minLength",
                    "minItems",
                    "minProperties",
                ):
                    out[key] = max(out[key], value) if key in out else value
                elif key in (
                    "maximum",
                    "exclusiveMaximum",
                    "maxLength",
                    "maxItems",
                    "maxProperties",
                ):
                    out[key] = min(out[key], value) if key in out else value
                elif key == "enum" and "enum" in out:
                    out["enum"] = [v for v in out["enum"] if v in value]
                elif key == "additionalProperties" and key in out:
                    if value is False or out[key] is False:
                        out[key] = False
                    elif isinstance(value, dict) and isinstance(out[key], dict):
                        out[key] = {"allOf": [out[key], value]}
                elif key in ("oneOf", "anyOf") and key in out:
                    rest.append({key: value})
                elif key not in out:
                    out[key] = value
        if rest:
            out["allOf"] = rest
        return out

    def parts(self, schema: dict[str, Any], followed: list[str]) -> Iterator[dict[str, Any]]:
        """The schema's own keywords, then every ``allOf`` part, flattened and resolved."""
        own = {k: v for k, v in schema.items() if k != "allOf"}
        if own:
            yield own
        for part in schema.get("allOf") or []:
            resolved = part
            seen = 0
            while isinstance(resolved, dict) and isinstance(resolved.get("$ref"), str):
                siblings = {k: v for k, v in resolved.items() if k != "$ref"}
                if siblings:
                    yield siblings
                followed.append(resolved["$ref"])
                resolved = resolve_ref(self.data.document, resolved["$ref"])
                seen += 1
                if seen > 32:
                    raise Unsatisfiable("a $ref cycle in allOf")
            if isinstance(resolved, dict):
                yield from self.parts(resolved, followed)
            elif resolved is False:
                raise Unsatisfiable("an allOf part is `false`")

    def union(
        self, schema: dict[str, Any], key: str, *, hint: str, depth: int, variant: int
    ) -> Any:
        rest = {k: v for k, v in schema.items() if k not in (key, "discriminator")}
        branches: list[tuple[str | None, Any]] = self.branches(schema, key)
        if self.small(depth):
            branches.sort(key=lambda b: self.weight(b[1]))
        elif branches:
            turn = variant % len(branches)
            branches = branches[turn:] + branches[:turn]
        prop = (schema.get("discriminator") or {}).get("propertyName")
        problems = []
        for tag, branch in branches:
            target = branch
            if any(k not in _ANNOTATIONS for k in rest):
                target = {"allOf": [rest, branch]}
            try:
                value = self.value(target, hint=hint, depth=depth + 1, variant=variant)
            except (Unsatisfiable, PatternError) as exc:
                problems.append(str(exc))
                continue
            if tag is not None and isinstance(value, dict) and isinstance(prop, str):
                value[prop] = tag
            if self.data.is_valid(schema, value):
                return value
            problems.append(f"{key} branch value {value!r:.80} is not valid for the whole")
        raise Unsatisfiable(f"no {key} branch gave a valid value: {'; '.join(problems[:3])}")

    def branches(self, schema: dict[str, Any], key: str) -> list[tuple[str | None, Any]]:
        """(discriminator tag or None, schema) of each branch."""
        options = list(schema[key])
        disc = schema.get("discriminator")
        if not isinstance(disc, dict) or not isinstance(disc.get("propertyName"), str):
            return [(None, b) for b in options]
        prop = disc["propertyName"]
        found: list[tuple[str | None, Any]] = []
        mapped: set[str] = set()
        for tag, target in (disc.get("mapping") or {}).items():
            ref = target if target.startswith("#") else f"#/components/schemas/{target}"
            mapped.add(ref)
            found.append((str(tag), {"$ref": ref}))
        for branch in options:
            ref = branch.get("$ref") if isinstance(branch, dict) else None
            if isinstance(ref, str):
                if ref not in mapped:
                    found.append((ref.rsplit("/", 1)[-1], branch))
                continue
            resolved = self.data.resolve(branch)
            sub = self.data.resolve(((resolved or {}).get("properties") or {}).get(prop) or {})
            tag = (
                sub.get("const", (sub.get("enum") or [None])[0]) if isinstance(sub, dict) else None
            )
            found.append((None if tag is None else str(tag), branch))
        return found

    def weight(self, schema: Any) -> int:
        """How much a branch costs to fill: null and scalars before containers and refs."""
        resolved = self.data.resolve(schema)
        if not isinstance(resolved, dict):
            return 5
        kinds = schema_types(resolved)
        if kinds == ["null"]:
            return 0
        if kinds and not {"object", "array"} & set(kinds):
            return 1
        if "$ref" in schema if isinstance(schema, dict) else False:
            return 4
        return 3

    # -- types ------------------------------------------------------------------------

    def typed(self, schema: dict[str, Any], *, hint: str, depth: int, variant: int) -> Any:
        kinds = schema_types(schema) or self.inferred(schema)
        if not kinds:
            return self.anything(hint)
        if "null" in kinds and (self.small(depth) or kinds == ["null"]):
            return None
        kind = next(k for k in kinds if k != "null")
        if kind == "object":
            return self.object(schema, hint=hint, depth=depth)
        if kind == "array":
            return self.array(schema, hint=hint, depth=depth)
        if kind == "string":
            return self.string(schema, hint=hint, variant=variant)
        if kind == "integer":
            return self.integer(schema)
        if kind == "number":
            return self.number(schema)
        if kind == "boolean":
            return variant % 2 == 0 if variant else self.rng.random() < 0.5
        raise Unsatisfiable(f"unknown type {kind!r}")

    @staticmethod
    def inferred(schema: dict[str, Any]) -> list[str]:
        if {"properties", "required", "additionalProperties", "minProperties"} & set(schema):
            return ["object"]
        if {"items", "prefixItems", "minItems", "maxItems", "uniqueItems"} & set(schema):
            return ["array"]
        if {"pattern", "minLength", "maxLength", "format"} & set(schema):
            return ["string"]
        if {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"} & set(
            schema
        ):
            return ["number"]
        return []

    def anything(self, hint: str) -> Any:
        return f"{_slug(hint)}-{self.rng.randrange(16**4):04x}"

    def skipped(self, sub: Any) -> bool:
        """readOnly properties are not sent in requests, writeOnly ones not in responses."""
        resolved = self.data.resolve(sub)
        if not isinstance(resolved, dict):
            return False
        flag = "writeOnly" if self.direction == "response" else "readOnly"
        return bool(resolved.get(flag) or (isinstance(sub, dict) and sub.get(flag)))

    def object(self, schema: dict[str, Any], *, hint: str, depth: int) -> dict[str, Any]:
        props: dict[str, Any] = schema.get("properties") or {}
        required = [r for r in schema.get("required") or [] if isinstance(r, str)]
        extra = schema.get("additionalProperties", True)
        small = self.small(depth)
        names = [n for n in props if n in required or (not small and not self.skipped(props[n]))]
        names += [r for r in required if r not in props]
        limit = schema.get("maxProperties")
        if isinstance(limit, int) and len(names) > limit:
            keep = [n for n in names if n in required]
            names = keep + [n for n in names if n not in required][: max(0, limit - len(keep))]
        out: dict[str, Any] = {}
        for name in names:
            sub = props.get(name, extra if isinstance(extra, dict) else {})
            out[name] = self.value(sub, hint=name, depth=depth + 1)
        wanted = schema.get("minProperties", 0)
        if isinstance(extra, dict) and not props and not small:
            wanted = max(wanted, 1)  # a map: show one entry
        if extra is not False:
            index = 1
            while len(out) < wanted:
                key = f"{_slug(hint)}-{index}"
                if key not in out:
                    sub = extra if isinstance(extra, dict) else {}
                    out[key] = self.value(sub, hint=key, depth=depth + 1)
                index += 1
        return out

    def array(self, schema: dict[str, Any], *, hint: str, depth: int) -> list[Any]:
        prefix: list[Any] = schema.get("prefixItems") or []
        if not isinstance(prefix, list):
            prefix = []
        items = schema.get("items", True)
        low = int(schema.get("minItems", 0))
        high = schema.get("maxItems")
        count = low if self.small(depth) else max(low, 2)
        if isinstance(high, int):
            count = min(count, high)
        if items is False:
            count = min(count, len(prefix))
        count = max(count, min(len(prefix), low))
        unique = bool(schema.get("uniqueItems"))
        out: list[Any] = []
        for index in range(count):
            sub = prefix[index] if index < len(prefix) else items
            for attempt in range(12):
                value = self.value(sub, hint=hint, depth=depth + 1, variant=index + attempt * count)
                if not unique or value not in out:
                    out.append(value)
                    break
            else:
                if len(out) >= low:
                    break
                raise Unsatisfiable(f"cannot make {low} unique items")
        return out

    def string(self, schema: dict[str, Any], *, hint: str, variant: int) -> str:
        low = int(schema.get("minLength", 0))
        high = schema.get("maxLength")
        high = int(high) if isinstance(high, int) else None
        fmt = schema.get("format")
        pattern = schema.get("pattern")
        text: str | None = None
        if isinstance(fmt, str) and fmt in _FORMATS:
            text = str(_FORMATS[fmt](self.rng, hint))
        if isinstance(pattern, str) and (
            text is None or not self.data.is_valid({"pattern": pattern}, text)
        ):
            return string_for_pattern(pattern, self.rng, min_length=low, max_length=high)
        if text is None:
            text = self.anything(hint)
        if len(text) < low:
            text += "x" * (low - len(text))
        if high is not None and len(text) > high and fmt not in _FORMATS:
            text = text[:high]
        return text

    def integer(self, schema: dict[str, Any]) -> int:
        low, high = _bounds(schema, integer=True)
        start, stop = _window(low, high, 1, 100)
        if start > stop:
            raise Unsatisfiable(f"no integer between {low} and {high}")
        value = self.rng.randint(int(start), int(stop))
        step = schema.get("multipleOf")
        if isinstance(step, int | float) and step > 0:
            first = math.ceil((low if low is not None else start) / step)
            last = math.floor(high / step) if high is not None else first + 99
            if first > last:
                raise Unsatisfiable(f"no multiple of {step} between {low} and {high}")
            value = int(min(max(math.ceil(value / step), first), last) * step)
        return value

    def number(self, schema: dict[str, Any]) -> float:
        low, high = _bounds(schema, integer=False)
        start, stop = _window(low, high, 0.0, 100.0)
        step = schema.get("multipleOf")
        if isinstance(step, int | float) and step > 0:
            first = math.ceil((low if low is not None else start) / step)
            last = math.floor((high if high is not None else stop) / step)
            if first > last:
                raise Unsatisfiable(f"no multiple of {step} between {low} and {high}")
            return float(self.rng.randint(first, min(last, first + 99)) * step)
        if start > stop:
            raise Unsatisfiable(f"no number between {low} and {high}")
        value = round(self.rng.uniform(start, stop), 2)
        return float(min(max(value, start), stop))


def _window(low: Any, high: Any, nice_low: Any, nice_high: Any) -> tuple[Any, Any]:
    """Where to pick a number: [nice_low, nice_high] as far as the bounds allow, else their edge."""
    start = nice_low if low is None else max(low, nice_low)
    stop = nice_high if high is None else min(high, nice_high)
    if start <= stop:
        return start, stop
    if high is not None and high < nice_low:  # all below the nice range: just under the top
        return (high - (nice_high - nice_low) if low is None else max(low, high - 99)), high
    return low, (low + (nice_high - nice_low) if high is None else min(high, low + 99))


def _bounds(schema: dict[str, Any], *, integer: bool) -> tuple[Any, Any]:
    """Inclusive (low, high) from minimum/maximum and exclusive bounds."""
    low = schema.get("minimum")
    high = schema.get("maximum")
    emin = schema.get("exclusiveMinimum")
    emax = schema.get("exclusiveMaximum")
    tiny = 1 if integer else 0.01
    if isinstance(emin, int | float) and not isinstance(emin, bool):
        low = emin + tiny if low is None else max(low, emin + tiny)
    if isinstance(emax, int | float) and not isinstance(emax, bool):
        high = emax - tiny if high is None else min(high, emax - tiny)
    if integer:
        low = math.ceil(low) if low is not None else None
        high = math.floor(high) if high is not None else None
    return low, high


def _moment(rng: random.Random) -> datetime:
    return _EPOCH + timedelta(minutes=rng.randrange(0, 60 * 24 * 30))


_FORMATS: dict[str, Any] = {
    "uuid": lambda rng, hint: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    "date-time": lambda rng, hint: _moment(rng).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "date": lambda rng, hint: _moment(rng).strftime("%Y-%m-%d"),
    "time": lambda rng, hint: _moment(rng).strftime("%H:%M:%SZ"),
    "email": lambda rng, hint: f"user{rng.randrange(100)}@example.com",
    "idn-email": lambda rng, hint: f"user{rng.randrange(100)}@example.com",
    "uri": lambda rng, hint: f"https://example.com/{_slug(hint)}",
    "url": lambda rng, hint: f"https://example.com/{_slug(hint)}",
    "iri": lambda rng, hint: f"https://example.com/{_slug(hint)}",
    "uri-reference": lambda rng, hint: f"/{_slug(hint)}",
    "iri-reference": lambda rng, hint: f"/{_slug(hint)}",
    "uri-template": lambda rng, hint: "https://example.com/{id}",
    "hostname": lambda rng, hint: "example.com",
    "idn-hostname": lambda rng, hint: "example.com",
    "ipv4": lambda rng, hint: f"192.0.2.{rng.randrange(1, 255)}",
    "ipv6": lambda rng, hint: f"2001:db8::{rng.randrange(1, 0xFFFF):x}",
    "byte": lambda rng, hint: base64.b64encode(f"{_slug(hint)} content".encode()).decode(),
    "binary": lambda rng, hint: f"{_slug(hint)} content",
    "password": lambda rng, hint: "correct-horse-battery-staple",
    "duration": lambda rng, hint: f"P{rng.randrange(1, 30)}D",
    "json-pointer": lambda rng, hint: f"/{_slug(hint)}",
    "relative-json-pointer": lambda rng, hint: "0",
    "regex": lambda rng, hint: "^[a-z]+$",
}
