"""JSON Schema -> TypeScript type strings, in the shape openapi-typescript emits.

The output is ``paths``, ``components`` and ``operations`` interfaces (so
openapi-fetch's ``createClient<paths>()`` types every call) plus one named
export per component schema. References stay references
(``components["schemas"]["Pet"]``), so recursive schemas need nothing special.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .loader import resolve_ref, unescape_pointer
from .openapi import HTTP_METHODS, deref

__all__ = ["TsBuilder", "TsModule", "TsOperation", "TsPath"]

_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_KINDS = ("schemas", "responses", "parameters", "requestBodies", "headers", "pathItems")


def ts_key(name: str) -> str:
    return name if _IDENT.match(name) else json.dumps(name)


def ts_literal(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _comment(lines: list[str], pad: str) -> str:
    safe = [line.replace("*/", "*\\/") for line in lines if line is not None]
    if not safe:
        return ""
    if len(safe) == 1:
        return f"{pad}/** {safe[0]} */\n"
    body = "".join(f"{pad} * {line}\n".replace(" * \n", " *\n") for line in safe)
    return f"{pad}/**\n{body}{pad} */\n"


def _doc(schema: Any) -> list[str]:
    if not isinstance(schema, dict):
        return []
    lines: list[str] = []
    if schema.get("deprecated"):
        lines.append("@deprecated")
    fmt = schema.get("format")
    if isinstance(fmt, str):
        lines.append(f"Format: {fmt}")
    desc = schema.get("description")
    if isinstance(desc, str) and desc.strip():
        text = desc.strip().splitlines()
        lines.append(f"@description {text[0]}")
        lines.extend(text[1:])
    if "default" in schema:
        lines.append(f"@default {json.dumps(schema['default'], ensure_ascii=False)}")
    return lines


@dataclass(frozen=True, slots=True)
class TsComponent:
    kind: str
    name: str
    ts_type: str
    doc: str


@dataclass(frozen=True, slots=True)
class TsOperation:
    key: str  # operations["key"]
    body: str  # the operation object type, rendered


@dataclass(frozen=True, slots=True)
class TsPath:
    path: str
    body: str


@dataclass(frozen=True, slots=True)
class TsModule:
    paths: tuple[TsPath, ...]
    components: dict[str, tuple[TsComponent, ...]]
    operations: tuple[TsOperation, ...]
    aliases: tuple[tuple[str, str], ...]  # (export name, schema name)
    recursive: dict[str, str]  # export name -> its own definition (self-recursive unions/arrays)


class TsBuilder:
    def __init__(
        self,
        document: dict[str, Any],
        operation_ids: dict[tuple[str, str], str],
        aliases: dict[str, str],
    ) -> None:
        self.doc = _narrow_discriminators(json.loads(json.dumps(document)))
        self.is_30 = str(document.get("openapi", "")).startswith("3.0")
        self.operation_ids = operation_ids
        self.alias_names = aliases
        # components/pathItems/X -> the path that uses it (its operations are named by that path)
        self.path_item_paths: dict[str, str] = {}
        for path, item in (self.doc.get("paths") or {}).items():
            ref = item.get("$ref") if isinstance(item, dict) else None
            if isinstance(ref, str) and ref.startswith("#/components/pathItems/"):
                self.path_item_paths.setdefault(unescape_pointer(ref.rsplit("/", 1)[-1]), path)

    # -- schemas -------------------------------------------------------------------

    def ref(self, ref: str) -> str:
        if ref.startswith("#/components/"):
            parts = [unescape_pointer(p) for p in ref[len("#/components/") :].split("/")]
            if len(parts) == 2 and parts[0] in _KINDS:
                return f"components[{ts_literal(parts[0])}][{ts_literal(parts[1])}]"
        return "unknown"

    def schema(self, schema: Any, indent: int) -> str:
        if schema is True or schema is None or schema == {}:
            return "unknown"
        if schema is False:
            return "never"
        if not isinstance(schema, dict):
            return "unknown"
        result = self._schema(schema, indent)
        if (
            self._nullable(schema)
            and result not in ("unknown", "null")
            and not result.endswith("| null")
        ):
            result = f"{result} | null"
        return result

    def _nullable(self, schema: dict[str, Any]) -> bool:
        if schema.get("nullable") is True:
            return True
        t = schema.get("type")
        return isinstance(t, list) and "null" in t and len(t) > 1

    def _schema(self, schema: dict[str, Any], indent: int) -> str:
        if isinstance(schema.get("$ref"), str):
            return self.ref(schema["$ref"])
        if "const" in schema:
            return ts_literal(schema["const"])
        if isinstance(schema.get("enum"), list):
            values = [ts_literal(v) for v in schema["enum"]]
            return " | ".join(dict.fromkeys(values)) or "never"
        if "oneOf" in schema or "anyOf" in schema:
            key = "oneOf" if "oneOf" in schema else "anyOf"
            parts = [
                self._wrap(self.schema(v, indent))
                for v in schema[key]
                if isinstance(v, dict | bool)
            ]
            union = " | ".join(dict.fromkeys(parts)) or "unknown"
            if schema.get("properties") or (
                schema.get("type") == "object" and schema.get("properties")
            ):
                return f"{self._object(schema, indent)} & ({union})"
            return union
        if "allOf" in schema:
            parts = [self._wrap(self.schema(v, indent)) for v in schema["allOf"]]
            own = {k: v for k, v in schema.items() if k not in ("allOf", "description", "nullable")}
            if own.get("properties") or own.get("required"):
                parts.append(self._object(own, indent))
            return " & ".join(parts) or "unknown"
        t = schema.get("type")
        types = [x for x in (t if isinstance(t, list) else [t] if t else []) if x != "null"]
        if (isinstance(t, list) and t == ["null"]) or t == "null":
            return "null"
        if not types:
            if "properties" in schema or "additionalProperties" in schema:
                types = ["object"]
            elif "items" in schema:
                types = ["array"]
            else:
                return "unknown"
        rendered = [self._single(schema, x, indent) for x in types]
        return " | ".join(dict.fromkeys(rendered))

    def _single(self, schema: dict[str, Any], json_type: str, indent: int) -> str:
        if json_type == "string":
            return "string"
        if json_type in ("integer", "number"):
            return "number"
        if json_type == "boolean":
            return "boolean"
        if json_type == "array":
            prefix = schema.get("prefixItems")
            if isinstance(prefix, list):
                return "[" + ", ".join(self.schema(p, indent) for p in prefix) + "]"
            items = schema.get("items")
            inner = self.schema(items, indent) if isinstance(items, dict) else "unknown"
            return f"{self._wrap(inner)}[]"
        if json_type == "object":
            return self._object(schema, indent)
        return "unknown"

    @staticmethod
    def _wrap(expr: str) -> str:
        return (
            f"({expr})" if (" | " in expr or " & " in expr) and not expr.startswith("{") else expr
        )

    def _object(self, schema: dict[str, Any], indent: int) -> str:
        props = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        additional = schema.get("additionalProperties")
        if not props and additional in (None, False) and not schema.get("patternProperties"):
            return "Record<string, never>"
        pad = " " * (indent + 4)
        lines = ["{\n"]
        for name, prop in props.items():
            lines.append(_comment(_doc(prop), pad))
            # like openapi-typescript (defaultNonNullable): a property with a default is always present
            has_default = isinstance(prop, dict) and "default" in prop
            optional = "" if name in required or has_default else "?"
            readonly = "readonly " if isinstance(prop, dict) and prop.get("readOnly") else ""
            lines.append(
                f"{pad}{readonly}{ts_key(name)}{optional}: {self.schema(prop, indent + 4)};\n"
            )
        if additional is True or isinstance(additional, dict):
            value = (
                "unknown" if additional is True or props else self.schema(additional, indent + 4)
            )
            if props and isinstance(additional, dict):
                lines.append(" " * indent + "}")
                extra = self.schema(additional, indent + 4)
                return (
                    "".join(lines) + f" & {{\n{pad}[key: string]: {extra};\n" + " " * indent + "}"
                )
            lines.append(f"{pad}[key: string]: {value};\n")
        lines.append(" " * indent + "}")
        return "".join(lines)

    # -- components ----------------------------------------------------------------

    def components(self) -> dict[str, tuple[TsComponent, ...]]:
        comps = self.doc.get("components") or {}
        result: dict[str, tuple[TsComponent, ...]] = {}
        for kind in _KINDS:
            section = comps.get(kind) or {}
            items = []
            for name, value in section.items():
                if kind == "schemas":
                    items.append(
                        TsComponent(
                            kind, name, self.schema(value, 8), _comment(_doc(value), " " * 8)
                        )
                    )
                elif kind == "responses":
                    items.append(
                        TsComponent(
                            kind,
                            name,
                            self.response(value, 8),
                            _comment(self._desc(value), " " * 8),
                        )
                    )
                elif kind == "parameters" or kind == "headers":
                    schema = value.get("schema") if isinstance(value, dict) else None
                    items.append(
                        TsComponent(
                            kind, name, self.schema(schema, 8), _comment(self._desc(value), " " * 8)
                        )
                    )
                elif kind == "requestBodies":
                    items.append(TsComponent(kind, name, self.request_body(value, 8), ""))
                else:
                    path = self.path_item_paths.get(name, "")
                    items.append(TsComponent(kind, name, self.path_item(path, value, 8), ""))
            result[kind] = tuple(items)
        return result

    @staticmethod
    def _desc(value: Any) -> list[str]:
        if isinstance(value, dict) and isinstance(value.get("description"), str):
            text = value["description"].strip().splitlines()
            return [f"@description {text[0]}", *text[1:]] if text else []
        return []

    def deref(self, node: Any) -> Any:
        return deref(self.doc, node)

    # -- operations ------------------------------------------------------------------

    def content(self, content: Any, indent: int) -> str:
        if not isinstance(content, dict) or not content:
            return "never"
        pad = " " * (indent + 4)
        lines = ["{\n"]
        for media, item in content.items():
            schema = item.get("schema") if isinstance(item, dict) else None
            lines.append(f"{pad}{ts_literal(media)}: {self.schema(schema, indent + 4)};\n")
        lines.append(" " * indent + "}")
        return "".join(lines)

    def response(self, response: Any, indent: int) -> str:
        if isinstance(response, dict) and isinstance(response.get("$ref"), str):
            return self.ref(response["$ref"])
        response = response if isinstance(response, dict) else {}
        pad = " " * (indent + 4)
        headers = ["{\n"]
        for name, header in (response.get("headers") or {}).items():
            if isinstance(header, dict) and isinstance(header.get("$ref"), str):
                value = self.ref(header["$ref"])
                resolved = self.deref(header)
            else:
                resolved = header
                value = self.schema(
                    header.get("schema") if isinstance(header, dict) else None, indent + 8
                )
            optional = "" if isinstance(resolved, dict) and resolved.get("required") else "?"
            headers.append(f"{pad}    {ts_key(name)}{optional}: {value};\n")
        headers.append(f"{pad}    [name: string]: unknown;\n{pad}}}")
        content = self.content(response.get("content"), indent + 4)
        content_line = (
            f"{pad}content?: never;\n" if content == "never" else f"{pad}content: {content};\n"
        )
        return (
            "{\n" + f"{pad}headers: " + "".join(headers) + ";\n" + content_line + " " * indent + "}"
        )

    def request_body(self, body: Any, indent: int) -> str:
        if isinstance(body, dict) and isinstance(body.get("$ref"), str):
            return self.ref(body["$ref"])
        body = body if isinstance(body, dict) else {}
        pad = " " * (indent + 4)
        return (
            "{\n"
            + f"{pad}content: {self.content(body.get('content'), indent + 4)};\n"
            + " " * indent
            + "}"
        )

    def parameters(self, params: list[Any], indent: int) -> str:
        pad = " " * (indent + 4)
        grouped: dict[str, list[tuple[str, str, bool, str]]] = {
            "query": [],
            "header": [],
            "path": [],
            "cookie": [],
        }
        for raw in params:
            param = self.deref(raw)
            if not isinstance(param, dict) or param.get("in") not in grouped:
                continue
            if isinstance(raw, dict) and isinstance(raw.get("$ref"), str):
                value = self.ref(raw["$ref"])
            else:
                schema = param.get("schema")
                if schema is None and isinstance(param.get("content"), dict) and param["content"]:
                    schema = next(iter(param["content"].values())).get("schema")
                value = self.schema(schema, indent + 8)
            required = bool(param.get("required")) or param["in"] == "path"
            doc = _comment(self._desc(param), pad + "    ")
            grouped[param["in"]].append((param["name"], value, required, doc))
        lines = ["{\n"]
        for where in ("query", "header", "path", "cookie"):
            entries = grouped[where]
            if not entries:
                lines.append(f"{pad}{where}?: never;\n")
                continue
            optional = "" if any(r for _, _, r, _ in entries) else "?"
            lines.append(f"{pad}{where}{optional}: {{\n")
            for name, value, req, doc in entries:
                lines.append(doc)
                lines.append(f"{pad}    {ts_key(name)}{'' if req else '?'}: {value};\n")
            lines.append(f"{pad}}};\n")
        lines.append(" " * indent + "}")
        return "".join(lines)

    def operation(self, item: dict[str, Any], op: dict[str, Any], indent: int) -> str:
        pad = " " * (indent + 4)
        merged: dict[tuple[str, str], Any] = {}
        for raw in [*(item.get("parameters") or []), *(op.get("parameters") or [])]:
            param = self.deref(raw)
            if isinstance(param, dict):
                merged[(str(param.get("name")), str(param.get("in")))] = raw
        out = ["{\n", f"{pad}parameters: {self.parameters(list(merged.values()), indent + 4)};\n"]
        body = op.get("requestBody")
        if body is None:
            out.append(f"{pad}requestBody?: never;\n")
        else:
            resolved = self.deref(body)
            optional = "" if isinstance(resolved, dict) and resolved.get("required") else "?"
            out.append(f"{pad}requestBody{optional}: {self.request_body(body, indent + 4)};\n")
        out.append(f"{pad}responses: {{\n")
        for status, response in (op.get("responses") or {}).items():
            out.append(_comment(self._desc(self.deref(response)), pad + "    "))
            key = status if status.isdigit() else ts_literal(status)
            out.append(f"{pad}    {key}: {self.response(response, indent + 8)};\n")
        out.append(f"{pad}}};\n")
        out.append(" " * indent + "}")
        return "".join(out)

    def path_item(self, path: str, item: Any, indent: int) -> str:
        item = self.deref(item) if isinstance(item, dict) else {}
        pad = " " * (indent + 4)
        out = [
            "{\n",
            f"{pad}parameters: {self.parameters(list(item.get('parameters') or []), indent + 4)};\n",
        ]
        for method in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
            op = item.get(method)
            if isinstance(op, dict):
                summary = op.get("summary")
                if isinstance(summary, str) and summary.strip():
                    out.append(_comment([summary.strip()], pad))
                op_id = self.operation_ids.get((method.upper(), path))
                if op_id is not None:
                    out.append(f"{pad}{method}: operations[{ts_literal(op_id)}];\n")
                else:
                    out.append(f"{pad}{method}: {self.operation(item, op, indent + 4)};\n")
            else:
                out.append(f"{pad}{method}?: never;\n")
        out.append(" " * indent + "}")
        return "".join(out)

    def build(self) -> TsModule:
        paths: list[TsPath] = []
        operations: list[TsOperation] = []
        for path, raw_item in (self.doc.get("paths") or {}).items():
            item = self.deref(raw_item)
            if not isinstance(item, dict):
                continue
            if isinstance(raw_item, dict) and isinstance(raw_item.get("$ref"), str):
                paths.append(TsPath(path, self.ref(raw_item["$ref"])))
            else:
                paths.append(TsPath(path, self.path_item(path, item, 4)))
            for method in HTTP_METHODS:
                op = item.get(method)
                op_id = self.operation_ids.get((method.upper(), path))
                if isinstance(op, dict) and op_id is not None:
                    operations.append(TsOperation(op_id, self.operation(item, op, 4)))
        schema_names = list((self.doc.get("components") or {}).get("schemas") or {})
        aliases = tuple((self.alias_names.get(n, n), n) for n in schema_names)
        components = self.components()
        recursive: dict[str, str] = {}
        fixed = []
        for comp in components.get("schemas", ()):
            own = f'components["schemas"][{ts_literal(comp.name)}]'
            if own in comp.ts_type and not comp.ts_type.startswith("{"):
                # TypeScript cannot resolve an interface member that refers to itself through a
                # union or array; a top-level type alias can, so the member points at one.
                alias = self.alias_names.get(comp.name, comp.name)
                recursive[alias] = comp.ts_type.replace(own, alias)
                comp = TsComponent(comp.kind, comp.name, alias, comp.doc)
            fixed.append(comp)
        components["schemas"] = tuple(fixed)
        return TsModule(tuple(paths), components, tuple(operations), aliases, recursive)


def _patch(doc: dict[str, Any], ref: str, prop: str, values: list[str]) -> bool:
    target = resolve_ref(doc, ref)
    if not isinstance(target, dict):
        return False
    enum = {"type": "string", "enum": values}
    if isinstance(target.get("allOf"), list):
        target["allOf"].append({"type": "object", "required": [prop], "properties": {prop: enum}})
        return True
    if target.get("type") == "object":
        target.setdefault("properties", {})[prop] = enum
        required = target.setdefault("required", [])
        if prop not in required:
            required.append(prop)
        return True
    return False


def _walk(node: Any, path: list[str], visit: Any) -> None:
    if isinstance(node, dict):
        visit(node, path)
        for key, value in list(node.items()):
            _walk(value, [*path, key], visit)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _walk(value, [*path, str(i)], visit)


def _narrow_discriminators(doc: dict[str, Any]) -> dict[str, Any]:
    """What openapi-typescript does: pin each oneOf variant's discriminator to its value(s)."""
    objects: dict[str, dict[str, Any]] = {}
    handled: list[str] = []

    def first(node: dict[str, Any], path: list[str]) -> None:
        disc = node.get("discriminator")
        if not isinstance(disc, dict) or not isinstance(disc.get("propertyName"), str):
            return
        here = "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in path)
        objects[here] = disc
        variants = node.get("oneOf")
        if not isinstance(variants, list):
            return
        mapping: dict[str, dict[str, Any]] = {}
        for item in variants:
            if isinstance(item, dict) and isinstance(item.get("$ref"), str):
                mapping.setdefault(item["$ref"], {})["inferred"] = item["$ref"].split("/")[-1]
        for value, target in (disc.get("mapping") or {}).items():
            if not target:
                continue
            if not target.startswith("#"):
                target = "#/components/schemas/" + target
            entry = mapping.setdefault(target, {})
            entry.setdefault("defined", []).append(value)
            entry.pop("inferred", None)
        for target, entry in mapping.items():
            if target in handled:
                continue
            values = entry.get("defined") or [entry["inferred"]]
            if _patch(doc, target, disc["propertyName"], values):
                handled.append(target)

    def second(node: dict[str, Any], path: list[str]) -> None:
        parts = node.get("allOf")
        if not isinstance(parts, list):
            return
        here = "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in path)
        for item in parts:
            if isinstance(item, dict) and isinstance(item.get("$ref"), str):
                disc = objects.get(item["$ref"])
                if disc is None:
                    return
                mapping = {
                    v: (t if t.startswith("#") else "#/components/schemas/" + t)
                    for v, t in (disc.get("mapping") or {}).items()
                }
                values = [v for v, target in mapping.items() if target == here]
                if values and _patch(doc, here, disc["propertyName"], values):
                    handled.append(here)
                objects[here] = dict(disc)
            elif isinstance(item, dict) and isinstance(item.get("discriminator"), dict):
                objects[here] = dict(item["discriminator"])

    _walk(doc, [], first)
    _walk(doc, [], second)
    return doc
