"""Contract -> :class:`~waooaw.codegen.ir.Api`: operations, parameters, bodies, responses."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from .details import OperationDetails, sample_json, sorted_links
from .errors import ContractError, ContractErrors, join_pointer
from .ir import (
    Api,
    BodyIR,
    FormFieldIR,
    OperationIR,
    ParameterIR,
    ResponseIR,
    TagIR,
)
from .loader import LoadedContract
from .naming import UniqueNames, pascal_case, safe_identifier, snake_case
from .openapi import deref, is_json, iter_operations
from .problems import problem_types
from .pytypes import (
    NONE,
    Annotated,
    Call,
    Generic,
    ModelRef,
    Name,
    PyType,
    first_member,
    members,
    qualified,
    union,
)
from .schemas import SchemaBuilder
from .typemap import ANY, TypeExpr
from .validate import validate_contract

__all__ = ["build_api"]

_TEMPLATE = re.compile(r"\{([^{}]+)\}")
_PARAM_FACTORY = {"path": "Path", "query": "Query", "header": "Header", "cookie": "Cookie"}
_PARAM_KWARGS = ("ge", "le", "gt", "lt", "multiple_of", "min_length", "max_length", "pattern")
_OPERATION_RESERVED = frozenset({"self", "body", "request", "impl", "principal"})
_PARAM_QUALIFIER = re.compile(r"^(path|query|header|cookie)\.")


def _is_json(media_type: str) -> bool:
    return is_json(media_type, wildcard=True)


def _status_key(status: str) -> tuple[int, str]:
    if status.isdigit():
        return (0, status)
    if status.upper().endswith("XX"):
        return (1, status)
    return (2, status)


class _ApiBuilder(OperationDetails):
    def __init__(self, contract: LoadedContract, name: str, source: str) -> None:
        self.contract = contract
        self.doc = contract.document
        self.name = name
        self.source = source
        self.errors: list[ContractError] = []
        self.schemas = SchemaBuilder(contract, self.errors)
        self.operation_names = UniqueNames(_OPERATION_RESERVED)
        self.class_prefixes = UniqueNames()
        self.operation_ids = UniqueNames(self._explicit_operation_ids())

    def _explicit_operation_ids(self) -> set[str]:
        return {
            op.node["operationId"]
            for op in iter_operations(self.doc)
            if isinstance(op.node.get("operationId"), str)
        }

    def deref(self, node: Any) -> Any:
        return deref(self.doc, node)

    def build(self) -> Api:
        self.schemas.build_components()
        operations = [
            self.operation(
                site.path,
                site.method,
                site.item,
                site.node,
                join_pointer(site.listed_at, site.method),
            )
            for site in iter_operations(self.doc)
        ]
        problems = problem_types(self.contract, self.errors)
        if self.errors:
            raise ContractErrors(self.errors)
        self.schemas.relax(self._text_filled_models(operations))
        info = self.doc.get("info") or {}
        tag_docs = {
            t.get("name"): t.get("description")
            for t in self.doc.get("tags") or []
            if isinstance(t, dict)
        }
        tags: list[TagIR] = []
        tag_order = [t.get("name") for t in self.doc.get("tags") or [] if isinstance(t, dict)]
        used = sorted(
            {op.tag for op in operations},
            key=lambda t: (t not in tag_order, tag_order.index(t) if t in tag_order else 0, t),
        )
        protocol_names = UniqueNames({pascal_case(self.name) + "Api"})
        for tag in used:
            tags.append(
                TagIR(
                    name=tag,
                    protocol_name=protocol_names.claim(pascal_case(tag) + "Api"),
                    description=tag_docs.get(tag),
                    operations=tuple(op for op in operations if op.tag == tag),
                )
            )
        return Api(
            name=self.name,
            class_prefix=pascal_case(self.name),
            title=str(info.get("title", self.name)),
            version=str(info.get("version", "")),
            openapi_version=str(self.doc.get("openapi")),
            description=info.get("description"),
            source=self.source,
            sha256=self.contract.sha256,
            models=self.schemas.ordered_models(),
            tags=tuple(tags),
            operations=tuple(operations),
            security_schemes=self.security_schemes(),
            servers=self.servers(),
            problem_types=problems,
        )

    @staticmethod
    def _text_filled_models(operations: list[OperationIR]) -> set[str]:
        names: set[str] = set()
        for op in operations:
            for p in op.parameters:
                if p.style == "deep_object" and isinstance(p.adapter_type, ModelRef):
                    names.add(p.adapter_type.name)
            if op.body is not None and op.body.kind == "form" and op.body.py_type is not None:
                first = first_member(op.body.py_type)
                if isinstance(first, ModelRef):
                    names.add(first.name)
        return names

    # -- operations ----------------------------------------------------------

    def operation(
        self, path: str, method: str, item: dict[str, Any], op: dict[str, Any], pointer: str
    ) -> OperationIR:
        op_id = op.get("operationId")
        if not isinstance(op_id, str) or not op_id:
            op_id = self.operation_ids.claim(snake_case(f"{method} {path}"), separator="_")
        py_name = self.operation_names.claim(safe_identifier(snake_case(op_id)), separator="_")
        prefix = self.class_prefixes.claim(pascal_case(op_id))
        parameters = self.parameters(item, op, pointer, prefix)
        route_path = path
        for p in parameters:
            if p.location == "path":
                route_path = route_path.replace("{" + p.name + "}", "{" + p.py_name + "}")
        body = self.body(op.get("requestBody"), pointer + "/requestBody", prefix, parameters)
        responses = self.responses(op.get("responses") or {}, pointer + "/responses", prefix)
        success = [r for r in responses if r.status_code is not None and 200 <= r.status_code < 300]
        tags = tuple(str(t) for t in op.get("tags") or [] if isinstance(t, str)) or ("default",)
        return OperationIR(
            operation_id=op_id,
            py_name=py_name,
            class_prefix=prefix,
            method=method.upper(),
            path=path,
            route_path=route_path,
            tag=tags[0],
            tags=tags,
            summary=op.get("summary"),
            description=op.get("description"),
            deprecated=bool(op.get("deprecated")),
            parameters=tuple(parameters),
            body=body,
            responses=tuple(responses),
            success_status=success[0].status_code or 200 if success else 200,
            success_model=success[0].body_type if success else None,
            result_alias=prefix + "Result",
            client_return=_union(r.client_body_type for r in success) if success else NONE,
            client_any_body=_union(r.client_body_type for r in responses),
            security=self.security(op),
            auth=self.auth(op),
        )

    def parameters(
        self, item: dict[str, Any], op: dict[str, Any], pointer: str, prefix: str
    ) -> list[ParameterIR]:
        merged: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
        for source, base in ((item, pointer.rsplit("/", 1)[0]), (op, pointer)):
            for i, raw in enumerate(source.get("parameters") or []):
                param = self.deref(raw)
                if isinstance(param, dict) and isinstance(param.get("name"), str):
                    merged[(param["name"], str(param.get("in")))] = (
                        param,
                        f"{base}/parameters/{i}",
                    )
        names = UniqueNames(_OPERATION_RESERVED)
        order = {"path": 0, "query": 1, "header": 2, "cookie": 3}
        result = []
        for (name, where), (param, ppointer) in sorted(
            merged.items(), key=lambda kv: (order.get(kv[0][1], 9), kv[0][0])
        ):
            if where not in _PARAM_FACTORY:
                continue
            py_name = safe_identifier(snake_case(name))
            if py_name in names:
                py_name = f"{where}_{py_name}"
            py_name = names.claim(py_name, separator="_")
            result.append(self.parameter(name, where, py_name, param, ppointer, prefix))
        return result

    def parameter(
        self, name: str, where: str, py_name: str, param: dict[str, Any], pointer: str, prefix: str
    ) -> ParameterIR:
        schema = param.get("schema")
        schema_pointer = pointer + "/schema"
        if schema is None and isinstance(param.get("content"), dict) and param["content"]:
            media = next(iter(param["content"]))
            schema = (param["content"][media] or {}).get("schema")
            schema_pointer = join_pointer(pointer, "content", media, "schema")
        required = bool(param.get("required")) or where == "path"
        expr = self.schemas.type_of(schema or {}, schema_pointer, prefix + pascal_case(name))
        resolved = self.deref(schema) if isinstance(schema, dict) else {}
        resolved = resolved if isinstance(resolved, dict) else {}
        style = param.get("style") or ("form" if where in ("query", "cookie") else "simple")
        explode = param.get("explode", style == "form")
        first = first_member(expr.expr)
        is_array = isinstance(first, Generic) and first.origin == "list"
        is_object = isinstance(expr.expr, ModelRef) and self._is_model_class(expr.expr)
        default_schema = schema if isinstance(schema, dict) and "default" in schema else resolved
        default = None if required else self._param_default(default_schema, expr)
        py_type = qualified(expr.expr)
        if expr.nullable or (not required and default == "None"):
            py_type = union(py_type, NONE)
        description = param.get("description")
        kwargs: list[str] = []
        if where != "path":
            kwargs.append(f"alias={name!r}")
        kwargs.extend(f"{k}={v}" for k, v in expr.constraints.items() if k in _PARAM_KWARGS)
        if isinstance(description, str) and description.strip():
            kwargs.append(f"description={description.strip()!r}")
        if param.get("deprecated"):
            kwargs.append("deprecated=True")
        factory = _PARAM_FACTORY[where]
        plain = "plain"
        raw_annotation: PyType | None = None
        adapter_type: PyType | None = None
        separator = ","
        if is_object or (where == "query" and style == "deepObject"):
            plain = "deep_object"
            collected = union(Generic("dict", (Name("str"), Name("str"))), NONE)
            depends = Call("Depends", (Call("deep_object", (repr(name),)),))
            raw_annotation = Annotated(collected, (depends,))
            adapter_type = qualified(expr.expr)
        elif is_array and (
            where in ("path", "header")
            or not explode
            or style in ("spaceDelimited", "pipeDelimited")
        ):
            plain = "delimited"
            separator = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(style, ",")
            alias_kw = () if where == "path" else (f"alias={name!r}",)
            raw_type = Name("str") if required else union(Name("str"), NONE)
            raw_annotation = Annotated(raw_type, (Call(factory, alias_kw),))
            adapter_type = qualified(
                TypeExpr(expr.expr, expr.constraints, expr.metadata).with_constraints()
            )
        annotation = Annotated(py_type, (Call(factory, tuple(kwargs)),))
        found, sample = self.example(param)
        if not found and isinstance(param.get("content"), dict) and param["content"]:
            found, sample = self.example(next(iter(param["content"].values())))
        if not found:
            found, sample = self.schema_example(schema, defaults=True)
        return ParameterIR(
            name=name,
            py_name=py_name,
            location=where,  # type: ignore[arg-type]
            required=required,
            py_type=py_type,
            annotation=annotation,
            default=default,
            description=description if isinstance(description, str) else None,
            style=plain,  # type: ignore[arg-type]
            raw_annotation=raw_annotation,
            adapter_type=adapter_type,
            separator=separator,
            client_type=union(qualified(expr.expr), NONE)
            if expr.nullable or not required
            else qualified(expr.expr),
            example_json=sample_json(sample) if found else None,
        )

    def _is_model_class(self, expr: ModelRef) -> bool:
        model = self.schemas.models.get(expr.name)
        return model is not None and model.kind == "class"

    def _param_default(self, schema: dict[str, Any], expr: TypeExpr) -> str:
        if "default" not in schema or schema["default"] is None:
            return "None"
        value = schema["default"]
        model = self.schemas.models.get(expr.expr.name) if isinstance(expr.expr, ModelRef) else None
        if model is not None and model.kind == "enum":
            for member in model.members:
                if member.value == repr(value):
                    return f"models.{model.name}.{member.name}"
        if isinstance(value, list):
            return repr(tuple(value)).replace("(", "[", 1)[:-1] + "]" if value else "[]"
        return repr(value)

    # -- bodies -----------------------------------------------------------------

    def named_type(self, schema: Any, pointer: str, hint: str) -> tuple[PyType, bool]:
        """A contract body schema as a named model (hoisting inline ones)."""
        if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            expr = self.schemas.type_of(schema, pointer, hint)
            return qualified(expr.expr), expr.nullable
        if schema is None:
            return ANY, False
        simple = self.schemas.type_of(schema, pointer, hint)
        if (
            isinstance(simple.expr, Name)
            and simple.expr.text in ("str", "int", "float", "bool", "Any", "bytes")
            and not simple.constraints
        ):
            return simple.expr, simple.nullable
        if isinstance(simple.expr, ModelRef):
            return qualified(simple.expr), simple.nullable
        name = self.schemas.hoist_name(hint)
        self.schemas.register_alias(name, simple, schema, pointer)
        return ModelRef(name, "models"), simple.nullable

    def body(
        self, raw: Any, pointer: str, prefix: str, parameters: list[ParameterIR]
    ) -> BodyIR | None:
        body = self.deref(raw)
        if not isinstance(body, dict) or not isinstance(body.get("content"), dict):
            return None
        content: dict[str, Any] = body["content"]
        if not content:
            return None
        required = bool(body.get("required"))
        chosen = next((m for m in content if _is_json(m)), None)
        kind = "json"
        if chosen is None:
            chosen = next(
                (m for m in content if m.startswith("application/x-www-form-urlencoded")), None
            )
            kind = "form"
        if chosen is None:
            chosen = next((m for m in content if m.startswith("multipart/")), None)
            kind = "multipart"
        if chosen is None:
            chosen, kind = next(iter(content)), "raw"
        media = content[chosen] or {}
        media_pointer = join_pointer(pointer, "content", chosen)
        schema = media.get("schema")
        found, sample = self.example(media)
        if not found:
            found, sample = self.schema_example(schema)
        if not found and kind in ("json", "form") and schema is not None:
            found, sample = True, self.sample(schema)
        example = sample_json(sample) if found else None
        if kind == "raw":
            raw = Name("bytes")
            return BodyIR("raw", chosen, required, raw, raw, None, example_json=example)
        if kind == "multipart":
            multipart = self.multipart(
                schema, media_pointer + "/schema", prefix, chosen, required, parameters
            )
            return replace(multipart, example_json=example)
        py_type, nullable = self.named_type(schema, media_pointer + "/schema", prefix + "Body")
        if nullable or not required:
            py_type = union(py_type, NONE)
        factory = "Body" if kind == "json" else "Form"
        annotation = Annotated(py_type, (Call(factory, (f"media_type={chosen!r}",)),))
        return BodyIR(
            kind,  # type: ignore[arg-type]
            chosen,
            required,
            py_type,
            annotation,
            None if required else "None",
            example_json=example,
            unique_fields=self.unique_fields(schema),
        )

    def multipart(
        self,
        schema: Any,
        pointer: str,
        prefix: str,
        media_type: str,
        required: bool,
        parameters: list[ParameterIR],
    ) -> BodyIR:
        resolved = self.deref(schema)
        fields: list[FormFieldIR] = []
        taken = UniqueNames(_OPERATION_RESERVED | {p.py_name for p in parameters})
        if isinstance(resolved, dict):
            props, req, _add, _desc = self.schemas._merge_object(resolved, pointer)
            for name, (prop, prop_pointer) in props.items():
                prop_r = self.deref(prop) if isinstance(prop, dict) else {}
                prop_r = prop_r if isinstance(prop_r, dict) else {}
                items = self.deref(prop_r.get("items")) if prop_r.get("type") == "array" else None
                is_file = _is_binary(prop_r)
                is_files = isinstance(items, dict) and _is_binary(items)
                py_name = taken.claim(safe_identifier(snake_case(name)), separator="_")
                field_required = name in req and required
                base: PyType
                if is_file or is_files:
                    upload = Name("UploadFile")
                    base = Generic("list", (upload,)) if is_files else upload
                    factory = "File"
                else:
                    expr = self.schemas.type_of(prop, prop_pointer, prefix + pascal_case(name))
                    base = qualified(expr.expr)
                    factory = "Form"
                py_type = base if field_required else union(base, NONE)
                fields.append(
                    FormFieldIR(
                        name=name,
                        py_name=py_name,
                        py_type=py_type,
                        annotation=Annotated(py_type, (Call(factory, (f"alias={name!r}",)),)),
                        default=None if field_required else "None",
                        is_file=is_file or is_files,
                    )
                )
        return BodyIR("multipart", media_type, required, None, None, None, tuple(fields))

    # -- responses -----------------------------------------------------------------

    def responses(self, raw: dict[str, Any], pointer: str, prefix: str) -> list[ResponseIR]:
        result = []
        for status in sorted(raw, key=_status_key):
            response = self.deref(raw[status])
            if not isinstance(response, dict):
                continue
            status_pointer = join_pointer(pointer, status)
            content = response.get("content") or {}
            media_types = tuple(content) if isinstance(content, dict) else ()
            json_media = next((m for m in media_types if _is_json(m)), None)
            body_type: PyType | None = None
            example = None
            label = status.upper() if not status.isdigit() else status
            if label == "DEFAULT":
                label = "Default"
            if json_media is not None:
                schema = (content[json_media] or {}).get("schema")
                hint = f"{prefix}{label}Body"
                body_type, nullable = self.named_type(
                    schema, join_pointer(status_pointer, "content", json_media, "schema"), hint
                )
                if nullable:
                    body_type = union(body_type, NONE)
                if status.startswith("2"):  # only success examples are used (and cost time)
                    found, sample = self.example(content[json_media])
                    if not found:
                        found, sample = self.schema_example(schema)
                    example = sample_json(sample) if found else None
            streams = any(not _is_json(m) for m in media_types)
            headers = tuple(sorted((response.get("headers") or {}).keys()))
            code = int(status) if status.isdigit() else None
            result.append(
                ResponseIR(
                    status=status,
                    status_code=code,
                    class_name=f"{prefix}{label}Response",
                    description=str(response.get("description") or "").strip(),
                    media_types=media_types,
                    json_media_type=json_media,
                    body_type=body_type,
                    streams=streams,
                    is_error=(code is None and status != "default" and status[0] in "45")
                    or (code is not None and code >= 400)
                    or status == "default",
                    headers=headers,
                    client_body_type=body_type or _client_raw_type(media_types),
                    example_json=example,
                    links=tuple(
                        link
                        for link_name, raw in sorted_links(response.get("links"))
                        if (link := self.link(link_name, raw)) is not None
                    ),
                )
            )
        return result


TEXTUAL = ("text/", "application/x-ndjson", "application/jsonl", "application/xml", "application/yaml",
           "application/x-yaml", "application/csv")  # fmt: skip


def is_textual(media_type: str) -> bool:
    return media_type.lower().startswith(TEXTUAL) or media_type.lower().endswith("+xml")


def _client_raw_type(media_types: tuple[str, ...]) -> PyType:
    """What a client gets for a response with no JSON body: text, bytes, or nothing."""
    others = [m for m in media_types if not _is_json(m)]
    if not others:
        return NONE
    return Name("str") if all(is_textual(m) for m in others) else Name("bytes")


def _union(types: Iterable[PyType]) -> PyType:
    """The members of ``types``, each once (by spelling), None last."""
    parts: dict[str, PyType] = {}
    for t in types:
        for part in members(t):
            parts.setdefault(str(part), part)
    if "None" in parts:
        parts["None"] = parts.pop("None")
    return union(*parts.values()) if parts else NONE


def _is_binary(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "string" and (
        schema.get("format") in ("binary", "base64") or "contentMediaType" in schema
    )


def build_api(contract: LoadedContract, *, name: str, source: str) -> Api:
    """Validate ``contract`` and build its IR, or raise :class:`ContractErrors`."""
    errors = validate_contract(contract)
    if errors:
        raise ContractErrors(errors)
    return _ApiBuilder(contract, name, source).build()
