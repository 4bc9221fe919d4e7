"""JSON Schema -> Python type: the mapping every annotation the IR holds comes from.

:class:`TypeMapper` is the half of :class:`~waooaw.codegen.schemas.SchemaBuilder` that
answers "which type stands for this schema": primitives with their constraints, arrays,
maps, ``$ref``s to components (or inline objects hoisted into classes), ``allOf`` /
``oneOf`` / ``anyOf`` and tagged unions. It builds :mod:`~waooaw.codegen.pytypes` trees.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .errors import ContractError, join_pointer
from .ir import ModelIR
from .loader import LoadedContract, resolve_ref, unescape_pointer
from .openapi import deref, schema_types
from .pytypes import NONE, Annotated, Call, Generic, ModelRef, Name, PyType, union

__all__ = ["ANY", "SCHEMA_PREFIX", "TypeExpr", "TypeMapper", "field_call", "schema_description"]

SCHEMA_PREFIX = "#/components/schemas/"
_STRING_FORMATS = {
    "uuid": "UUID",
    "date-time": "DateTime",
    "date": "Date",
    "time": "time",
    "email": "Email",
    "binary": "bytes",
    "ipv4": "IPv4Address",
    "ipv6": "IPv6Address",
}
# Builtins that appear in generated annotations; a field may not shadow them.
_ANNOTATION_BUILTINS = {"str", "int", "float", "bool", "bytes", "list", "dict", "None"}
_JSON_TYPES = {"string", "integer", "number", "boolean", "array", "object", "null"}

ANY = Name("Any")


def field_call(constraints: dict[str, str]) -> Call:
    """``Field(k=v, ...)`` from keyword -> Python source."""
    return Call("Field", tuple(f"{k}={v}" for k, v in constraints.items()))


@dataclass(slots=True)
class TypeExpr:
    """A type being built: the bare type, its constraints, and whether null is allowed."""

    expr: PyType
    constraints: dict[str, str] = field(default_factory=dict)  # Field/Query kwargs -> source
    metadata: list[PyType] = field(default_factory=list)  # extra Annotated metadata
    nullable: bool = False

    def with_constraints(self) -> PyType:
        """The type with its own constraints folded in (for nesting)."""
        base = self.expr
        if self.constraints or self.metadata:
            parts: list[PyType] = [field_call(self.constraints)] if self.constraints else []
            base = Annotated(base, (*parts, *self.metadata))
        if self.nullable:
            base = union(base, NONE)
        return base


def _is_null_schema(schema: Any) -> bool:
    return isinstance(schema, dict) and (
        schema.get("type") == "null"
        or schema.get("enum") == [None]
        or schema.get("const", 0) is None
    )


class TypeMapper:
    """Schema -> :class:`TypeExpr`; inline objects are handed to ``build_class``."""

    contract: LoadedContract
    doc: dict[str, Any]
    errors: list[ContractError]
    component_names: dict[str, str]  # component schema -> class name
    nullable_components: set[str]
    models: dict[str, ModelIR]
    _inline_refs: dict[str, str]  # non-component $ref -> the class hoisted for it

    @abstractmethod
    def hoist_name(self, hint: str) -> str:
        """A free class name for an inline schema (the builder this is mixed into decides)."""

    @abstractmethod
    def build_class(self, name: str, schema: dict[str, Any], pointer: str) -> None:
        """Build model ``name`` from ``schema`` (the builder this is mixed into does it)."""

    def type_of(self, schema: Any, pointer: str, hint: str, *, top: bool = False) -> TypeExpr:
        """The Python type for ``schema``; inline objects are hoisted into classes."""
        if schema is True or schema == {} or not isinstance(schema, dict):
            return TypeExpr(ANY)
        nullable = self._own_nullable(schema)
        ref = schema.get("$ref")
        if isinstance(ref, str):
            expr = self._ref_type(ref, pointer, hint)
            expr.nullable = expr.nullable or nullable
            return expr
        if "const" in schema:
            if schema["const"] is None:
                return TypeExpr(NONE)
            return TypeExpr(Generic("Literal", (Name(repr(schema["const"])),)), nullable=nullable)
        enum = schema.get("enum")
        if isinstance(enum, list):
            values = [v for v in enum if v is not None]
            if not values:
                return TypeExpr(NONE)
            literals = tuple(Name(repr(v)) for v in values)
            return TypeExpr(Generic("Literal", literals), nullable=nullable)
        if "allOf" in schema:
            return self._all_of(schema, pointer, hint, nullable, top)
        for key in ("oneOf", "anyOf"):
            if key in schema and not schema.get("properties"):
                return self._union(schema, key, pointer, hint, nullable)
        types = _types(schema)
        if len(types) > 1:
            parts = [self._single(schema, t, pointer, hint, top) for t in types]
            exprs = _dedupe(p.with_constraints() for p in parts)
            return TypeExpr(union(*exprs), nullable=nullable)
        return self._single(schema, types[0] if types else None, pointer, hint, top, nullable)

    def _single(
        self,
        schema: dict[str, Any],
        json_type: str | None,
        pointer: str,
        hint: str,
        top: bool,
        nullable: bool = False,
    ) -> TypeExpr:
        if json_type is None:
            if "properties" in schema or "additionalProperties" in schema:
                json_type = "object"
            elif "items" in schema or "prefixItems" in schema:
                json_type = "array"
            else:
                return TypeExpr(ANY)
        if json_type == "string":
            fmt = schema.get("format")
            py = _STRING_FORMATS.get(fmt, "str") if isinstance(fmt, str) else "str"
            cons: dict[str, str] = {}
            if py == "str":
                for key, kw in (("minLength", "min_length"), ("maxLength", "max_length")):
                    if isinstance(schema.get(key), int):
                        cons[kw] = repr(schema[key])
                if isinstance(schema.get("pattern"), str):
                    cons["pattern"] = repr(schema["pattern"])
            return TypeExpr(Name(py), cons, nullable=nullable)
        if json_type in ("integer", "number"):
            py = "int" if json_type == "integer" else "float"
            return TypeExpr(Name(py), self._number_constraints(schema), nullable=nullable)
        if json_type == "boolean":
            return TypeExpr(Name("bool"), nullable=nullable)
        if json_type == "null":
            return TypeExpr(NONE)
        if json_type == "array":
            items = schema.get("items")
            if isinstance(items, dict):
                item = self.type_of(items, pointer + "/items", hint + "Item")
                inner = item.with_constraints()
            else:
                inner = ANY
            cons = {}
            if isinstance(schema.get("minItems"), int):
                cons["min_length"] = repr(schema["minItems"])
            if isinstance(schema.get("maxItems"), int):
                cons["max_length"] = repr(schema["maxItems"])
            meta: list[PyType] = (
                [Call("AfterValidator", ("unique_items",))]
                if schema.get("uniqueItems") is True
                else []
            )
            return TypeExpr(Generic("list", (inner,)), cons, meta, nullable=nullable)
        # object
        if schema.get("properties") or schema.get("additionalProperties") is False:
            name = self.hoist_name(hint)
            self.build_class(name, schema, pointer)
            return TypeExpr(ModelRef(name), nullable=nullable)
        additional = schema.get("additionalProperties", True)
        cons = {}
        if isinstance(schema.get("minProperties"), int):
            cons["min_length"] = repr(schema["minProperties"])
        if isinstance(schema.get("maxProperties"), int):
            cons["max_length"] = repr(schema["maxProperties"])
        if isinstance(additional, dict) and additional:
            value = self.type_of(additional, pointer + "/additionalProperties", hint + "Value")
            pair = (Name("str"), value.with_constraints())
            return TypeExpr(Generic("dict", pair), cons, nullable=nullable)
        return TypeExpr(Generic("dict", (Name("str"), ANY)), cons, nullable=nullable)

    def _number_constraints(self, schema: dict[str, Any]) -> dict[str, str]:
        cons: dict[str, str] = {}
        minimum, maximum = schema.get("minimum"), schema.get("maximum")
        exc_min, exc_max = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        if _is_number(minimum):
            cons["gt" if exc_min is True else "ge"] = repr(minimum)
        if _is_number(maximum):
            cons["lt" if exc_max is True else "le"] = repr(maximum)
        if _is_number(exc_min):
            cons["gt"] = repr(exc_min)
        if _is_number(exc_max):
            cons["lt"] = repr(exc_max)
        if _is_number(schema.get("multipleOf")):
            cons["multiple_of"] = repr(schema["multipleOf"])
        return cons

    def _ref_component(self, schema: Any) -> str | None:
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        if isinstance(ref, str) and ref.startswith(SCHEMA_PREFIX):
            raw = unescape_pointer(ref[len(SCHEMA_PREFIX) :])
            if raw in self.component_names:
                return raw
        return None

    def _ref_type(self, ref: str, pointer: str, hint: str) -> TypeExpr:
        if ref.startswith(SCHEMA_PREFIX) and "/" not in ref[len(SCHEMA_PREFIX) :]:
            raw = unescape_pointer(ref[len(SCHEMA_PREFIX) :])
            if raw not in self.component_names:
                self.errors.append(
                    self.contract.error(
                        pointer + "/$ref", "ref-unresolved", f"$ref {ref!r} points at nothing"
                    )
                )
                return TypeExpr(ANY)
            return TypeExpr(
                ModelRef(self.component_names[raw]), nullable=raw in self.nullable_components
            )
        target = self.resolve(ref)
        if target is None:
            self.errors.append(
                self.contract.error(
                    pointer + "/$ref", "ref-unresolved", f"$ref {ref!r} points at nothing"
                )
            )
            return TypeExpr(ANY)
        if ref in self._inline_refs:
            return TypeExpr(ModelRef(self._inline_refs[ref]))
        if self._is_object_like(target):
            name = self.hoist_name(hint)
            self._inline_refs[ref] = name
            self.build_class(name, target, ref[1:])
            return TypeExpr(ModelRef(name))
        return self.type_of(target, ref[1:], hint)

    def resolve(self, ref: str) -> Any:
        return resolve_ref(self.doc, ref)

    def deref(self, schema: Any) -> Any:
        return deref(self.doc, schema)

    def _all_of(
        self, schema: dict[str, Any], pointer: str, hint: str, nullable: bool, top: bool
    ) -> TypeExpr:
        parts = schema["allOf"]
        own_props = schema.get("properties")
        if isinstance(parts, list) and len(parts) == 1 and not own_props:
            expr = self.type_of(parts[0], pointer + "/allOf/0", hint)
            expr.nullable = expr.nullable or nullable
            return expr
        name = self.hoist_name(hint)
        self.build_class(name, schema, pointer)
        return TypeExpr(ModelRef(name), nullable=nullable)

    def _union(
        self, schema: dict[str, Any], key: str, pointer: str, hint: str, nullable: bool
    ) -> TypeExpr:
        variants = schema[key] if isinstance(schema[key], list) else []
        members: list[tuple[TypeExpr, Any, int]] = []
        for i, variant in enumerate(variants):
            if _is_null_schema(variant):
                nullable = True
                continue
            members.append(
                (self.type_of(variant, f"{pointer}/{key}/{i}", f"{hint}Option{i + 1}"), variant, i)
            )
        if not members:
            return TypeExpr(NONE)
        for expr, _variant, _i in members:
            if expr.nullable:
                nullable = True
                expr.nullable = False
        if len(members) == 1:
            expr = members[0][0]
            expr.nullable = expr.nullable or nullable
            return expr
        discriminator = schema.get("discriminator")
        if isinstance(discriminator, dict) and isinstance(discriminator.get("propertyName"), str):
            tagged = self._tagged(discriminator, members, pointer)
            if tagged is not None:
                return TypeExpr(tagged, nullable=nullable)
        exprs = _dedupe(m[0].with_constraints() for m in members)
        return TypeExpr(union(*exprs), nullable=nullable)

    def _tagged(
        self, discriminator: dict[str, Any], members: list[tuple[TypeExpr, Any, int]], pointer: str
    ) -> PyType | None:
        prop = discriminator["propertyName"]
        mapping = discriminator.get("mapping") or {}
        tags_by_target: dict[str, list[str]] = {}
        for value, target in mapping.items():
            ref = target if target.startswith("#") else SCHEMA_PREFIX + target
            tags_by_target.setdefault(ref, []).append(str(value))
        rendered: list[PyType] = []
        for expr, variant, i in members:
            ref = variant.get("$ref") if isinstance(variant, dict) else None
            if isinstance(ref, str):
                # a mapping adds values; the schema name stays an implicit one unless the
                # mapping gives that value to another schema
                implicit = unescape_pointer(ref.rsplit("/", 1)[-1])
                tags = list(tags_by_target.get(ref, []))
                if implicit not in mapping and implicit not in tags:
                    tags.append(implicit)
            else:
                consts = self._discriminator_values(variant, prop)
                if not consts:
                    self.errors.append(
                        self.contract.error(
                            f"{pointer}/{i}",
                            "discriminator-variant",
                            f"inline variant has no fixed value for discriminator {prop!r}",
                        )
                    )
                    return None
                tags = consts
            for tag in tags:
                rendered.append(Annotated(expr.with_constraints(), (Call("Tag", (repr(tag),)),)))
        unmapped = set(tags_by_target) - {
            m[1].get("$ref") for m in members if isinstance(m[1], dict)
        }
        for ref in sorted(unmapped):
            target = self._ref_type(ref, pointer + "/discriminator/mapping", "Variant")
            for tag in tags_by_target[ref]:
                rendered.append(Annotated(target.expr, (Call("Tag", (repr(tag),)),)))
        dispatch = Call("Discriminator", (Call("discriminator", (repr(prop),)),))
        return Annotated(union(*rendered), (dispatch,))

    def _discriminator_values(self, variant: Any, prop: str) -> list[str]:
        variant = self.deref(variant)
        if not isinstance(variant, dict):
            return []
        schema = self.deref((variant.get("properties") or {}).get(prop))
        if isinstance(schema, dict):
            if "const" in schema:
                return [str(schema["const"])]
            if isinstance(schema.get("enum"), list):
                return [str(v) for v in schema["enum"] if v is not None]
        return []

    # -- helpers -------------------------------------------------------------------

    def _own_nullable(self, schema: Any) -> bool:
        if not isinstance(schema, dict):
            return False
        if schema.get("nullable") is True:
            return True
        t = schema.get("type")
        if isinstance(t, list) and "null" in t:
            return True
        enum = schema.get("enum")
        if isinstance(enum, list) and None in enum and len(enum) > 1:
            return True
        for key in ("oneOf", "anyOf"):
            variants = schema.get(key)
            if isinstance(variants, list) and any(_is_null_schema(v) for v in variants):
                return True
        return False

    def _is_object_like(self, schema: dict[str, Any]) -> bool:
        if "allOf" in schema:
            parts = schema["allOf"]
            if isinstance(parts, list) and len(parts) == 1 and not schema.get("properties"):
                target = self.deref(parts[0])
                return (
                    isinstance(target, dict)
                    and self._is_object_like(target)
                    and "$ref" not in parts[0]
                )
            return True
        if ("oneOf" in schema or "anyOf" in schema) and not schema.get("properties"):
            return False
        types = _types(schema)
        if types and types != ["object"]:
            return False
        return bool(schema.get("properties")) or (
            types == ["object"] and schema.get("additionalProperties") is False
        )

    def _merge_object(
        self, schema: dict[str, Any], pointer: str, depth: int = 0
    ) -> tuple[dict[str, tuple[Any, str]], set[str], Any, str | None]:
        properties: dict[str, tuple[Any, str]] = {}
        required: set[str] = set()
        additional: Any = None
        description = schema_description(schema)
        if depth > 20:
            return properties, required, additional, description
        for i, part in enumerate(schema.get("allOf") or []):
            part_pointer = f"{pointer}/allOf/{i}"
            target = part
            if isinstance(part, dict) and isinstance(part.get("$ref"), str):
                target = self.deref(part)
                part_pointer = part["$ref"][1:]
            if not isinstance(target, dict):
                continue
            props, req, add, desc = self._merge_object(target, part_pointer, depth + 1)
            properties.update(props)
            required |= req
            if add is not None:
                additional = add
            description = description or desc
        for name, prop in (schema.get("properties") or {}).items():
            properties[name] = (prop, join_pointer(pointer, "properties", name))
        if isinstance(schema.get("required"), list):
            required |= {r for r in schema["required"] if isinstance(r, str)}
        if "additionalProperties" in schema:
            additional = schema["additionalProperties"]
        return properties, required, additional, description


def _types(schema: dict[str, Any]) -> list[str]:
    """``type: null`` alone is the type None; in a list, null makes the others nullable."""
    types = schema_types(schema)
    if isinstance(schema.get("type"), list):
        return [t for t in types if t != "null" and t in _JSON_TYPES]
    return types


def _dedupe(items: Iterable[PyType]) -> list[PyType]:
    seen: list[PyType] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def schema_description(schema: Any) -> str | None:
    if isinstance(schema, dict):
        text = schema.get("description") or schema.get("title")
        if isinstance(text, str) and text.strip():
            return text.strip()
    return None
