"""``waooaw lint``: house rules a contract must follow beyond being valid OpenAPI.

Every rule is a function registered with :func:`rule`. It receives a
:class:`LintContext` (the loaded contract plus helpers: operations with their
parameters resolved, responses, media types, every schema) and yields
``(pointer, message)`` pairs, where ``pointer`` is a JSON pointer into the
bundled document; the linter turns each into a :class:`Finding` with the file,
line and column the node was written at (in ``shared.yaml`` when it came from
there)::

    @rule("operation-summary", severity="warning", rationale="Summaries title the docs.")
    def _operation_summary(ctx: LintContext) -> Iterator[Hit]:
        for op in ctx.operations():
            if not op.node.get("summary"):
                yield op.pointer, f"{op.label} has no summary"

Rule ids are stable: configuration (``[tool.waooaw.lint]`` in pyproject.toml)
and CI output name them. A rule may also yield a ready-made
:class:`~waooaw.codegen.errors.ContractError`, as ``openapi-valid`` does with
the validator's errors, which are already located.

Pipeline: :func:`load_config` -> :func:`lint_files` (load, validate, run the
enabled rules, apply severities) -> :func:`render` (text, json, github) and
:func:`exit_code`.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeAlias, get_args
from urllib.parse import quote

from waooaw.codegen.errors import ContractError, ContractErrors, join_pointer
from waooaw.codegen.loader import LoadedContract, load_contract, resolve_ref, unescape_pointer
from waooaw.codegen.validate import HTTP_METHODS, validate_contract

__all__ = [
    "FORMATS",
    "Finding",
    "Hit",
    "LintConfig",
    "LintConfigError",
    "LintContext",
    "LintReport",
    "Operation",
    "Parameter",
    "Rule",
    "exit_code",
    "lint_contract",
    "lint_files",
    "load_config",
    "render",
    "rule",
    "rules",
    "to_json_schema_2020",
]

Severity: TypeAlias = Literal["error", "warning"]
Format: TypeAlias = Literal["text", "json", "github"]
FORMATS: tuple[str, ...] = get_args(Format)
SEVERITIES: tuple[str, ...] = get_args(Severity)

#: What a rule yields: (JSON pointer into the bundled document, message), or a located error.
Hit: TypeAlias = tuple[str, str] | ContractError
Check: TypeAlias = Callable[["LintContext"], Iterable[Hit]]


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True, slots=True)
class Rule:
    """A registered rule: stable id, default severity, why it exists, and the check."""

    id: str
    severity: Severity
    rationale: str
    check: Check = field(repr=False, compare=False)


_REGISTRY: dict[str, Rule] = {}


def rule(id: str, *, severity: Severity, rationale: str) -> Callable[[Check], Check]:
    """Register the decorated function as the check of rule ``id``."""
    if severity not in SEVERITIES:
        raise ValueError(f"rule {id!r}: severity must be one of {', '.join(SEVERITIES)}")

    def register(check: Check) -> Check:
        if id in _REGISTRY:
            raise ValueError(f"rule {id!r} is registered twice")
        _REGISTRY[id] = Rule(id, severity, rationale, check)
        return check

    return register


def rules() -> list[Rule]:
    """Every registered rule, in registration order (for ``--list-rules``)."""
    return list(_REGISTRY.values())


# --------------------------------------------------------------------------- config


class LintConfigError(ValueError):
    """``[tool.waooaw.lint]`` is malformed or names a rule that does not exist."""


_DEFAULT_MAX_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class LintConfig:
    """Which rules run, at which severity, and the knobs some rules read."""

    #: Only these rules run; ``None``: every registered rule.
    enable: frozenset[str] | None = None
    disable: frozenset[str] = frozenset()
    #: rule id -> severity replacing the rule's default.
    severity: Mapping[str, Severity] = field(default_factory=dict)
    #: Tags operations may use without declaring them in the contract's top-level ``tags``.
    known_tags: frozenset[str] = frozenset()
    #: The largest ``maximum`` a list operation's ``limit`` parameter may declare.
    max_limit: int = _DEFAULT_MAX_LIMIT

    def __post_init__(self) -> None:
        named = [*(self.enable or ()), *self.disable, *self.severity]
        unknown = sorted({r for r in named if r not in _REGISTRY})
        if unknown:
            raise LintConfigError(
                f"unknown lint rule {unknown[0]!r}; `waooaw lint --list-rules` lists them"
            )
        for rule_id, level in self.severity.items():
            if level not in SEVERITIES:
                raise LintConfigError(
                    f"severity of {rule_id!r} must be one of {', '.join(SEVERITIES)}, not {level!r}"
                )
        if self.max_limit < 1:
            raise LintConfigError("max_limit must be a positive integer")

    def active(self) -> list[Rule]:
        return [
            r
            for r in _REGISTRY.values()
            if (self.enable is None or r.id in self.enable) and r.id not in self.disable
        ]

    def severity_of(self, r: Rule) -> Severity:
        return self.severity.get(r.id, r.severity)


_CONFIG_KEYS = {"enable", "disable", "severity", "known_tags", "max_limit"}


def load_config(pyproject: Path | None) -> LintConfig:
    """Read ``[tool.waooaw.lint]`` from ``pyproject``; defaults when None or absent.

    Keys: ``enable``/``disable`` (lists of rule ids), ``severity`` (table: rule id ->
    "error" or "warning"), ``known_tags`` (list), ``max_limit`` (integer).
    """
    if pyproject is None:
        return LintConfig()
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LintConfigError(f"{pyproject}: {exc}") from exc
    section = data.get("tool", {}).get("waooaw", {}).get("lint", {})
    if not isinstance(section, dict):
        raise LintConfigError(f"{pyproject}: [tool.waooaw.lint] must be a table")
    where = f"{pyproject}: [tool.waooaw.lint]"
    extra = sorted(set(section) - _CONFIG_KEYS)
    if extra:
        raise LintConfigError(
            f"{where}: unknown key {extra[0]!r} (expected {', '.join(sorted(_CONFIG_KEYS))})"
        )

    def names(key: str) -> frozenset[str] | None:
        value = section.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise LintConfigError(f"{where}: {key} must be a list of strings")
        return frozenset(value)

    severity = section.get("severity", {})
    if not isinstance(severity, dict):
        raise LintConfigError(f'{where}: severity must be a table, e.g. {{rule = "warning"}}')
    max_limit = section.get("max_limit", _DEFAULT_MAX_LIMIT)
    if not isinstance(max_limit, int) or isinstance(max_limit, bool):
        raise LintConfigError(f"{where}: max_limit must be an integer")
    try:
        return LintConfig(
            enable=names("enable"),
            disable=names("disable") or frozenset(),
            severity=dict(severity),
            known_tags=names("known_tags") or frozenset(),
            max_limit=max_limit,
        )
    except LintConfigError as exc:
        raise LintConfigError(f"{where}: {exc}") from None


# --------------------------------------------------------------------------- findings


@dataclass(frozen=True, slots=True)
class Finding:
    """One broken rule at one place. ``pointer`` is inside ``file`` (which may be shared.yaml)."""

    rule: str
    severity: Severity
    file: str
    line: int | None
    column: int | None
    pointer: str
    message: str

    def sort_key(self) -> tuple[str, int, int, str, str, str]:
        return (self.file, self.line or 0, self.column or 0, self.rule, self.pointer, self.message)


@dataclass(frozen=True, slots=True)
class LintReport:
    findings: tuple[Finding, ...]
    files: tuple[str, ...]

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)


# --------------------------------------------------------------------------- context


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
        """Follow ``$ref`` chains: the node finally meant, and where it is written."""
        for _ in range(32):
            ref = node.get("$ref") if isinstance(node, dict) else None
            if not isinstance(ref, str) or not ref.startswith("#"):
                return node, pointer
            target = self.lookup(ref)
            if target is None:
                return None, pointer
            node, pointer = target, ref[1:]
        return None, pointer

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
        paths = self.document.get("paths")
        if not isinstance(paths, dict):
            return
        for path, raw_item in paths.items():
            item, item_pointer = self.resolve(raw_item, join_pointer("/paths", path))
            if not isinstance(item, dict):
                continue
            shared = self._parameters(item.get("parameters"), item_pointer + "/parameters")
            for method in HTTP_METHODS:
                op = item.get(method)
                if not isinstance(op, dict):
                    continue
                pointer = join_pointer(item_pointer, method)
                own = self._parameters(op.get("parameters"), pointer + "/parameters")
                merged = {(p.name, p.location): p for p in (*shared, *own)}
                yield Operation(path, method, pointer, op, tuple(merged.values()))

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
            found: list[tuple[str, dict[str, Any]]] = []
            _find_schemas(self.document, "", found)
            self._schemas = found
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


_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_ONE = (
    "items",
    "additionalProperties",
    "additionalItems",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
)


def _find_schemas(node: Any, pointer: str, found: list[tuple[str, dict[str, Any]]]) -> None:
    if isinstance(node, list):
        for i, item in enumerate(node):
            _find_schemas(item, f"{pointer}/{i}", found)
        return
    if not isinstance(node, dict):
        return
    if pointer == "/components/schemas":
        for name, schema in node.items():
            _walk_schema(schema, join_pointer(pointer, name), found)
        return
    for key, value in node.items():
        if key in ("example", "examples") or key.startswith("x-"):
            continue  # example values are data, not schemas
        child = join_pointer(pointer, key)
        if key == "schema":
            _walk_schema(value, child, found)
        else:
            _find_schemas(value, child, found)


def _walk_schema(schema: Any, pointer: str, found: list[tuple[str, dict[str, Any]]]) -> None:
    if not isinstance(schema, dict):
        return
    found.append((pointer, schema))
    for key in _SCHEMA_MAPS:
        members = schema.get(key)
        if isinstance(members, dict):
            for name, sub in members.items():
                _walk_schema(sub, join_pointer(pointer, key, name), found)
    for key in _SCHEMA_LISTS:
        parts = schema.get(key)
        if isinstance(parts, list):
            for i, sub in enumerate(parts):
                _walk_schema(sub, f"{pointer}/{key}/{i}", found)
    for key in _SCHEMA_ONE:
        sub = schema.get(key)
        if isinstance(sub, list):  # draft-4 tuple items
            for i, part in enumerate(sub):
                _walk_schema(part, f"{pointer}/{key}/{i}", found)
        else:
            _walk_schema(sub, f"{pointer}/{key}", found)


def to_json_schema_2020(node: Any) -> Any:
    """An OpenAPI 3.0 document with its schemas in JSON Schema 2020-12 terms (a copy)."""
    if isinstance(node, list):
        return [to_json_schema_2020(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: to_json_schema_2020(value) for key, value in node.items()}
    for key, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        flag = out.get(key)
        if isinstance(flag, bool):
            del out[key]
            if flag and bound in out:
                out[key] = out.pop(bound)
    if out.pop("nullable", False) is True:
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
            if isinstance(out.get("enum"), list) and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        elif kind is None:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def _types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return {k for k in kind if isinstance(k, str)}
    return set()


def _is_json(media_type: str) -> bool:
    base = media_type.split(";", 1)[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


def _status_class(status: str) -> str:
    """'4' for 404 or 4XX, '' for default."""
    return status[0] if status[:1] in "12345" and len(status) == 3 else ""


# --------------------------------------------------------------------------- rules


@rule(
    "openapi-valid",
    severity="error",
    rationale="The contract must be valid OpenAPI 3.0/3.1 (the checks `waooaw gen` runs);"
    " nothing can be generated from an invalid one.",
)
def _openapi_valid(ctx: LintContext) -> Iterator[Hit]:
    for err in validate_contract(ctx.contract):
        if err.rule in _REGISTRY:
            continue  # a lint rule of that id reports it (and can be configured)
        yield ContractError(
            err.file,
            err.pointer,
            "openapi-valid",
            f"{err.rule}: {err.message}",
            err.line,
            err.column,
        )


@rule(
    "operation-id-present",
    severity="error",
    rationale="operationIds name the generated methods, Protocols and client calls;"
    " without one the name is derived from the path and changes when the path does.",
)
def _operation_id_present(ctx: LintContext) -> Iterator[Hit]:
    for op in ctx.operations():
        if op.operation_id is None:
            where = op.pointer + "/operationId" if "operationId" in op.node else op.pointer
            yield where, f"{op.label} has no operationId"


@rule(
    "operation-id-unique",
    severity="error",
    rationale="Two operations with one operationId collide in every generated artifact.",
)
def _operation_id_unique(ctx: LintContext) -> Iterator[Hit]:
    seen: dict[str, Operation] = {}
    for op in ctx.operations():
        op_id = op.operation_id
        if op_id is None:
            continue
        if op_id in seen:
            yield (
                op.pointer + "/operationId",
                f"operationId {op_id!r} is already used by {seen[op_id].label}",
            )
        else:
            seen[op_id] = op


_CAMEL = re.compile(r"[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+")
_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")
_WORD = re.compile(r"[a-z][a-z0-9]*")


def _words(name: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+", name)]


@rule(
    "operation-id-casing",
    severity="warning",
    rationale="One casing for every operationId (lowerCamelCase or snake_case, whichever"
    " most use) keeps generated names predictable; the minority is flagged.",
)
def _operation_id_casing(ctx: LintContext) -> Iterator[Hit]:
    styled: list[tuple[Operation, str, str]] = []
    for op in ctx.operations():
        op_id = op.operation_id
        if op_id is None or _WORD.fullmatch(op_id):
            continue  # one lowercase word is both
        style = "camel" if _CAMEL.fullmatch(op_id) else "snake" if _SNAKE.fullmatch(op_id) else ""
        styled.append((op, op_id, style))
    camel = sum(style == "camel" for _, _, style in styled)
    snake = sum(style == "snake" for _, _, style in styled)
    majority = "snake" if snake > camel else "camel"
    for op, op_id, style in styled:
        if style == majority:
            continue
        words = _words(op_id) or [op_id]
        if majority == "camel":
            wanted = "lowerCamelCase"
            suggestion = words[0] + "".join(w.capitalize() for w in words[1:])
        else:
            wanted, suggestion = "snake_case", "_".join(words)
        count = max(camel, snake)
        yield (
            op.pointer + "/operationId",
            f"operationId {op_id!r} is not {wanted} like the other {count}; use {suggestion!r}",
        )


def _text_field(ctx: LintContext, key: str) -> Iterator[Hit]:
    for op in ctx.operations():
        value = op.node.get(key)
        if key not in op.node:
            yield op.pointer, f"{op.label} has no {key}"
        elif not isinstance(value, str) or not value.strip():
            yield f"{op.pointer}/{key}", f"{op.label} has an empty {key}"


@rule(
    "operation-summary",
    severity="warning",
    rationale="The summary titles the operation in Swagger UI, ReDoc and generated docstrings.",
)
def _operation_summary(ctx: LintContext) -> Iterator[Hit]:
    yield from _text_field(ctx, "summary")


@rule(
    "operation-description",
    severity="warning",
    rationale="The description is where behaviour, rules checked and responses are explained"
    " to the teams consuming the API.",
)
def _operation_description(ctx: LintContext) -> Iterator[Hit]:
    yield from _text_field(ctx, "description")


@rule(
    "operation-tags",
    severity="error",
    rationale="Tags group operations into the generated Protocols and the docs; a tag not"
    " declared in the top-level `tags` (or known_tags) is usually a typo that creates a new group.",
)
def _operation_tags(ctx: LintContext) -> Iterator[Hit]:
    declared = set(ctx.config.known_tags)
    for tag in ctx.document.get("tags") or []:
        if isinstance(tag, dict) and isinstance(tag.get("name"), str):
            declared.add(tag["name"])
    for op in ctx.operations():
        tags = op.node.get("tags")
        if not isinstance(tags, list) or not tags:
            yield op.pointer, f"{op.label} has no tags"
            continue
        for i, tag in enumerate(tags):
            if tag not in declared:
                yield (
                    f"{op.pointer}/tags/{i}",
                    f"tag {tag!r} of {op.label} is not declared in the top-level tags",
                )


_PROBLEM_JSON = "application/problem+json"
_PROBLEM_SCHEMA = "ProblemDetails"


def _error_responses(ctx: LintContext) -> Iterator[tuple[dict[str, Any], str]]:
    """Each 4xx/5xx response once, with where it is written (shared ones are components)."""
    seen: set[str] = set()
    for op in ctx.operations():
        for status, resp, where in ctx.responses(op):
            if _status_class(status) in ("4", "5") and where not in seen:
                seen.add(where)
                yield resp, where


@rule(
    "error-response-problem-json",
    severity="error",
    rationale="Every 4xx/5xx is an RFC 9457 problem document served as"
    " application/problem+json, so clients handle all errors one way.",
)
def _error_response_problem_json(ctx: LintContext) -> Iterator[Hit]:
    for resp, where in _error_responses(ctx):
        content = resp.get("content")
        if not isinstance(content, dict) or not content:
            yield where, f"error response has no content; errors are {_PROBLEM_JSON} documents"
        elif _PROBLEM_JSON not in content:
            found = ", ".join(str(k) for k in content)
            yield where + "/content", f"error response is {found}, not {_PROBLEM_JSON}"


def _extends_problem_details(ctx: LintContext, schema: Any, depth: int = 0) -> bool:
    if not isinstance(schema, dict) or depth > 16:
        return False
    ref = schema.get("$ref")
    if ref == f"#/components/schemas/{_PROBLEM_SCHEMA}":
        return True
    if isinstance(ref, str):
        return _extends_problem_details(ctx, ctx.lookup(ref), depth + 1)
    parts = schema.get("allOf")
    return isinstance(parts, list) and any(
        _extends_problem_details(ctx, part, depth + 1) for part in parts
    )


@rule(
    "error-response-problem-details",
    severity="error",
    rationale="Error bodies reference the one shared ProblemDetails schema (directly, or"
    " extending it with allOf) so every service's errors have the same shape.",
)
def _error_response_problem_details(ctx: LintContext) -> Iterator[Hit]:
    for resp, where in _error_responses(ctx):
        for media_type, media, media_pointer in ctx.media_types(resp, where):
            if media_type != _PROBLEM_JSON:
                continue
            schema = media.get("schema")
            if not _extends_problem_details(ctx, schema):
                pointer = media_pointer + "/schema" if "schema" in media else media_pointer
                yield (
                    pointer,
                    f"problem schema does not reference #/components/schemas/{_PROBLEM_SCHEMA}",
                )


def _success_bodies(ctx: LintContext) -> Iterator[tuple[str, Any, str, str]]:
    """(what, media type object, pointer, media type) of every request body and 2xx response."""
    for op in ctx.operations():
        body = ctx.request_body(op)
        if body is not None:
            for media_type, media, pointer in ctx.media_types(*body):
                yield "request body", media, pointer, media_type
        for status, resp, where in ctx.responses(op):
            if _status_class(status) == "2":
                for media_type, media, pointer in ctx.media_types(resp, where):
                    yield "response", media, pointer, media_type


def _has_example(ctx: LintContext, holder: dict[str, Any]) -> bool:
    if "example" in holder or holder.get("examples"):
        return True
    schema, _ = ctx.resolve(holder.get("schema"), "")
    return isinstance(schema, dict) and ("example" in schema or bool(schema.get("examples")))


@rule(
    "examples-present",
    severity="warning",
    rationale="Examples fill the docs, mock servers and contract tests; every request body"
    " and 2xx response carries one (on the media type or its schema).",
)
def _examples_present(ctx: LintContext) -> Iterator[Hit]:
    for what, media, pointer, media_type in _success_bodies(ctx):
        if not _has_example(ctx, media):
            yield pointer, f"{what} {media_type} has no example"


def _example_sites(ctx: LintContext) -> Iterator[tuple[str, str, Any]]:
    """(schema pointer, example value pointer, value) for every example in the contract."""

    def holder(node: Any, pointer: str) -> Iterator[tuple[str, str, Any]]:
        # a media type, parameter or header object: example/examples next to a schema
        if not isinstance(node, dict) or not isinstance(node.get("schema"), dict):
            return
        schema_pointer = pointer + "/schema"
        if "example" in node:
            yield schema_pointer, pointer + "/example", node["example"]
        examples = node.get("examples")
        if isinstance(examples, dict):
            for name, raw in examples.items():
                example, where = ctx.resolve(raw, join_pointer(pointer, "examples", name))
                if isinstance(example, dict) and "value" in example:
                    yield schema_pointer, where + "/value", example["value"]

    def with_content(node: Any, pointer: str) -> Iterator[tuple[str, str, Any]]:
        if not isinstance(node, dict):
            return
        yield from holder(node, pointer)
        for _, media, media_pointer in ctx.media_types(node, pointer):
            yield from holder(media, media_pointer)
        headers = node.get("headers")
        if isinstance(headers, dict):
            for name, raw in headers.items():
                header, where = ctx.resolve(raw, join_pointer(pointer, "headers", name))
                yield from with_content(header, where)

    for op in ctx.operations():
        for param in op.parameters:
            yield from with_content(param.node, param.pointer)
        body = ctx.request_body(op)
        if body is not None:
            yield from with_content(*body)
        for _, resp, where in ctx.responses(op):
            yield from with_content(resp, where)
    for kind in ("parameters", "headers", "requestBodies", "responses"):
        for name, node in ctx.component(kind).items():
            yield from with_content(node, join_pointer("/components", kind, name))
    for pointer, schema in ctx.schemas():
        if "example" in schema:
            yield pointer, pointer + "/example", schema["example"]
        examples = schema.get("examples")
        if ctx.version == "3.1" and isinstance(examples, list):
            for i, value in enumerate(examples):
                yield pointer, f"{pointer}/examples/{i}", value


@rule(
    "examples-valid",
    severity="error",
    rationale="An example that breaks its own schema misleads every reader and every"
    " client built against it; examples are validated as JSON Schema (formats included).",
)
def _examples_valid(ctx: LintContext) -> Iterator[Hit]:
    seen: set[tuple[str, str]] = set()
    for schema_pointer, value_pointer, value in _example_sites(ctx):
        if (schema_pointer, value_pointer) in seen:
            continue
        seen.add((schema_pointer, value_pointer))
        for inner, message in ctx.example_errors(schema_pointer, value):
            yield value_pointer + inner, f"example does not match its schema: {message}"


_CURSOR_PARAMS = frozenset(
    {
        "cursor",
        "page",
        "page_token",
        "pageToken",
        "after",
        "before",
        "starting_after",
        "offset",
        "marker",
        "continuation_token",
        "next",
    }
)


def _returns_list(ctx: LintContext, op: Operation) -> bool:
    for status, resp, where in ctx.responses(op):
        if _status_class(status) != "2":
            continue
        for media_type, media, _ in ctx.media_types(resp, where):
            if not _is_json(media_type):
                continue
            schema, _ = ctx.resolve(media.get("schema"), "")
            if not isinstance(schema, dict):
                continue
            if "array" in _types(schema):
                return True
            props = schema.get("properties")
            items = props.get("items") if isinstance(props, dict) else None
            items, _ = ctx.resolve(items, "")
            if isinstance(items, dict) and "array" in _types(items):
                return True
    return False


@rule(
    "list-pagination",
    severity="error",
    rationale="A list without a bounded page size grows until it times out; list operations"
    " take a `limit` query parameter with a `maximum` (at most max_limit) and a cursor or page"
    " parameter.",
)
def _list_pagination(ctx: LintContext) -> Iterator[Hit]:
    for op in ctx.operations():
        if op.method != "get" or not _returns_list(ctx, op):
            continue
        query = {p.name: p for p in op.parameters if p.location == "query"}
        limit = query.get("limit")
        if limit is None:
            yield op.pointer, f"{op.label} returns a list but has no `limit` query parameter"
        else:
            schema, where = ctx.resolve(limit.node.get("schema"), limit.pointer + "/schema")
            maximum = schema.get("maximum") if isinstance(schema, dict) else None
            if not isinstance(maximum, int | float) or isinstance(maximum, bool):
                yield where, "`limit` has no maximum"
            elif maximum > ctx.config.max_limit:
                yield (
                    where + "/maximum",
                    f"`limit` allows up to {maximum} items; the most allowed is"
                    f" {ctx.config.max_limit} (max_limit)",
                )
        if not _CURSOR_PARAMS & set(query):
            yield (
                op.pointer,
                f"{op.label} returns a list but has no cursor or page query parameter"
                " (cursor, page, page_token, offset...)",
            )


_TEMPLATE = re.compile(r"\{([^{}]+)\}")


@rule(
    "path-parameter-missing",
    severity="error",
    rationale="Every {name} in a path template is declared as an `in: path` parameter,"
    " or the generated route cannot bind it.",
)
def _path_parameter_missing(ctx: LintContext) -> Iterator[Hit]:
    for op in ctx.operations():
        declared = {p.name for p in op.parameters if p.location == "path"}
        for name in dict.fromkeys(_TEMPLATE.findall(op.path)):
            if name not in declared:
                yield (
                    op.pointer,
                    f"{op.label}: path parameter {{{name}}} is not declared in parameters",
                )


@rule(
    "path-parameter-unused",
    severity="error",
    rationale="An `in: path` parameter that is not in the path template can never be sent.",
)
def _path_parameter_unused(ctx: LintContext) -> Iterator[Hit]:
    for op in ctx.operations():
        template = set(_TEMPLATE.findall(op.path))
        for param in op.parameters:
            if param.location == "path" and param.name not in template:
                yield (
                    param.listed_at,
                    f"path parameter {param.name!r} does not appear in {op.path}",
                )


_ID_NAME = re.compile(r"id|.*_id|.*[a-z0-9]Id")


@rule(
    "id-format-uuid",
    severity="warning",
    rationale="Ids are UUIDs (`type: string, format: uuid`): path and query parameters named"
    " `id`/`*_id`, and string properties named so, unless they declare another shape on purpose"
    " (a `pattern` or an `enum`, as codes and correlation ids do).",
)
def _id_format_uuid(ctx: LintContext) -> Iterator[Hit]:
    seen: set[str] = set()
    for op in ctx.operations():
        for param in op.parameters:
            if param.location not in ("path", "query") or not _ID_NAME.fullmatch(param.name):
                continue
            if param.pointer in seen:
                continue
            seen.add(param.pointer)
            schema, where = ctx.resolve(param.node.get("schema"), param.pointer + "/schema")
            if not isinstance(schema, dict):
                continue
            declared = "pattern" in schema or "enum" in schema
            if not declared and (
                _types(schema) - {"null"} != {"string"} or schema.get("format") != "uuid"
            ):
                yield where, f"{param.location} parameter {param.name!r} is not a uuid string"
    for pointer, schema in ctx.schemas():
        props = schema.get("properties")
        if not isinstance(props, dict):
            continue
        for name, prop in props.items():
            if (
                isinstance(name, str)
                and _ID_NAME.fullmatch(name)
                and isinstance(prop, dict)
                and "string" in _types(prop)
                and prop.get("format") != "uuid"
                and "pattern" not in prop
                and "enum" not in prop
            ):
                yield (
                    join_pointer(pointer, "properties", name),
                    f"property {name!r} is a string without `format: uuid`",
                )


_CHECKED_COMPONENTS = {
    "schemas": "schema",
    "responses": "response",
    "parameters": "parameter",
    "headers": "header",
    "examples": "example",
    "requestBodies": "request body",
}


def _refs(node: Any, found: list[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.append(value)
            elif key == "discriminator" and isinstance(value, dict):
                mapping = value.get("mapping")
                if isinstance(mapping, dict):
                    for target in mapping.values():
                        if isinstance(target, str):
                            local = target if target.startswith("#") else None
                            found.append(local or f"#/components/schemas/{target}")
            else:
                _refs(value, found)
    elif isinstance(node, list):
        for item in node:
            _refs(item, found)


@rule(
    "unused-components",
    severity="warning",
    rationale="A component nothing references is dead weight that still gets generated and"
    " reviewed. (Not applied to contracts without operations, such as shared.yaml.)",
)
def _unused_components(ctx: LintContext) -> Iterator[Hit]:
    doc = ctx.document
    if not doc.get("paths") and not doc.get("webhooks"):
        return  # a component library
    components = doc.get("components")
    if not isinstance(components, dict):
        return
    pending: list[str] = []
    _refs({k: v for k, v in doc.items() if k != "components"}, pending)
    _refs({k: v for k, v in components.items() if k not in _CHECKED_COMPONENTS}, pending)
    used: set[tuple[str, str]] = set()
    while pending:
        parts = pending.pop().split("/")
        if len(parts) < 4 or parts[:2] != ["#", "components"]:
            continue
        kind, name = parts[2], unescape_pointer(parts[3])
        if kind not in _CHECKED_COMPONENTS or (kind, name) in used:
            continue
        used.add((kind, name))
        _refs(ctx.component(kind).get(name), pending)
    for kind, noun in _CHECKED_COMPONENTS.items():
        for name in ctx.component(kind):
            if (kind, name) not in used:
                yield (
                    join_pointer("/components", kind, name),
                    f"{noun} {name!r} is never referenced",
                )


_PRIMITIVES = {"string", "integer", "number", "boolean", "null"}


def _is_plain(schema: Any) -> bool:
    """A $ref, or a primitive with nothing that would make the generator name a type."""
    if not isinstance(schema, dict):
        return False
    if "$ref" in schema:
        return True
    shaped = any(k in schema for k in ("properties", "enum", "allOf", "anyOf", "oneOf"))
    types = _types(schema)
    return bool(types) and types <= _PRIMITIVES and not shaped


@rule(
    "inline-response-schema",
    severity="error",
    rationale="A 2xx JSON body is a named component schema (`$ref`), so generated types get"
    " stable names and can be shared; primitives and arrays of refs or primitives are fine.",
)
def _inline_response_schema(ctx: LintContext) -> Iterator[Hit]:
    for op in ctx.operations():
        for status, resp, where in ctx.responses(op):
            if _status_class(status) != "2":
                continue
            for media_type, media, pointer in ctx.media_types(resp, where):
                schema = media.get("schema")
                if not _is_json(media_type) or not isinstance(schema, dict) or _is_plain(schema):
                    continue
                if _types(schema) == {"array"} and _is_plain(schema.get("items")):
                    continue
                yield (
                    pointer + "/schema",
                    f"{media_type} response schema is inline; move it to"
                    " #/components/schemas and $ref it",
                )


@rule(
    "security-declared",
    severity="error",
    rationale="When the contract defines security schemes, every operation states its"
    " security (or a global `security` applies); `security: []` marks a public one on purpose.",
)
def _security_declared(ctx: LintContext) -> Iterator[Hit]:
    schemes = ctx.component("securitySchemes")
    if not schemes or "security" in ctx.document:
        return
    names = ", ".join(schemes)
    for op in ctx.operations():
        if "security" not in op.node:
            yield (
                op.pointer,
                f"{op.label} declares no security and there is no global security"
                f" (schemes: {names}); add `security`, or `security: []` if it is public",
            )


def _leads_to_get(link: dict[str, Any], getters: set[str | None]) -> bool:
    op_id = link.get("operationId")
    if isinstance(op_id, str):
        return op_id in getters
    ref = link.get("operationRef")
    return isinstance(ref, str) and ref.startswith("#/paths/") and ref.endswith("/get")


@rule(
    "create-operation-links",
    severity="warning",
    rationale="A create (POST answering 201) documents with `links` how to read what it"
    " created (a GET operation), so clients and docs can follow the id.",
)
def _create_operation_links(ctx: LintContext) -> Iterator[Hit]:
    getters = {op.operation_id for op in ctx.operations() if op.method == "get"} - {None}
    for op in ctx.operations():
        if op.method != "post":
            continue
        for status, resp, where in ctx.responses(op):
            if status != "201":
                continue
            links = resp.get("links")
            if not isinstance(links, dict) or not links:
                yield where, "201 response of a create operation has no links"
                continue
            targets = [ctx.resolve(raw, "")[0] for raw in links.values()]
            if not any(isinstance(t, dict) and _leads_to_get(t, getters) for t in targets):
                yield where + "/links", "no link of this 201 response leads to a GET operation"


# --------------------------------------------------------------------------- running


def lint_contract(contract: LoadedContract, *, config: LintConfig) -> list[Finding]:
    """Run the enabled rules over a loaded contract."""
    ctx = LintContext(contract, config)
    findings: list[Finding] = []
    active = config.active()
    if not re.match(r"3\.[01]\.", str(contract.document.get("openapi"))):
        active = [r for r in active if r.id == "openapi-valid"]  # the rest would be noise
    for r in active:
        severity = config.severity_of(r)
        for hit in r.check(ctx):
            err = hit if isinstance(hit, ContractError) else contract.error(hit[0], r.id, hit[1])
            findings.append(
                Finding(r.id, severity, err.file, err.line, err.column, err.pointer, err.message)
            )
    return findings


def lint_files(paths: list[Path], *, config: LintConfig) -> LintReport:
    """Lint each contract file; a file that cannot be loaded yields ``openapi-valid`` errors."""
    findings: set[Finding] = set()
    for path in paths:
        try:
            contract = load_contract(path)
        except ContractErrors as exc:
            findings.update(
                Finding(
                    "openapi-valid",
                    "error",
                    e.file,
                    e.line,
                    e.column,
                    e.pointer,
                    f"{e.rule}: {e.message}",
                )
                for e in exc.errors
            )
            continue
        # a file several contracts pull in (shared.yaml) is reported once
        findings.update(lint_contract(contract, config=config))
    ordered = tuple(sorted(findings, key=Finding.sort_key))
    return LintReport(ordered, tuple(p.as_posix() for p in paths))


# --------------------------------------------------------------------------- output


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _location(f: Finding) -> str:
    where = f.file
    if f.line is not None:
        where += f":{f.line}"
        if f.column is not None:
            where += f":{f.column}"
    return where


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: LintReport, fmt: Format) -> str:
    """The report as ``text`` (one line per finding, then a summary), ``json`` or ``github``."""
    if fmt == "text":
        lines = [f"{_location(f)}: {f.severity} [{f.rule}] {f.message}" for f in report.findings]
        files = _plural(len(report.files), "file")
        if report.findings:
            counts = f"{_plural(report.errors, 'error')}, {_plural(report.warnings, 'warning')}"
            lines.append(f"{_plural(len(report.findings), 'problem')} ({counts}) in {files}")
        else:
            lines.append(f"no problems found in {files}")
        return "\n".join(lines) + "\n"
    if fmt == "json":
        return json.dumps([asdict(f) for f in report.findings], indent=2) + "\n"
    if fmt == "github":
        out = []
        for f in report.findings:
            props = [f"file={_gh_property(f.file)}"]
            if f.line is not None:
                props.append(f"line={f.line}")
                if f.column is not None:
                    props.append(f"col={f.column}")
            props.append(f"title={_gh_property(f.rule)}")
            out.append(f"::{f.severity} {','.join(props)}::{_gh_data(f.message)}\n")
        return "".join(out)
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")


def exit_code(report: LintReport, strict: bool) -> int:
    """1 when there are errors (or, with ``strict``, warnings); else 0."""
    return 1 if report.errors or (strict and report.warnings) else 0


def _request_schemas(ctx: LintContext) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema a JSON request body can reach (``$ref``s followed once), by pointer."""
    seen: set[str] = set()
    pending: list[tuple[Any, str]] = []
    for op in ctx.operations():
        body = ctx.request_body(op)
        if body is None:
            continue
        for media_type, media, pointer in ctx.media_types(*body):
            if _is_json(media_type):
                pending.append((media.get("schema"), pointer + "/schema"))
    while pending:
        node, pointer = pending.pop()
        schema, where = ctx.resolve(node, pointer)
        if not isinstance(schema, dict) or where in seen:
            continue
        seen.add(where)
        yield where, schema
        properties = schema.get("properties")
        if isinstance(properties, dict):
            for name, sub in properties.items():
                pending.append((sub, join_pointer(where, "properties", name)))
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                pending.append((schema[key], join_pointer(where, key)))
        for key in ("allOf", "anyOf", "oneOf", "prefixItems"):
            if isinstance(schema.get(key), list):
                for i, sub in enumerate(schema[key]):
                    pending.append((sub, join_pointer(where, key, str(i))))


@rule(
    "request-body-bounded",
    severity="error",
    rationale="Every integer a client may send has the bounds its storage holds (`minimum`"
    " and `maximum`), and every free-text string a `maxLength` and a `pattern` (at least one"
    " refusing control characters), so no input reaches the database it cannot hold.",
)
def _request_body_bounded(ctx: LintContext) -> Iterator[Hit]:
    for pointer, schema in _request_schemas(ctx):
        types = _types(schema)
        if any(k in schema for k in ("enum", "const")):
            continue
        if "integer" in types:
            missing = [
                k
                for k, alt in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum"))
                if k not in schema and alt not in schema
            ]
            if missing:
                yield pointer, f"request integer has no {' or '.join(missing)}"
        if "string" in types and "format" not in schema:
            missing = [k for k in ("maxLength", "pattern") if k not in schema]
            if missing:
                yield pointer, f"request string has no {' or '.join(missing)}"
