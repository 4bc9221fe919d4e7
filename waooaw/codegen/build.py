"""Contract -> :class:`~waooaw.codegen.ir.Api`: operations, parameters, bodies, responses."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from .errors import ContractError, ContractErrors, join_pointer
from .ir import (
    Api,
    BodyIR,
    FormFieldIR,
    LinkIR,
    OperationIR,
    ParameterIR,
    ResponseIR,
    SecurityIR,
    SecurityRequirement,
    SecuritySchemeIR,
    ServerIR,
    TagIR,
)
from .loader import LoadedContract, resolve_ref
from .naming import UniqueNames, pascal_case, safe_identifier, snake_case
from .problems import problem_types
from .schemas import SchemaBuilder, TypeExpr, qualified, union_parts
from .validate import HTTP_METHODS, validate_contract

__all__ = ["build_api"]

_TEMPLATE = re.compile(r"\{([^{}]+)\}")
_PARAM_FACTORY = {"path": "Path", "query": "Query", "header": "Header", "cookie": "Cookie"}
_PARAM_KWARGS = ("ge", "le", "gt", "lt", "multiple_of", "min_length", "max_length", "pattern")
_OPERATION_RESERVED = frozenset({"self", "body", "request", "impl", "principal"})
_PARAM_QUALIFIER = re.compile(r"^(path|query|header|cookie)\.")
_STRING_SAMPLES = {
    "uuid": "00000000-0000-4000-8000-000000000000",
    "date-time": "2026-01-01T00:00:00Z",
    "date": "2026-01-01",
    "email": "user@example.com",
    "uri": "https://example.com",
}
#: Marks a string property whose value the server refuses to repeat (a 409 on reuse).
UNIQUE_EXTENSION = "x-waooaw-unique"


def _is_json(media_type: str) -> bool:
    base = media_type.split(";", 1)[0].strip().lower()
    return base == "application/json" or base.endswith("+json") or base == "*/*"


def _status_key(status: str) -> tuple[int, str]:
    if status.isdigit():
        return (0, status)
    if status.upper().endswith("XX"):
        return (1, status)
    return (2, status)


class _ApiBuilder:
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
        found: set[str] = set()
        for item in (self.doc.get("paths") or {}).values():
            item = self.deref(item)
            if isinstance(item, dict):
                for method in HTTP_METHODS:
                    op = item.get(method)
                    if isinstance(op, dict) and isinstance(op.get("operationId"), str):
                        found.add(op["operationId"])
        return found

    def deref(self, node: Any) -> Any:
        return self.schemas.deref(node)

    def build(self) -> Api:
        self.schemas.build_components()
        operations: list[OperationIR] = []
        paths = self.doc.get("paths") or {}
        for path in paths:
            item = self.deref(paths[path])
            if not isinstance(item, dict):
                continue
            item_pointer = join_pointer("/paths", path)
            for method in HTTP_METHODS:
                op = item.get(method)
                if isinstance(op, dict):
                    operations.append(
                        self.operation(path, method, item, op, join_pointer(item_pointer, method))
                    )
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

    def servers(self) -> tuple[ServerIR, ...]:
        found = []
        for server in self.doc.get("servers") or []:
            if not isinstance(server, dict) or not isinstance(server.get("url"), str):
                continue
            url = server["url"]
            variables = server.get("variables")
            for name, var in (variables if isinstance(variables, dict) else {}).items():
                if isinstance(var, dict) and "default" in var:
                    url = url.replace("{" + str(name) + "}", str(var["default"]))
            description = server.get("description")
            found.append(ServerIR(url, description if isinstance(description, str) else None))
        return tuple(found)

    # -- examples -------------------------------------------------------------------

    def example(self, node: Any) -> tuple[bool, Any]:
        """A media type's or parameter's ``example``, else its first ``examples`` value."""
        if not isinstance(node, dict):
            return False, None
        if "example" in node:
            return True, node["example"]
        examples = node.get("examples")
        if isinstance(examples, dict):
            for entry in examples.values():
                entry = self.deref(entry)
                if isinstance(entry, dict) and "value" in entry:
                    return True, entry["value"]
        return False, None

    def schema_example(self, schema: Any, *, defaults: bool = False) -> tuple[bool, Any]:
        """A schema's ``example`` / first ``examples`` item; with ``defaults``, its default or
        first enum value too (a sample for a parameter the contract gives no example)."""
        for node in (schema, self.deref(schema)):
            if not isinstance(node, dict):
                continue
            if "example" in node:
                return True, node["example"]
            if isinstance(node.get("examples"), list) and node["examples"]:
                return True, node["examples"][0]
            if defaults and "default" in node:
                return True, node["default"]
            if defaults and isinstance(node.get("enum"), list) and node["enum"]:
                return True, node["enum"][0]
            if defaults and "const" in node:
                return True, node["const"]
        return False, None

    def sample(self, schema: Any, depth: int = 0) -> Any:
        """A value of ``schema`` built from its examples, defaults and types: a body skeleton
        for a contract that gives no example (required properties only)."""
        found, value = self.schema_example(schema, defaults=True)
        resolved = self.deref(schema)
        if found or not isinstance(resolved, dict) or depth > 8:
            return value
        for key in ("oneOf", "anyOf"):
            variants = resolved.get(key)
            if isinstance(variants, list) and variants:
                return self.sample(variants[0], depth + 1)
        types = resolved.get("type")
        kind = next((t for t in types if t != "null"), None) if isinstance(types, list) else types
        if kind == "object" or "properties" in resolved or "allOf" in resolved:
            props, required, _, _ = self.schemas._merge_object(resolved, "")
            return {
                name: self.sample(prop, depth + 1)
                for name, (prop, _) in props.items()
                if name in required
            }
        if kind == "array":
            return (
                [self.sample(resolved.get("items"), depth + 1)] if resolved.get("minItems") else []
            )
        if kind in ("integer", "number"):
            return resolved.get("minimum", 0)
        if kind == "boolean":
            return False
        if kind == "string":
            return _STRING_SAMPLES.get(str(resolved.get("format")), "")
        return None

    def auth(self, op: dict[str, Any]) -> tuple[SecurityIR, ...]:
        """The schemes of the first security requirement; () when the operation is public."""
        requirements = op["security"] if "security" in op else self.doc.get("security")
        if not isinstance(requirements, list) or any(r == {} for r in requirements):
            return ()
        schemes = (self.doc.get("components") or {}).get("securitySchemes") or {}
        for requirement in requirements:
            if not isinstance(requirement, dict):
                continue
            found = [
                scheme
                for name in requirement
                if (scheme := _security_scheme(str(name), self.deref(schemes.get(name))))
            ]
            if found:
                return tuple(found)
        return ()

    def link(self, name: str, raw: Any) -> LinkIR | None:
        node = self.deref(raw)
        if not isinstance(node, dict):
            return None
        op_id = node.get("operationId")
        ref = node.get("operationRef")
        if not isinstance(op_id, str) and isinstance(ref, str):
            target = self.deref(resolve_ref(self.doc, ref))
            op_id = target.get("operationId") if isinstance(target, dict) else None
        params = node.get("parameters")
        pairs = tuple(
            (_PARAM_QUALIFIER.sub("", str(key)), value)
            for key, value in (params if isinstance(params, dict) else {}).items()
            if isinstance(value, str)
        )
        description = node.get("description")
        return LinkIR(
            name=name,
            operation_id=op_id if isinstance(op_id, str) else None,
            parameters=pairs,
            description=description if isinstance(description, str) else None,
        )

    def unique_fields(self, schema: Any) -> tuple[str, ...]:
        resolved = self.deref(schema)
        if not isinstance(resolved, dict):
            return ()
        props = self.schemas._merge_object(resolved, "")[0]
        return tuple(
            name
            for name, (prop, _) in props.items()
            if any(
                isinstance(node, dict) and node.get(UNIQUE_EXTENSION) is True
                for node in (prop, self.deref(prop))
            )
        )

    def security_schemes(self) -> tuple[SecuritySchemeIR, ...]:
        found = (self.doc.get("components") or {}).get("securitySchemes") or {}
        schemes: list[SecuritySchemeIR] = []
        for name in sorted(found):
            raw = self.deref(found[name])
            if not isinstance(raw, dict):
                continue
            schemes.append(
                SecuritySchemeIR(
                    name=str(name),
                    type=str(raw.get("type")),
                    scheme=raw.get("scheme"),
                    location=raw.get("in"),
                    parameter=raw.get("name"),
                    bearer_format=raw.get("bearerFormat"),
                )
            )
        return tuple(schemes)

    def security(self, op: dict[str, Any]) -> tuple[SecurityRequirement, ...]:
        """The operation's own ``security``, else the document's; () when public."""
        raw = op["security"] if "security" in op else self.doc.get("security")
        requirements: list[SecurityRequirement] = []
        for entry in raw or []:
            if isinstance(entry, dict):
                requirements.append(
                    tuple(
                        sorted((str(k), tuple(str(s) for s in v or ())) for k, v in entry.items())
                    )
                )
        return tuple(requirements)

    @staticmethod
    def _text_filled_models(operations: list[OperationIR]) -> set[str]:
        names: set[str] = set()
        for op in operations:
            for p in op.parameters:
                if p.style == "deep_object" and p.adapter_type:
                    names.add(p.adapter_type.removeprefix("models."))
            if op.body is not None and op.body.kind == "form":
                names.add(op.body.py_type.removeprefix("models.").split(" | ")[0])
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
            client_return=_union(r.client_body_type for r in success) if success else "None",
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
        is_array = expr.expr.startswith("list[")
        is_object = expr.expr.startswith("\x00") and self._is_model_class(expr.expr)
        default_schema = schema if isinstance(schema, dict) and "default" in schema else resolved
        default = None if required else self._param_default(default_schema, expr)
        py_type = qualified(expr.expr)
        if expr.nullable or (not required and default == "None"):
            py_type += " | None"
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
        raw_annotation = adapter_type = None
        separator = ","
        if is_object or (where == "query" and style == "deepObject"):
            plain = "deep_object"
            raw_annotation = f"Annotated[dict[str, str] | None, Depends(deep_object({name!r}))]"
            adapter_type = qualified(expr.expr)
        elif is_array and (
            where in ("path", "header")
            or not explode
            or style in ("spaceDelimited", "pipeDelimited")
        ):
            plain = "delimited"
            separator = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(style, ",")
            alias_kw = "" if where == "path" else f"alias={name!r}"
            raw_type = "str" if required else "str | None"
            raw_annotation = f"Annotated[{raw_type}, {factory}({alias_kw})]"
            adapter_type = qualified(
                TypeExpr(expr.expr, expr.constraints, expr.metadata).with_constraints()
            )
        annotation = f"Annotated[{py_type}, {factory}({', '.join(kwargs)})]"
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
            client_type=qualified(expr.expr) + (" | None" if expr.nullable or not required else ""),
            example_json=_json(sample) if found else None,
        )

    def _is_model_class(self, expr: str) -> bool:
        name = expr.strip("\x00")
        model = self.schemas.models.get(name)
        return model is not None and model.kind == "class"

    def _param_default(self, schema: dict[str, Any], expr: TypeExpr) -> str:
        if "default" not in schema or schema["default"] is None:
            return "None"
        value = schema["default"]
        name = expr.expr.strip("\x00")
        model = self.schemas.models.get(name)
        if model is not None and model.kind == "enum":
            for member in model.members:
                if member.value == repr(value):
                    return f"models.{model.name}.{member.name}"
        if isinstance(value, list):
            return repr(tuple(value)).replace("(", "[", 1)[:-1] + "]" if value else "[]"
        return repr(value)

    # -- bodies -----------------------------------------------------------------

    def named_type(self, schema: Any, pointer: str, hint: str) -> tuple[str, bool]:
        """A contract body schema as a named model (hoisting inline ones)."""
        if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            expr = self.schemas.type_of(schema, pointer, hint)
            return qualified(expr.expr), expr.nullable
        if schema is None:
            return "Any", False
        simple = self.schemas.type_of(schema, pointer, hint)
        if (
            simple.expr in ("str", "int", "float", "bool", "Any", "bytes")
            and not simple.constraints
        ):
            return simple.expr, simple.nullable
        if (
            simple.expr.startswith("\x00")
            and simple.expr.endswith("\x00")
            and simple.expr.count("\x00") == 2
        ):
            return qualified(simple.expr), simple.nullable
        name = self.schemas.hoist_name(hint)
        self.schemas.register_alias(name, simple, schema, pointer)
        return f"models.{name}", simple.nullable

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
        example = _json(sample) if found else None
        if kind == "raw":
            return BodyIR("raw", chosen, required, "bytes", "bytes", None, example_json=example)
        if kind == "multipart":
            multipart = self.multipart(
                schema, media_pointer + "/schema", prefix, chosen, required, parameters
            )
            return replace(multipart, example_json=example)
        py_type, nullable = self.named_type(schema, media_pointer + "/schema", prefix + "Body")
        if nullable or not required:
            py_type += " | None"
        factory = "Body" if kind == "json" else "Form"
        annotation = f"Annotated[{py_type}, {factory}(media_type={chosen!r})]"
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
                if is_file or is_files:
                    base = "list[UploadFile]" if is_files else "UploadFile"
                    factory = "File"
                else:
                    expr = self.schemas.type_of(prop, prop_pointer, prefix + pascal_case(name))
                    base = qualified(expr.expr)
                    factory = "Form"
                py_type = base if field_required else f"{base} | None"
                fields.append(
                    FormFieldIR(
                        name=name,
                        py_name=py_name,
                        py_type=py_type,
                        annotation=f"Annotated[{py_type}, {factory}(alias={name!r})]",
                        default=None if field_required else "None",
                        is_file=is_file or is_files,
                    )
                )
        return BodyIR("multipart", media_type, required, "", "", None, tuple(fields))

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
            body_type = None
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
                    body_type += " | None"
                if status.startswith("2"):  # only success examples are used (and cost time)
                    found, sample = self.example(content[json_media])
                    if not found:
                        found, sample = self.schema_example(schema)
                    example = _json(sample) if found else None
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


def _client_raw_type(media_types: tuple[str, ...]) -> str:
    """What a client gets for a response with no JSON body: text, bytes, or nothing."""
    others = [m for m in media_types if not _is_json(m)]
    if not others:
        return "None"
    return "str" if all(is_textual(m) for m in others) else "bytes"


def _union(types: Iterable[str]) -> str:
    parts: list[str] = []
    for t in types:
        for part in union_parts(t):
            if part not in parts:
                parts.append(part)
    if "None" in parts:
        parts.remove("None")
        parts.append("None")
    return " | ".join(parts) or "None"


def sorted_links(links: Any) -> list[tuple[str, Any]]:
    """A response's links in contract order (a mapping of name -> link)."""
    return [(str(k), v) for k, v in links.items()] if isinstance(links, dict) else []


def _json(value: Any) -> str:
    # YAML scalars JSON lacks (dates are kept as text by the loader) fall back to str
    return json.dumps(value, ensure_ascii=False, default=str)


def _security_scheme(name: str, scheme: Any) -> SecurityIR | None:
    if not isinstance(scheme, dict):
        return None
    kind = scheme.get("type")
    if kind == "http":
        http = str(scheme.get("scheme", "")).lower()
        if http in ("bearer", "basic"):
            return SecurityIR(name, http, "header", "Authorization")  # type: ignore[arg-type]
        return None
    if kind in ("oauth2", "openIdConnect"):
        return SecurityIR(name, "bearer", "header", "Authorization")
    where, key = scheme.get("in"), scheme.get("name")
    if kind == "apiKey" and where in ("header", "query", "cookie") and isinstance(key, str):
        return SecurityIR(name, "api_key", where, key)
    return None


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
