"""JSON Schema -> model IR.

Decides, for every schema the contract names or nests, which Python type
stands for it:

* objects become ``ContractModel`` classes (``allOf`` parts are merged into one
  class; inline objects are hoisted into classes named after where they sit);
* string/integer ``enum`` components become ``StrEnum``/``IntEnum`` classes,
  inline enums ``Literal[...]``;
* everything else (arrays, unions, primitives) becomes a type alias, or a
  ``RootModel`` when the alias is recursive;
* ``oneOf``/``anyOf`` with a ``discriminator`` become tagged unions.

Types are built as strings in which model names are wrapped in ``\\x00`` marks,
so one expression can be spelled both inside ``models.py`` (``Pet``) and in
modules that import it as ``models`` (``models.Pet``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import ContractError, join_pointer
from .ir import EnumMember, FieldIR, ModelIR
from .loader import LoadedContract, resolve_ref, unescape_pointer
from .naming import BUILTIN_NAMES, UniqueNames, enum_member_name, pascal_case, safe_identifier

__all__ = ["SchemaBuilder", "TypeExpr", "local", "qualified"]

_MARK = re.compile("\x00([A-Za-z_][A-Za-z0-9_]*)\x00")
_SCHEMA_PREFIX = "#/components/schemas/"

# Names models.py imports or defines itself; models may not take them.
MODULE_NAMES = frozenset(
    {
        "AfterValidator",
        "Annotated",
        "Any",
        "AwareDatetime",
        "ConfigDict",
        "ContractModel",
        "Decimal",
        "Discriminator",
        "Email",
        "EmailStr",
        "StrictBool",
        "StrictFloat",
        "StrictInt",
        "JsonInt",
        "DateTime",
        "Date",
        "Enum",
        "Field",
        "IPv4Address",
        "IPv6Address",
        "IntEnum",
        "Literal",
        "RootModel",
        "StrEnum",
        "Tag",
        "TypeAlias",
        "UUID",
        "annotations",
        "date",
        "datetime",
        "discriminator",
        "time",
        "unique_items",
        "is_none",
        "models",
    }
)
_BASEMODEL_ATTRS = frozenset(
    {
        "construct",
        "copy",
        "dict",
        "json",
        "parse_file",
        "parse_obj",
        "parse_raw",
        "schema",
        "schema_json",
        "update_forward_refs",
        "validate",
        "model_config",
        "model_fields",
        "model_computed_fields",
        "model_extra",
        "model_fields_set",
        "model_construct",
        "model_copy",
        "model_dump",
        "model_dump_json",
        "model_json_schema",
        "model_parametrized_name",
        "model_post_init",
        "model_rebuild",
        "model_validate",
        "model_validate_json",
        "model_validate_strings",
    }
)
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


def local(expr: str) -> str:
    """Spell a marked type expression inside models.py."""
    return _MARK.sub(r"\1", expr)


def qualified(expr: str, module: str = "models") -> str:
    """Spell a marked type expression in a module that imports the models module."""
    return _MARK.sub(rf"{module}.\1", expr)


def referenced(expr: str) -> set[str]:
    return set(_MARK.findall(expr))


@dataclass(slots=True)
class TypeExpr:
    expr: str  # marked
    constraints: dict[str, str] = field(default_factory=dict)  # Field/Query kwargs -> source
    metadata: list[str] = field(default_factory=list)  # extra Annotated metadata
    nullable: bool = False

    def with_constraints(self) -> str:
        """The type with its own constraints folded in (for nesting)."""
        base = self.expr
        if self.constraints or self.metadata:
            parts = [base]
            if self.constraints:
                kwargs = ", ".join(f"{k}={v}" for k, v in self.constraints.items())
                parts.append(f"Field({kwargs})")
            parts.extend(self.metadata)
            base = f"Annotated[{', '.join(parts)}]"
        if self.nullable:
            base = f"{base} | None"
        return base

    def plain(self) -> str:
        return f"{self.expr} | None" if self.nullable else self.expr


def _is_null_schema(schema: Any) -> bool:
    return isinstance(schema, dict) and (
        schema.get("type") == "null"
        or schema.get("enum") == [None]
        or schema.get("const", 0) is None
    )


class SchemaBuilder:
    """Turns the contract's schemas into :class:`ModelIR` objects."""

    def __init__(self, contract: LoadedContract, errors: list[ContractError]) -> None:
        self.contract = contract
        self.doc = contract.document
        self.errors = errors
        self.is_30 = str(self.doc.get("openapi", "")).startswith("3.0")
        components = self.doc.get("components") or {}
        self.components: dict[str, Any] = components.get("schemas") or {}
        self.unique = UniqueNames(MODULE_NAMES | BUILTIN_NAMES)
        self.component_names: dict[str, str] = {}
        self.nullable_components: set[str] = set()
        self.models: dict[str, ModelIR] = {}
        self._building: set[str] = set()
        self._inline_refs: dict[str, str] = {}

    # -- naming --------------------------------------------------------------

    def class_name(self, raw: str) -> str:
        name = pascal_case(raw)
        if name == "_":
            name = "Model"
        if name[0].isdigit():
            name = "Model" + name
        if name in MODULE_NAMES or name in BUILTIN_NAMES:
            name += "Model"
        return name

    def hoist_name(self, hint: str) -> str:
        return self.unique.claim(self.class_name(hint))

    # -- entry points ---------------------------------------------------------

    def build_components(self) -> None:
        for raw in sorted(self.components):
            self.component_names[raw] = self.unique.claim(self.class_name(raw))
        for raw in sorted(self.components):
            schema = self.components[raw]
            if self._own_nullable(schema):
                self.nullable_components.add(raw)
        for raw in sorted(self.components):
            pointer = join_pointer("/components/schemas", raw)
            self.build_named(self.component_names[raw], self.components[raw], pointer)

    def relax(self, names: set[str]) -> None:
        """Models filled from text (form bodies, deepObject parameters) coerce like query values."""
        todo = list(names)
        seen: set[str] = set()
        while todo:
            name = todo.pop()
            model = self.models.get(name)
            if name in seen or model is None or model.kind != "class":
                continue
            seen.add(name)
            fields = tuple(
                replace(
                    f,
                    py_type=_lax(f.py_type),
                    annotation=_lax(f.annotation),
                )
                for f in model.fields
            )
            self.models[name] = replace(model, fields=fields)

    def ordered_models(self) -> tuple[ModelIR, ...]:
        """Enums, then classes and root models, then aliases in dependency order."""
        self._convert_recursive_aliases()
        enums = sorted((m for m in self.models.values() if m.kind == "enum"), key=lambda m: m.name)
        classes = sorted(
            (m for m in self.models.values() if m.kind in ("class", "root")), key=lambda m: m.name
        )
        aliases = {m.name: m for m in self.models.values() if m.kind == "alias"}
        ordered: list[ModelIR] = []
        done: set[str] = set()

        def visit(name: str) -> None:
            if name in done:
                return
            done.add(name)
            for dep in sorted(referenced(aliases[name].alias_type or "")):
                if dep in aliases:
                    visit(dep)
            ordered.append(aliases[name])

        for name in sorted(aliases):
            visit(name)
        return tuple(self._unmark(m) for m in (*enums, *classes, *ordered))

    def _unmark(self, model: ModelIR) -> ModelIR:
        if model.alias_type is None:
            return model
        return replace(model, alias_type=local(model.alias_type))

    # -- component models -----------------------------------------------------

    def build_named(self, name: str, schema: Any, pointer: str) -> None:
        if not isinstance(schema, dict):
            schema = {}
        if self._is_object_like(schema):
            self.build_class(name, schema, pointer)
            return
        enum = schema.get("enum")
        if isinstance(enum, list) and "const" not in schema:
            values = [v for v in enum if v is not None]
            if values and all(isinstance(v, str) for v in values):
                self._build_enum(name, schema, pointer, values, "StrEnum")
                return
            if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                self._build_enum(name, schema, pointer, values, "IntEnum")
                return
        expr = self.type_of(schema, pointer, name, top=True)
        expr.nullable = False  # nullability is applied where the alias is used
        self.models[name] = ModelIR(
            name=name,
            kind="alias",
            description=_description(schema),
            source_pointer=pointer,
            alias_type=expr.with_constraints(),
        )

    def register_alias(self, name: str, expr: TypeExpr, schema: Any, pointer: str) -> None:
        """Name a type already built (a body schema that is not a single model)."""
        plain = TypeExpr(expr.expr, dict(expr.constraints), list(expr.metadata))
        self.models[name] = ModelIR(
            name=name,
            kind="alias",
            description=_description(schema),
            source_pointer=pointer,
            alias_type=plain.with_constraints(),
        )

    def _build_enum(
        self, name: str, schema: dict[str, Any], pointer: str, values: list[Any], base: str
    ) -> None:
        names = UniqueNames()
        members = tuple(
            EnumMember(names.claim(enum_member_name(v), separator="_"), repr(v)) for v in values
        )
        self.models[name] = ModelIR(
            name=name,
            kind="enum",
            description=_description(schema),
            source_pointer=pointer,
            enum_base=base,
            members=members,
        )

    def build_class(self, name: str, schema: dict[str, Any], pointer: str) -> None:
        properties, required, additional, description = self._merge_object(schema, pointer)
        reserved = set(MODULE_NAMES) | self.unique.claimed() | _ANNOTATION_BUILTINS
        field_names = UniqueNames()
        fields: list[FieldIR] = []
        not_null: list[str] = []
        for json_name, (prop_schema, prop_pointer) in properties.items():
            py_name = self._field_name(json_name, reserved, field_names)
            expr = self.type_of(prop_schema, prop_pointer, name + pascal_case(json_name))
            flags = prop_schema if isinstance(prop_schema, dict) else {}
            read_or_write_only = bool(flags.get("readOnly") or flags.get("writeOnly"))
            is_required = json_name in required and not read_or_write_only
            if not is_required and not expr.nullable and expr.expr not in ("Any", "None"):
                not_null.append(json_name)
            fields.append(
                self._field(json_name, py_name, expr, is_required, prop_schema, prop_pointer)
            )
        extra: Any = "ignore"
        extra_type = None
        if additional is False:
            extra = "forbid"
        elif additional is True:
            extra = "allow"
        elif isinstance(additional, dict):
            extra = "allow"
            extra_type = local(
                self.type_of(
                    additional, pointer + "/additionalProperties", name + "Value"
                ).with_constraints()
            )
        self.models[name] = ModelIR(
            name=name,
            kind="class",
            description=description,
            source_pointer=pointer,
            fields=tuple(fields),
            extra=extra,
            extra_type=extra_type,
            not_null=tuple(not_null),
        )

    def _field_name(self, json_name: str, reserved: set[str], taken: UniqueNames) -> str:
        name = json_name if json_name.isidentifier() else _snake(json_name)
        if name.startswith("_"):
            name = name.lstrip("_") or "field"
            name += "_"
        if name in _BASEMODEL_ATTRS or name in reserved:
            name += "_"
        name = safe_identifier(name)
        return taken.claim(name, separator="_")

    def _field(
        self,
        json_name: str,
        py_name: str,
        expr: TypeExpr,
        required: bool,
        schema: Any,
        pointer: str,
    ) -> FieldIR:
        kwargs: dict[str, str] = {}
        if py_name != json_name:
            kwargs["alias"] = repr(json_name)
        kwargs.update(expr.constraints)
        description = _description(schema)
        if description:
            kwargs["description"] = repr(description)
        if not required:
            # an optional field left at None is omitted from JSON rather than sent as null
            kwargs["exclude_if"] = "is_none"
        base = _strict(local(expr.expr))
        if expr.nullable or not required:
            base = f"{base} | None"
        parts = [base]
        if kwargs:
            parts.append("Field(" + ", ".join(f"{k}={v}" for k, v in kwargs.items()) + ")")
        parts.extend(local(m) for m in expr.metadata)
        annotation = parts[0] if len(parts) == 1 else f"Annotated[{', '.join(parts)}]"
        default: str | None = None
        if not required:
            default = "None"
            if isinstance(schema, dict) and "default" in schema and schema["default"] is not None:
                default = self._default_source(schema, schema["default"], expr, pointer)
        return FieldIR(
            json_name=json_name,
            py_name=py_name,
            py_type=base,
            annotation=annotation,
            default=default,
            required=required,
            description=description,
        )

    def _default_source(
        self, schema: dict[str, Any], value: Any, expr: TypeExpr, pointer: str
    ) -> str:
        target = self._ref_component(schema)
        if target is not None:
            model = self.models.get(self.component_names[target])
            if model is not None and model.kind == "enum":
                for member in model.members:
                    if member.value == repr(value):
                        return f"{model.name}.{member.name}"
            name = self.component_names[target]
            return (
                f"Field(default_factory=lambda: {name}.model_validate({value!r}))"
                if isinstance(value, dict)
                else repr(value)
            )
        if isinstance(value, list | dict):
            if not value:
                return f"Field(default_factory={type(value).__name__})"
            return f"Field(default_factory=lambda: {value!r})"
        return repr(value)

    # -- types ------------------------------------------------------------------

    def type_of(self, schema: Any, pointer: str, hint: str, *, top: bool = False) -> TypeExpr:
        """The Python type for ``schema``; inline objects are hoisted into classes."""
        if schema is True or schema == {} or not isinstance(schema, dict):
            return TypeExpr("Any")
        nullable = self._own_nullable(schema)
        ref = schema.get("$ref")
        if isinstance(ref, str):
            expr = self._ref_type(ref, pointer, hint)
            expr.nullable = expr.nullable or nullable
            return expr
        if "const" in schema:
            if schema["const"] is None:
                return TypeExpr("None")
            return TypeExpr(f"Literal[{schema['const']!r}]", nullable=nullable)
        enum = schema.get("enum")
        if isinstance(enum, list):
            values = [v for v in enum if v is not None]
            if not values:
                return TypeExpr("None")
            return TypeExpr(f"Literal[{', '.join(repr(v) for v in values)}]", nullable=nullable)
        if "allOf" in schema:
            return self._all_of(schema, pointer, hint, nullable, top)
        for key in ("oneOf", "anyOf"):
            if key in schema and not schema.get("properties"):
                return self._union(schema, key, pointer, hint, nullable)
        types = _types(schema)
        if len(types) > 1:
            parts = [self._single(schema, t, pointer, hint, top) for t in types]
            exprs = _dedupe(p.with_constraints() for p in parts)
            return TypeExpr(" | ".join(exprs), nullable=nullable)
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
                return TypeExpr("Any")
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
            return TypeExpr(py, cons, nullable=nullable)
        if json_type in ("integer", "number"):
            py = "int" if json_type == "integer" else "float"
            return TypeExpr(py, self._number_constraints(schema), nullable=nullable)
        if json_type == "boolean":
            return TypeExpr("bool", nullable=nullable)
        if json_type == "null":
            return TypeExpr("None")
        if json_type == "array":
            items = schema.get("items")
            if isinstance(items, dict):
                item = self.type_of(items, pointer + "/items", hint + "Item")
                inner = item.with_constraints()
            else:
                inner = "Any"
            cons = {}
            if isinstance(schema.get("minItems"), int):
                cons["min_length"] = repr(schema["minItems"])
            if isinstance(schema.get("maxItems"), int):
                cons["max_length"] = repr(schema["maxItems"])
            meta = ["AfterValidator(unique_items)"] if schema.get("uniqueItems") is True else []
            return TypeExpr(f"list[{inner}]", cons, meta, nullable=nullable)
        # object
        if schema.get("properties") or schema.get("additionalProperties") is False:
            name = self.hoist_name(hint)
            self.build_class(name, schema, pointer)
            return TypeExpr(f"\x00{name}\x00", nullable=nullable)
        additional = schema.get("additionalProperties", True)
        cons = {}
        if isinstance(schema.get("minProperties"), int):
            cons["min_length"] = repr(schema["minProperties"])
        if isinstance(schema.get("maxProperties"), int):
            cons["max_length"] = repr(schema["maxProperties"])
        if isinstance(additional, dict) and additional:
            value = self.type_of(additional, pointer + "/additionalProperties", hint + "Value")
            return TypeExpr(f"dict[str, {value.with_constraints()}]", cons, nullable=nullable)
        return TypeExpr("dict[str, Any]", cons, nullable=nullable)

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
        if isinstance(ref, str) and ref.startswith(_SCHEMA_PREFIX):
            raw = unescape_pointer(ref[len(_SCHEMA_PREFIX) :])
            if raw in self.component_names:
                return raw
        return None

    def _ref_type(self, ref: str, pointer: str, hint: str) -> TypeExpr:
        if ref.startswith(_SCHEMA_PREFIX) and "/" not in ref[len(_SCHEMA_PREFIX) :]:
            raw = unescape_pointer(ref[len(_SCHEMA_PREFIX) :])
            if raw not in self.component_names:
                self.errors.append(
                    self.contract.error(
                        pointer + "/$ref", "ref-unresolved", f"$ref {ref!r} points at nothing"
                    )
                )
                return TypeExpr("Any")
            return TypeExpr(
                f"\x00{self.component_names[raw]}\x00", nullable=raw in self.nullable_components
            )
        target = self.resolve(ref)
        if target is None:
            self.errors.append(
                self.contract.error(
                    pointer + "/$ref", "ref-unresolved", f"$ref {ref!r} points at nothing"
                )
            )
            return TypeExpr("Any")
        if ref in self._inline_refs:
            return TypeExpr(f"\x00{self._inline_refs[ref]}\x00")
        if self._is_object_like(target):
            name = self.hoist_name(hint)
            self._inline_refs[ref] = name
            self.build_class(name, target, ref[1:])
            return TypeExpr(f"\x00{name}\x00")
        return self.type_of(target, ref[1:], hint)

    def resolve(self, ref: str) -> Any:
        return resolve_ref(self.doc, ref)

    def deref(self, schema: Any) -> Any:
        seen = 0
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and seen < 50:
            schema = self.resolve(schema["$ref"])
            seen += 1
        return schema

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
        return TypeExpr(f"\x00{name}\x00", nullable=nullable)

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
            return TypeExpr("None")
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
        return TypeExpr(" | ".join(exprs), nullable=nullable)

    def _tagged(
        self, discriminator: dict[str, Any], members: list[tuple[TypeExpr, Any, int]], pointer: str
    ) -> str | None:
        prop = discriminator["propertyName"]
        mapping = discriminator.get("mapping") or {}
        tags_by_target: dict[str, list[str]] = {}
        for value, target in mapping.items():
            ref = target if target.startswith("#") else _SCHEMA_PREFIX + target
            tags_by_target.setdefault(ref, []).append(str(value))
        rendered: list[str] = []
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
                rendered.append(f"Annotated[{expr.with_constraints()}, Tag({tag!r})]")
        unmapped = set(tags_by_target) - {
            m[1].get("$ref") for m in members if isinstance(m[1], dict)
        }
        for ref in sorted(unmapped):
            target = self._ref_type(ref, pointer + "/discriminator/mapping", "Variant")
            for tag in tags_by_target[ref]:
                rendered.append(f"Annotated[{target.expr}, Tag({tag!r})]")
        return f"Annotated[{' | '.join(rendered)}, Discriminator(discriminator({prop!r}))]"

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
        description = _description(schema)
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

    def _convert_recursive_aliases(self) -> None:
        aliases = {n: m for n, m in self.models.items() if m.kind == "alias"}
        graph = {n: referenced(m.alias_type or "") & set(aliases) for n, m in aliases.items()}
        for name in sorted(aliases):
            if _reaches(graph, name, name):
                model = aliases[name]
                self.models[name] = ModelIR(
                    name=name,
                    kind="root",
                    description=model.description,
                    source_pointer=model.source_pointer,
                    alias_type=_strict(model.alias_type or "Any"),
                )
                graph[name] = set()


_STRICT = {"int": "JsonInt", "float": "StrictFloat", "bool": "StrictBool"}


def _strict(expr: str) -> str:
    """JSON bodies are not coerced: ``"2"`` is not an integer, ``true`` not a number."""
    parts = []
    for part in union_parts(expr):
        if part in _STRICT:
            part = _STRICT[part]
        elif part.startswith("list[") and part[5:-1] in _STRICT:
            part = f"list[{_STRICT[part[5:-1]]}]"
        parts.append(part)
    return " | ".join(parts)


def _lax(expr: str) -> str:
    for strict, plain in (("JsonInt", "int"), ("StrictFloat", "float"), ("StrictBool", "bool")):
        expr = re.sub(rf"\b{strict}\b", plain, expr)
    return expr


def union_parts(expr: str) -> list[str]:
    """The members of a ``A | B | list[C | D]`` type string, split at the top level only."""
    parts, depth, current, i = [], 0, "", 0
    while i < len(expr):
        c = expr[i]
        depth += c == "["
        depth -= c == "]"
        if depth == 0 and expr.startswith(" | ", i):
            parts.append(current)
            current, i = "", i + 3
            continue
        current += c
        i += 1
    parts.append(current)
    return parts


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    stack, seen = list(graph.get(start, ())), set()
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(graph.get(node, ()))
    return False


def _types(schema: dict[str, Any]) -> list[str]:
    t = schema.get("type")
    if isinstance(t, str):
        return [t] if t != "null" else ["null"]
    if isinstance(t, list):
        return [x for x in t if isinstance(x, str) and x != "null" and x in _JSON_TYPES]
    return []


def _dedupe(items: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _description(schema: Any) -> str | None:
    if isinstance(schema, dict):
        text = schema.get("description") or schema.get("title")
        if isinstance(text, str) and text.strip():
            return text.strip()
    return None


def _snake(name: str) -> str:
    from .naming import snake_case

    return snake_case(name)
