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

Types are :mod:`~waooaw.codegen.pytypes` trees whose model references are spelled
inside ``models.py`` (``Pet``) until :func:`~waooaw.codegen.pytypes.qualified` spells
them for modules that import it as ``models`` (``models.Pet``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .errors import ContractError, join_pointer
from .ir import EnumMember, FieldIR, ModelIR
from .loader import LoadedContract
from .naming import (
    BUILTIN_NAMES,
    MODELS_MODULE_NAMES,
    UniqueNames,
    enum_member_name,
    pascal_case,
    safe_identifier,
    snake_case,
)
from .pytypes import NONE, Annotated, Generic, Name, PyType, members, model_refs, union
from .typemap import ANY, TypeExpr, TypeMapper, field_call, schema_description

__all__ = ["SchemaBuilder"]

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
_ANNOTATION_BUILTINS = {"str", "int", "float", "bool", "bytes", "list", "dict", "None"}


class SchemaBuilder(TypeMapper):
    """Turns the contract's schemas into :class:`ModelIR` objects."""

    def __init__(self, contract: LoadedContract, errors: list[ContractError]) -> None:
        self.contract = contract
        self.doc = contract.document
        self.errors = errors
        self.is_30 = str(self.doc.get("openapi", "")).startswith("3.0")
        components = self.doc.get("components") or {}
        self.components: dict[str, Any] = components.get("schemas") or {}
        self.unique = UniqueNames(MODELS_MODULE_NAMES | BUILTIN_NAMES)
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
        if name in MODELS_MODULE_NAMES or name in BUILTIN_NAMES:
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
                    py_type=f.py_type.map(_lax),
                    annotation=f.annotation.map(_lax),
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
            for dep in sorted(model_refs(aliases[name].alias_type)):
                if dep in aliases:
                    visit(dep)
            ordered.append(aliases[name])

        for name in sorted(aliases):
            visit(name)
        return (*enums, *classes, *ordered)

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
            description=schema_description(schema),
            source_pointer=pointer,
            alias_type=expr.with_constraints(),
        )

    def register_alias(self, name: str, expr: TypeExpr, schema: Any, pointer: str) -> None:
        """Name a type already built (a body schema that is not a single model)."""
        plain = TypeExpr(expr.expr, dict(expr.constraints), list(expr.metadata))
        self.models[name] = ModelIR(
            name=name,
            kind="alias",
            description=schema_description(schema),
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
            description=schema_description(schema),
            source_pointer=pointer,
            enum_base=base,
            members=members,
        )

    def build_class(self, name: str, schema: dict[str, Any], pointer: str) -> None:
        properties, required, additional, description = self._merge_object(schema, pointer)
        reserved = set(MODELS_MODULE_NAMES) | self.unique.claimed() | _ANNOTATION_BUILTINS
        field_names = UniqueNames()
        fields: list[FieldIR] = []
        not_null: list[str] = []
        for json_name, (prop_schema, prop_pointer) in properties.items():
            py_name = self._field_name(json_name, reserved, field_names)
            expr = self.type_of(prop_schema, prop_pointer, name + pascal_case(json_name))
            flags = prop_schema if isinstance(prop_schema, dict) else {}
            read_or_write_only = bool(flags.get("readOnly") or flags.get("writeOnly"))
            is_required = json_name in required and not read_or_write_only
            if not is_required and not expr.nullable and expr.expr not in (ANY, NONE):
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
            extra_type = self.type_of(
                additional, pointer + "/additionalProperties", name + "Value"
            ).with_constraints()
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
        name = json_name if json_name.isidentifier() else snake_case(json_name)
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
        description = schema_description(schema)
        if description:
            kwargs["description"] = repr(description)
        if not required:
            # an optional field left at None is omitted from JSON rather than sent as null
            kwargs["exclude_if"] = "is_none"
        base = _strict(expr.expr)
        if expr.nullable or not required:
            base = union(base, NONE)
        metadata = ([field_call(kwargs)] if kwargs else []) + expr.metadata
        annotation = Annotated(base, tuple(metadata)) if metadata else base
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

    def _convert_recursive_aliases(self) -> None:
        aliases = {n: m for n, m in self.models.items() if m.kind == "alias"}
        graph = {n: model_refs(m.alias_type) & set(aliases) for n, m in aliases.items()}
        for name in sorted(aliases):
            if _reaches(graph, name, name):
                model = aliases[name]
                self.models[name] = ModelIR(
                    name=name,
                    kind="root",
                    description=model.description,
                    source_pointer=model.source_pointer,
                    alias_type=_strict(model.alias_type or ANY),
                )
                graph[name] = set()


_STRICT = {"int": "JsonInt", "float": "StrictFloat", "bool": "StrictBool"}
_LAX = {strict: plain for plain, strict in _STRICT.items()}


def _strict(expr: PyType) -> PyType:
    """JSON bodies are not coerced: ``"2"`` is not an integer, ``true`` not a number."""
    parts: list[PyType] = []
    for part in members(expr):
        if isinstance(part, Name) and part.text in _STRICT:
            part = Name(_STRICT[part.text])
        elif (
            isinstance(part, Generic)
            and part.origin == "list"
            and len(part.args) == 1
            and isinstance(part.args[0], Name)
            and part.args[0].text in _STRICT
        ):
            part = Generic("list", (Name(_STRICT[part.args[0].text]),))
        parts.append(part)
    return union(*parts)


def _lax(node: PyType) -> PyType:
    """Text-filled values coerce: the strict names become the plain ones (one node)."""
    if isinstance(node, Name) and node.text in _LAX:
        return Name(_LAX[node.text])
    return node


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
