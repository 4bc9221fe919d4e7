"""What a rule sees: the loaded contract and helpers that walk it the same way for every rule."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from waooaw.codegen.errors import join_pointer
from waooaw.codegen.loader import LoadedContract, resolve_ref
from waooaw.codegen.openapi import follow_ref, iter_operations, iter_schemas, to_json_schema_2020

from .config import LintConfig

__all__ = ["LintContext", "Operation", "Parameter", "status_class"]


@dataclass(frozen=True, slots=True)
class Parameter:
    """A parameter of an operation, ``$ref`` followed."""

    name: str
    location: str
    node: dict[str, Any]
    #: Where the parameter object is written (a component when it was referenced).
    pointer: str
    #: Where the operation (or its path item) lists it.
    listed_at: str


@dataclass(frozen=True, slots=True)
class Operation:
    path: str
    method: str
    pointer: str
    node: dict[str, Any]
    #: Path-item parameters merged with the operation's own (which win).
    parameters: tuple[Parameter, ...]

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def operation_id(self) -> str | None:
        op_id = self.node.get("operationId")
        return op_id if isinstance(op_id, str) and op_id else None


_CONTRACT_URI = "urn:waooaw:contract"
_FRAGMENT_SAFE = "/~!$&'()*+,;=:@-._"


class LintContext:
    """What a rule sees: the contract and helpers that walk it the same way for every rule."""

    def __init__(self, contract: LoadedContract, config: LintConfig) -> None:
        self.contract = contract
        self.config = config
        self.document: dict[str, Any] = contract.document
        version = self.document.get("openapi")
        self.version = "3.0" if isinstance(version, str) and version.startswith("3.0") else "3.1"
        self._operations: list[Operation] | None = None
        self._schemas: list[tuple[str, dict[str, Any]]] | None = None
        self._validators: dict[str, Any] = {}
        self._registry: Any = None

    # -- references

    def lookup(self, ref: str) -> Any:
        """The node a local ``$ref`` (``#/...``) names, or None."""
        return resolve_ref(self.document, ref)

    def resolve(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Follow ``$ref`` chains: the node finally meant (None if broken), and where it is written."""
        return follow_ref(self.document, node, pointer)

    def component(self, kind: str) -> dict[str, Any]:
        components = self.document.get("components")
        section = components.get(kind) if isinstance(components, dict) else None
        return section if isinstance(section, dict) else {}

    # -- operations

    def operations(self) -> list[Operation]:
        """Every operation, in document order."""
        if self._operations is None:
            self._operations = list(self._collect_operations())
        return self._operations

    def _collect_operations(self) -> Iterator[Operation]:
        for site in iter_operations(self.document):
            shared = self._parameters(
                site.item.get("parameters"), site.item_pointer + "/parameters"
            )
            own = self._parameters(site.node.get("parameters"), site.pointer + "/parameters")
            merged = {(p.name, p.location): p for p in (*shared, *own)}
            yield Operation(site.path, site.method, site.pointer, site.node, tuple(merged.values()))

    def _parameters(self, params: Any, pointer: str) -> list[Parameter]:
        found: list[Parameter] = []
        for i, raw in enumerate(params if isinstance(params, list) else []):
            listed_at = f"{pointer}/{i}"
            param, where = self.resolve(raw, listed_at)
            if not isinstance(param, dict):
                continue
            name, location = param.get("name"), param.get("in")
            if isinstance(name, str) and isinstance(location, str):
                found.append(Parameter(name, location, param, where, listed_at))
        return found

    def responses(self, op: Operation) -> Iterator[tuple[str, dict[str, Any], str]]:
        """(status, response, where it is written) for each response of ``op``."""
        responses = op.node.get("responses")
        if not isinstance(responses, dict):
            return
        for status, raw in responses.items():
            resp, where = self.resolve(raw, join_pointer(op.pointer, "responses", str(status)))
            if isinstance(resp, dict):
                yield str(status), resp, where

    def request_body(self, op: Operation) -> tuple[dict[str, Any], str] | None:
        body, where = self.resolve(op.node.get("requestBody"), op.pointer + "/requestBody")
        return (body, where) if isinstance(body, dict) else None

    @staticmethod
    def media_types(holder: dict[str, Any], pointer: str) -> Iterator[tuple[str, Any, str]]:
        """(media type, media type object, pointer) of a body/response/parameter's content."""
        content = holder.get("content")
        if isinstance(content, dict):
            for media_type, media in content.items():
                if isinstance(media, dict):
                    yield media_type, media, join_pointer(pointer, "content", media_type)

    # -- schemas

    def schemas(self) -> list[tuple[str, dict[str, Any]]]:
        """Every schema object in the document, nested ones included, by pointer."""
        if self._schemas is None:
            self._schemas = list(iter_schemas(self.document))
        return self._schemas

    def example_errors(self, schema_pointer: str, value: Any) -> Iterator[tuple[str, str]]:
        """(path inside ``value``, message) for each way ``value`` breaks the schema there."""
        if schema_pointer not in self._validators:
            self._validators[schema_pointer] = self._compile(schema_pointer)
        validator = self._validators[schema_pointer]
        if validator is None:
            return  # the schema itself is broken: openapi-valid says how
        for err in validator.iter_errors(value):
            message = str(err.message)
            if len(message) > 200:
                message = message[:197] + "..."
            yield join_pointer("", *[str(p) for p in err.instance_path]), message

    def _compile(self, schema_pointer: str) -> Any:
        import jsonschema_rs  # compiled lazily: most rules never need it

        if self._registry is None:
            resource = (
                self.document if self.version == "3.1" else to_json_schema_2020(self.document)
            )
            self._registry = jsonschema_rs.Registry(
                [(_CONTRACT_URI, resource)], draft=jsonschema_rs.Draft202012
            )
        fragment = quote(schema_pointer, safe=_FRAGMENT_SAFE)
        try:
            return jsonschema_rs.Draft202012Validator(
                {"$ref": f"{_CONTRACT_URI}#{fragment}"},
                registry=self._registry,
                validate_formats=True,
            )
        except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError, ValueError):
            return None


def status_class(status: str) -> str:
    """'4' for 404 or 4XX, '' for default."""
    return status[0] if status[:1] in "12345" and len(status) == 3 else ""
