"""What a diff reports: change kinds, the rule ids, changes, and the report with its exit code."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from waooaw.codegen.naming import pascal_case, safe_identifier, snake_case
from waooaw.codegen.openapi import HTTP_METHODS

__all__ = [
    "BREAKING",
    "DEPRECATION",
    "KIND_ORDER",
    "RULES",
    "SAFE",
    "Change",
    "ChangeKind",
    "ContractSide",
    "DiffReport",
    "Direction",
    "OperationRef",
    "Side",
]


class ChangeKind(StrEnum):
    BREAKING = "breaking"
    DEPRECATION = "deprecation"
    NON_BREAKING = "non-breaking"


BREAKING, DEPRECATION, SAFE = ChangeKind.BREAKING, ChangeKind.DEPRECATION, ChangeKind.NON_BREAKING
KIND_ORDER = {BREAKING: 0, DEPRECATION: 1, SAFE: 2}

#: Every rule the diff reports, by stable id.
RULES: dict[str, str] = {
    "path-removed": "a path and all its operations were removed",
    "path-added": "a path was added",
    "operation-removed": "an operation (method) was removed from a path",
    "operation-added": "an operation (method) was added to a path",
    "operation-id-changed": "the operationId changed (client method and TS key renamed)",
    "operation-deprecated": "an operation is newly deprecated (with its x-sunset date)",
    "operation-undeprecated": "an operation is no longer deprecated",
    "security-added": "an operation that needed no credentials now needs them",
    "security-changed": "an operation refuses credentials it accepted before",
    "security-relaxed": "an operation accepts more credentials (or none) than before",
    "parameter-removed": "a parameter was removed (the client method loses an argument)",
    "parameter-added": "a parameter was added (breaking when required)",
    "parameter-moved": "a parameter moved to another location (`in` changed)",
    "parameter-renamed": "a parameter was renamed",
    "parameter-required": "an optional parameter became required",
    "parameter-optional": "a required parameter became optional",
    "request-body-added": "a request body was added (breaking when required)",
    "request-body-removed": "the request body was removed",
    "request-body-required": "an optional request body became required",
    "request-body-optional": "a required request body became optional",
    "media-type-removed": "a request or response media type was removed",
    "media-type-added": "a request or response media type was added",
    "response-removed": "a response status was removed",
    "response-added": "a response status was added",
    "property-removed": "a property was removed (the generated model loses the field)",
    "property-added": "a property was added (breaking when required in a request)",
    "property-required": "a property became required (breaking in a request)",
    "property-optional": "a property became optional (breaking in a response)",
    "type-changed": "a type changed (safe only when widening a request or narrowing a response)",
    "format-changed": "a format changed (the generated Python type changes)",
    "enum-changed": "enum values changed (narrowing breaks requests, widening responses)",
    "constraint-changed": "a length, range, size or pattern changed (tightening breaks requests,"
    " loosening responses)",
    "variant-removed": "a oneOf/anyOf/allOf member was removed",
    "variant-added": "a oneOf/anyOf/allOf member was added",
}


Direction = Literal["request", "response"]
Side = Literal["base", "head"]


@dataclass(frozen=True, slots=True)
class OperationRef:
    """An operation, and the names the generators give it."""

    path: str
    method: str  # upper case
    operation_id: str | None = None

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def python_client(self) -> str:
        """The generated client method (``PlantClient.<name>``)."""
        name = self.operation_id or snake_case(f"{self.method.lower()} {self.path}")
        return safe_identifier(snake_case(name))

    @property
    def typescript(self) -> str:
        """The operation's type in the generated TypeScript module."""
        if self.operation_id:
            return f"operations[{json.dumps(self.operation_id)}]"
        # like openapi-typescript, only contract operationIds are keys of `operations`
        return f"paths[{json.dumps(self.path)}][{json.dumps(self.method.lower())}]"

    def sort_key(self) -> tuple[str, int, str]:
        return (self.path, HTTP_METHODS.index(self.method.lower()), self.operation_id or "")


@dataclass(frozen=True, slots=True)
class Change:
    """One classified change between BASE and HEAD."""

    kind: ChangeKind
    rule: str
    pointer: str  # JSON pointer into the document named by `side`
    side: Side  # "base" for removals, "head" otherwise
    message: str
    location: str | None = None  # file:line:col of the pointer, when known
    operations: tuple[OperationRef, ...] = ()
    schema: str | None = None  # the component schema the pointer is inside

    @property
    def python_client(self) -> tuple[str, ...]:
        """Generated client methods whose behaviour or signature the change touches."""
        return tuple(sorted({op.python_client for op in self.operations}))

    @property
    def typescript(self) -> tuple[str, ...]:
        """Generated TypeScript types the change touches: the schema's, then operations'."""
        types = [op.typescript for op in self.operations]
        if self.schema is not None:
            schema = f'components["schemas"][{json.dumps(self.schema)}]'
            types[:0] = [schema, ts_export(self.schema)]
        return tuple(dict.fromkeys(types))

    def as_dict(self) -> dict[str, Any]:
        ops = [
            {
                "method": op.method,
                "path": op.path,
                "operationId": op.operation_id,
                "python_client": op.python_client,
                "typescript": op.typescript,
            }
            for op in self.operations
        ]
        return {
            "kind": str(self.kind),
            "rule": self.rule,
            "pointer": self.pointer,
            "document": self.side,
            "location": self.location,
            "message": self.message,
            "schema": self.schema,
            "operations": ops,
            "python_client": list(self.python_client),
            "typescript": list(self.typescript),
        }


def ts_export(schema: str) -> str:
    """The named export of a component schema (as the TypeScript target names it)."""
    name = pascal_case(schema)
    return name if name[0].isalpha() else "Schema" + name


@dataclass(frozen=True, slots=True)
class ContractSide:
    source: str
    version: str | None


@dataclass(frozen=True, slots=True)
class DiffReport:
    base: ContractSide
    head: ContractSide
    changes: tuple[Change, ...]

    def of_kind(self, kind: ChangeKind) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.kind is kind)

    @property
    def breaking(self) -> tuple[Change, ...]:
        return self.of_kind(BREAKING)

    @property
    def major_bump(self) -> bool:
        """HEAD's ``info.version`` major is greater than BASE's."""
        base, head = _major(self.base.version), _major(self.head.version)
        return base is not None and head is not None and head > base

    def exit_code(self) -> int:
        """1 when there is a breaking change and the major version was not bumped, else 0."""
        return 1 if self.breaking and not self.major_bump else 0

    def counts(self) -> dict[str, int]:
        return {str(k): len(self.of_kind(k)) for k in KIND_ORDER}


def _major(version: str | None) -> int | None:
    match = re.match(r"\s*[vV]?(\d+)", version or "")
    return int(match.group(1)) if match else None
