"""What the IR records about operations beside their types: servers, examples and
sample values, security requirements and schemes, response links, unique fields."""

from __future__ import annotations

import json
import re
from abc import abstractmethod
from typing import Any

from .ir import LinkIR, SecurityIR, SecurityRequirement, SecuritySchemeIR, ServerIR
from .loader import resolve_ref
from .schemas import SchemaBuilder

__all__ = ["UNIQUE_EXTENSION", "OperationDetails", "sample_json", "sorted_links"]

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


class OperationDetails:
    """The IR builder's readers of examples, security and links (a mixin)."""

    doc: dict[str, Any]
    schemas: SchemaBuilder

    @abstractmethod
    def deref(self, node: Any) -> Any:
        """``node`` with its ``$ref`` chain followed (the builder this is mixed into does it)."""

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


def sorted_links(links: Any) -> list[tuple[str, Any]]:
    """A response's links in contract order (a mapping of name -> link)."""
    return [(str(k), v) for k, v in links.items()] if isinstance(links, dict) else []


def sample_json(value: Any) -> str:
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
