"""``waooaw diff BASE HEAD``: classify the changes between two versions of a contract.

Every change is *breaking*, *non-breaking* or a *deprecation*, carries a stable rule id
(:data:`RULES`), a JSON pointer into HEAD (into BASE for removals), the source line it
came from, and the generated Python client methods and TypeScript types it touches.

Schemas are compared structurally, following ``$ref`` on both sides. A change inside a
referenced component is reported **once, at the component** (``/components/schemas/Pet/...``)
with every operation that reaches it, directly or through other schemas; a change in an
inline schema is reported where it is, for its one operation. Each pair of schemas is
compared once per direction (a recursive schema stops at the pair already in progress).
Requests and responses break differently (a new enum value breaks response readers, not
request writers), so a schema used both ways may yield one finding per direction.

Public surface: :func:`load_side` (a file or ``git:REF:path``), :func:`load_sides` (both,
in parallel where it pays), :func:`diff_contracts` -> :class:`DiffReport` (``changes``,
``exit_code()``) and :func:`render` (``text``, ``json``, ``markdown``). Loading raises
:class:`SpecError` for a bad spec or git failure, and
:class:`~waooaw.codegen.errors.ContractErrors` for a contract that cannot be loaded.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import posixpath
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from waooaw.codegen.errors import ContractErrors, escape_pointer, join_pointer
from waooaw.codegen.loader import LoadedContract, load_contract, unescape_pointer
from waooaw.codegen.naming import pascal_case, safe_identifier, snake_case

__all__ = [
    "FORMATS",
    "RULES",
    "Change",
    "ChangeKind",
    "ContractSide",
    "DiffReport",
    "OperationRef",
    "SpecError",
    "diff_contracts",
    "load_side",
    "load_sides",
    "render",
]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
FORMATS = ("text", "json", "markdown")


class ChangeKind(StrEnum):
    BREAKING = "breaking"
    DEPRECATION = "deprecation"
    NON_BREAKING = "non-breaking"


BREAKING, DEPRECATION, SAFE = ChangeKind.BREAKING, ChangeKind.DEPRECATION, ChangeKind.NON_BREAKING
_KIND_ORDER = {BREAKING: 0, DEPRECATION: 1, SAFE: 2}

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

# keyword -> 1 when a larger value admits more values, -1 when it admits fewer
_LIMITS = {
    "maxLength": 1,
    "maximum": 1,
    "exclusiveMaximum": 1,
    "maxItems": 1,
    "maxProperties": 1,
    "minLength": -1,
    "minimum": -1,
    "exclusiveMinimum": -1,
    "minItems": -1,
    "minProperties": -1,
}

Direction = Literal["request", "response"]
Side = Literal["base", "head"]
_REF_CHAIN_LIMIT = 64


class SpecError(Exception):
    """A BASE/HEAD spec that cannot be read: bad ``git:`` spec, unknown ref, missing file."""


# -- loading ---------------------------------------------------------------------------

# The file part of every $ref in YAML or JSON text. It over-approximates (a $ref quoted in a
# description is fetched too), which costs one git call for a file that may not exist.
_EXTERNAL_REF = re.compile(r"""\$ref["']?\s*:\s*["']?([^"'#\s,}\]]+)""")


def load_side(spec: str) -> LoadedContract:
    """Load one side of a diff: a contract file, or ``git:REF:path`` from the current repo.

    ``path`` in ``git:REF:path`` is relative to the repository root, or to the current
    directory when it starts with ``./`` or ``../`` (as ``git show`` reads it). Files the
    contract references with relative ``$ref``s are read from the same revision.
    """
    if spec.startswith("git:"):
        ref, sep, path = spec[4:].partition(":")
        if not sep or not ref or not path:
            raise SpecError(f"{spec}: expected git:REF:path, e.g. git:HEAD~1:contracts/api.yaml")
        return _load_git(ref, path)
    return load_contract(Path(spec))


def load_sides(base: str, head: str) -> tuple[LoadedContract, LoadedContract]:
    """``(load_side(base), load_side(head))``, loading HEAD in a forked process meanwhile.

    Parsing dominates a diff of large contracts and the two sides are independent. The fork
    is used only where it is safe and pays: POSIX, more than one CPU, no other thread. If
    the child fails in any way, HEAD is loaded here, so errors surface as from load_side.
    """
    if not hasattr(os, "fork") or (os.cpu_count() or 1) < 2 or threading.active_count() > 1:
        return load_side(base), load_side(head)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(read_fd)
            try:
                payload = pickle.dumps(load_side(head), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException:
                payload = b""
            with os.fdopen(write_fd, "wb") as out:
                out.write(payload)
        finally:
            os._exit(0)
    os.close(write_fd)
    try:
        loaded_base = load_side(base)
    finally:
        with os.fdopen(read_fd, "rb") as pipe:
            payload = pipe.read()
        os.waitpid(pid, 0)
    loaded_head = pickle.loads(payload) if payload else None  # bytes from our own child
    if not isinstance(loaded_head, LoadedContract):
        loaded_head = load_side(head)
    return loaded_base, loaded_head


def _git(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError as exc:
        raise SpecError(f"cannot run git: {exc}") from exc


def _git_text(args: list[str], what: str) -> str:
    done = _git(args)
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip() or f"git {args[0]} failed"
        raise SpecError(f"{what}: {message}")
    return done.stdout.decode().strip()


def _load_git(ref: str, path: str) -> LoadedContract:
    spec = f"git:{ref}:{path}"
    top = Path(_git_text(["rev-parse", "--show-toplevel"], spec))
    if path.startswith(("./", "../")):
        prefix = _git_text(["rev-parse", "--show-prefix"], spec)
        path = posixpath.normpath(posixpath.join(prefix, path))
    if path == ".." or path.startswith(("../", "/")):
        raise SpecError(f"{spec}: the path is outside the repository {top}")
    # Pin the commit once, so every file comes from the same revision.
    done = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"])
    if done.returncode != 0:
        raise SpecError(f"{spec}: unknown revision {ref!r}")
    commit = done.stdout.decode().strip()
    with tempfile.TemporaryDirectory(prefix="waooaw-diff-") as tmp:
        root = Path(tmp)
        _materialise(top, commit, f"{spec}: no such file at {ref}", path, root)
        try:
            loaded = load_contract(root / path)
        except ContractErrors as exc:
            errors = [dataclasses.replace(e, file=_git_name(e.file, root, ref)) for e in exc.errors]
            raise ContractErrors(errors) from None
    for source in loaded.files:
        source.display = _git_name(str(source.path), root, ref)
    return loaded


def _materialise(top: Path, commit: str, missing: str, path: str, root: Path) -> None:
    """Write ``path`` at ``commit`` and the files it references, transitively, into ``root``."""
    queue, seen = [path], {path}
    while queue:
        rel = queue.pop()
        done = _git(["cat-file", "blob", f"{commit}:{rel}"], cwd=top)
        if done.returncode != 0:
            if rel == path:
                raise SpecError(missing)
            continue  # the loader reports the unresolved $ref, with its line
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(done.stdout)
        for found in _EXTERNAL_REF.findall(done.stdout.decode("utf-8", errors="replace")):
            other = posixpath.normpath(posixpath.join(posixpath.dirname(rel), found))
            outside = other == ".." or other.startswith(("../", "/"))
            if "://" not in found and not outside and other not in seen:
                seen.add(other)
                queue.append(other)


def _git_name(file: str, root: Path, ref: str) -> str:
    try:
        return f"{ref}:{Path(file).resolve().relative_to(root.resolve()).as_posix()}"
    except ValueError:
        return file


# -- the report ------------------------------------------------------------------------


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
            types[:0] = [schema, _ts_export(self.schema)]
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


def _ts_export(schema: str) -> str:
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
        return {str(k): len(self.of_kind(k)) for k in _KIND_ORDER}


def _major(version: str | None) -> int | None:
    match = re.match(r"\s*[vV]?(\d+)", version or "")
    return int(match.group(1)) if match else None


# -- walking the documents ---------------------------------------------------------------


def _walk(doc: Any, pointer: str) -> Any:
    current = doc
    for raw in pointer.split("/")[1:] if pointer else []:
        token = unescape_pointer(raw)
        if isinstance(current, dict) and token in current:
            current = current[token]
        elif isinstance(current, list) and token.isdigit() and int(token) < len(current):
            current = current[int(token)]
        else:
            return None
    return current


def _deref(doc: Any, node: Any, pointer: str) -> tuple[Any, str]:
    """Follow local ``$ref``s (the loader makes every ref local) to the node they name."""
    for _ in range(_REF_CHAIN_LIMIT):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str) or not ref.startswith("#"):
            break
        target = _walk(doc, ref[1:])
        if target is None:
            break
        node, pointer = target, ref[1:]
    return node, pointer


def _is_ref(node: Any) -> bool:
    return isinstance(node, dict) and isinstance(node.get("$ref"), str)


def _dict(node: Any, key: str) -> dict[str, Any]:
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, dict) else {}


def _list(node: Any, key: str) -> list[Any]:
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, list) else []


@dataclass(frozen=True, slots=True)
class _Pair:
    """The same place in BASE and HEAD: both values and both pointers."""

    b: Any
    h: Any
    bp: str
    hp: str

    def __getitem__(self, key: str) -> _Pair:
        b = self.b.get(key) if isinstance(self.b, dict) else None
        h = self.h.get(key) if isinstance(self.h, dict) else None
        token = key if "~" not in key and "/" not in key else escape_pointer(key)
        return _Pair(b, h, f"{self.bp}/{token}", f"{self.hp}/{token}")

    def deref(self, base: Any, head: Any) -> _Pair:
        b, bp = _deref(base, self.b, self.bp)
        h, hp = _deref(head, self.h, self.hp)
        return _Pair(b, h, bp, hp)


def _component_schema(pointer: str) -> str | None:
    parts = pointer.split("/")
    if len(parts) >= 4 and parts[1] == "components" and parts[2] == "schemas":
        return unescape_pointer(parts[3])
    return None


def _types(schema: dict[str, Any]) -> frozenset[str] | None:
    raw = schema.get("type")
    if isinstance(raw, str):
        types = {raw}
    elif isinstance(raw, list):
        types = {t for t in raw if isinstance(t, str)}
    else:
        return None  # any type
    if schema.get("nullable") is True:  # OpenAPI 3.0
        types.add("null")
    return frozenset(types)


def _show_types(types: frozenset[str] | None) -> str:
    return "any" if types is None else " | ".join(sorted(types, key=lambda t: (t == "null", t)))


def _enum(schema: dict[str, Any]) -> set[str] | None:
    """Allowed values as canonical JSON text, or None when the schema has no enum/const."""
    if "const" in schema:
        values = [schema["const"]]
    elif isinstance(schema.get("enum"), list):
        values = schema["enum"]
    else:
        return None
    return {json.dumps(v, sort_keys=True, ensure_ascii=False) for v in values}


def _values(values: Iterable[str]) -> str:
    return ", ".join(sorted(values))


def _normal_path(path: str) -> str:
    return re.sub(r"\{[^{}]*\}", "{}", path)


def _template_names(path: str) -> list[str]:
    return re.findall(r"\{([^{}]*)\}", path)


def _valid_date(value: Any) -> bool:
    if isinstance(value, date):
        return True
    if not isinstance(value, str):
        return False
    try:
        if len(value) == 10:
            date.fromisoformat(value)
        else:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _was_deprecated(op: Any) -> str:
    if not isinstance(op, dict) or op.get("deprecated") is not True:
        return ""
    sunset = op.get("x-sunset")
    return f"deprecated, sunset {sunset}" if sunset else "deprecated"


def _show_security(reqs: list[dict[str, frozenset[str]]]) -> str:
    def one(req: dict[str, frozenset[str]]) -> str:
        parts = [name + (f"[{', '.join(sorted(s))}]" if s else "") for name, s in req.items()]
        return " + ".join(sorted(parts)) or "anonymous"

    return " or ".join(one(r) for r in reqs) if reqs else "none"


# -- comparing ---------------------------------------------------------------------------

_Key = tuple[str, str, str]  # (base pointer, head pointer, direction) of a schema pair


@dataclass(slots=True)
class _Finding:
    kind: ChangeKind
    rule: str
    pointer: str
    side: Side
    message: str
    operations: set[OperationRef] = field(default_factory=set)


@dataclass(slots=True)
class _Node:
    """One schema pair compared in one direction: its findings and the pairs it refers to."""

    subject: str  # how messages name the schema, e.g. "schema `Pet`"
    direction: Direction
    findings: list[_Finding] = field(default_factory=list)
    children: list[_Key] = field(default_factory=list)

    def add(self, breaking: bool, rule: str, pointer: str, message: str, side: Side) -> None:
        assert rule in RULES, rule
        self.findings.append(_Finding(BREAKING if breaking else SAFE, rule, pointer, side, message))

    def where(self, path: str) -> str:
        return f"{self.subject}, property `{path}`" if path else self.subject


class _Differ:
    def __init__(self, base: dict[str, Any], head: dict[str, Any]) -> None:
        self.base = base
        self.head = head
        self.nodes: dict[_Key, _Node] = {}
        self.findings: list[_Finding] = []  # made for operations, not inside schemas
        self.uses: dict[OperationRef, list[_Key]] = {}  # the schema pairs each operation uses

    def add(
        self,
        op: OperationRef | list[OperationRef],
        kind: ChangeKind,
        rule: str,
        pointer: str,
        message: str,
        side: Side = "head",
    ) -> None:
        assert rule in RULES, rule
        ops = set(op) if isinstance(op, list) else {op}
        self.findings.append(_Finding(kind, rule, pointer, side, message, ops))

    def run(self) -> list[_Finding]:
        base_paths, head_paths = self._paths(self.base), self._paths(self.head)
        for key, (path, item, ptr) in base_paths.items():
            if key not in head_paths:
                ops = list(self._operations(path, item))
                notes = [(op.method, _was_deprecated(item[op.method.lower()])) for op in ops]
                what = ", ".join(f"{method} {note}".strip() for method, note in notes)
                self.add(
                    ops, BREAKING, "path-removed", ptr, f"path {path} removed ({what})", "base"
                )
        for key, (path, item, ptr) in head_paths.items():
            if key not in base_paths:
                ops = list(self._operations(path, item))
                self.add(ops, SAFE, "path-added", ptr, f"path {path} added")
                continue
            b_path, b_item, b_ptr = base_paths[key]
            for method in HTTP_METHODS:
                b_op, h_op = b_item.get(method), item.get(method)
                pair = _Pair(b_op, h_op, join_pointer(b_ptr, method), join_pointer(ptr, method))
                if isinstance(b_op, dict) and not isinstance(h_op, dict):
                    op = _op_ref(b_path, method, b_op)
                    note = f" (it was {d})" if (d := _was_deprecated(b_op)) else ""
                    msg = f"operation {op.label} removed{note}"
                    self.add(op, BREAKING, "operation-removed", pair.bp, msg, "base")
                elif isinstance(h_op, dict) and not isinstance(b_op, dict):
                    op = _op_ref(path, method, h_op)
                    self.add(op, SAFE, "operation-added", pair.hp, f"operation {op.label} added")
                elif isinstance(b_op, dict) and isinstance(h_op, dict):
                    items = _Pair(b_item, item, b_ptr, ptr)
                    self._operation(
                        _op_ref(b_path, method, b_op), _op_ref(path, method, h_op), pair, items
                    )
        return self._collect()

    def _paths(self, doc: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any], str]]:
        """Normalised template (``/a/{}``) -> (path, resolved path item, pointer)."""
        result: dict[str, tuple[str, dict[str, Any], str]] = {}
        for path, raw in _dict(doc, "paths").items():
            pointer = join_pointer("/paths", path)
            item, _ = _deref(doc, raw, pointer)
            if isinstance(item, dict):
                result.setdefault(_normal_path(path), (path, item, pointer))
        return result

    @staticmethod
    def _operations(path: str, item: dict[str, Any]) -> Iterator[OperationRef]:
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                yield _op_ref(path, method, item[method])

    # -- one operation ---------------------------------------------------------------

    def _operation(self, old: OperationRef, op: OperationRef, pair: _Pair, items: _Pair) -> None:
        self.uses.setdefault(op, [])
        if old.operation_id != op.operation_id:
            msg = (
                f"{op.label}: operationId changed from {old.operation_id or '(none)'} to"
                f" {op.operation_id or '(none)'}; client method {old.python_client} becomes"
                f" {op.python_client}"
            )
            self.add([old, op], BREAKING, "operation-id-changed", pair["operationId"].hp, msg)
        self._deprecation(op, pair)
        self._security(op, pair)
        self._parameters(op, pair, items)
        self._request_body(op, pair["requestBody"].deref(self.base, self.head), pair)
        self._responses(op, pair["responses"])

    def _deprecation(self, op: OperationRef, pair: _Pair) -> None:
        was, now = pair.b.get("deprecated") is True, pair.h.get("deprecated") is True
        if now and not was:
            sunset = pair.h.get("x-sunset")
            if sunset is None:
                note = "x-sunset is missing: add the date after which it may be removed"
            elif _valid_date(sunset):
                note = f"sunset {sunset}"
            else:
                note = f"x-sunset {sunset!r} is not a valid date (use YYYY-MM-DD)"
            msg = f"{op.label} is deprecated; {note}"
            self.add(op, DEPRECATION, "operation-deprecated", pair["deprecated"].hp, msg)
        elif was and not now:
            msg = f"{op.label} is no longer deprecated"
            self.add(op, SAFE, "operation-undeprecated", pair.hp, msg)

    @staticmethod
    def _requirements(doc: dict[str, Any], op: dict[str, Any]) -> list[dict[str, frozenset[str]]]:
        raw = op["security"] if "security" in op else doc.get("security")
        reqs = raw if isinstance(raw, list) else []
        return [
            {str(k): frozenset(map(str, v if isinstance(v, list) else [])) for k, v in req.items()}
            for req in reqs
            if isinstance(req, dict)
        ]

    def _security(self, op: OperationRef, pair: _Pair) -> None:
        base = self._requirements(self.base, pair.b)
        head = self._requirements(self.head, pair.h)
        if base == head:
            return
        if "security" in pair.h:
            pointer = pair["security"].hp
        else:  # the document-wide default applies, if there is one
            pointer = "/security" if "security" in self.head else pair.hp
        open_before, open_now = not base or {} in base, not head or {} in head

        def accepted(have: dict[str, frozenset[str]]) -> bool:
            """Credentials that met a BASE requirement meet some HEAD one."""
            return any(all(k in have and s <= have[k] for k, s in need.items()) for need in head)

        was, now = _show_security(base), _show_security(head)
        if open_before and not open_now:
            msg = f"{op.label} now requires credentials: {now}"
            self.add(op, BREAKING, "security-added", pointer, msg)
        elif not open_before and not open_now and not all(accepted(b) for b in base):
            msg = f"{op.label}: security changed from {was} to {now}; old credentials are refused"
            self.add(op, BREAKING, "security-changed", pointer, msg)
        else:
            msg = f"{op.label}: security relaxed from {was} to {now}"
            self.add(op, SAFE, "security-relaxed", pointer, msg)

    # -- parameters ------------------------------------------------------------------

    def _params(
        self, doc: Any, item: Any, op: Any, item_ptr: str, op_ptr: str
    ) -> dict[tuple[str, str], _Param]:
        """(name, in) -> parameter; operation parameters override path-item ones."""
        found: dict[tuple[str, str], _Param] = {}
        for owner, owner_ptr in ((item, item_ptr), (op, op_ptr)):
            for i, raw in enumerate(_list(owner, "parameters")):
                entry = f"{owner_ptr}/parameters/{i}"
                param, resolved = _deref(doc, raw, entry)
                if isinstance(param, dict) and isinstance(param.get("name"), str):
                    where = str(param.get("in"))
                    name = param["name"].lower() if where == "header" else param["name"]
                    found[(name, where)] = _Param(param, entry, resolved)
        return found

    def _parameters(self, op: OperationRef, pair: _Pair, items: _Pair) -> None:
        olds = self._params(self.base, items.b, pair.b, items.bp, pair.bp)
        news = self._params(self.head, items.h, pair.h, items.hp, pair.hp)
        removed = [k for k in olds if k not in news]
        added = [k for k in news if k not in olds]
        pairs: list[tuple[tuple[str, str], tuple[str, str]]] = []

        def match(old: tuple[str, str], new: tuple[str, str]) -> None:
            pairs.append((old, new))
            removed.remove(old)
            added.remove(new)

        for old in list(removed):  # moved: the same name in another location
            new = next((k for k in added if k[0] == old[0]), None)
            if new is not None:
                match(old, new)
                msg = f"{op.label}: parameter `{olds[old].name}` moved from {old[1]} to {new[1]}"
                self.add(op, BREAKING, "parameter-moved", news[new].entry, msg)
        # renamed path parameters hold the same place in the (same) path template
        b_names, h_names = _template_names(_last(items.bp)), _template_names(_last(items.hp))
        for b_name, h_name in zip(b_names, h_names, strict=False):
            if (b_name, "path") in removed and (h_name, "path") in added:
                match((b_name, "path"), (h_name, "path"))
        for where in ("query", "header", "cookie"):  # one out and one in: renamed
            out = [k for k in removed if k[1] == where]
            into = [k for k in added if k[1] == where]
            if len(out) == 1 and len(into) == 1:
                match(out[0], into[0])
        for old, new in pairs:
            if old[1] == new[1]:
                msg = f"{op.label}: {new[1]} parameter `{olds[old].name}` renamed to `{news[new].name}`"
                self.add(op, BREAKING, "parameter-renamed", news[new].entry, msg)
        for key in removed:
            msg = f"{op.label}: {key[1]} parameter `{olds[key].name}` removed"
            self.add(op, BREAKING, "parameter-removed", olds[key].entry, msg, "base")
        for key in added:
            required = news[key].param.get("required") is True
            state = "required" if required else "optional"
            msg = f"{op.label}: {state} {key[1]} parameter `{news[key].name}` added"
            self.add(op, BREAKING if required else SAFE, "parameter-added", news[key].entry, msg)
        for old, new in [*((k, k) for k in olds if k in news), *pairs]:
            self._parameter(
                op, _Pair(olds[old].param, news[new].param, olds[old].resolved, news[new].resolved)
            )

    def _parameter(self, op: OperationRef, pair: _Pair) -> None:
        subject = f"{pair.h.get('in')} parameter `{pair.h['name']}`"
        was, now = pair.b.get("required") is True, pair.h.get("required") is True
        if now and not was:
            self.add(
                op,
                BREAKING,
                "parameter-required",
                pair["required"].hp,
                f"{subject} is now required",
            )
        elif was and not now:
            self.add(op, SAFE, "parameter-optional", pair.hp, f"{subject} is now optional")
        if "schema" in pair.b and "schema" in pair.h:
            self._use(op, pair["schema"], "request", subject)
        for media in self._media(op, pair, subject):
            self._use(op, media["schema"], "request", subject)

    # -- bodies ------------------------------------------------------------------------

    def _media(self, op: OperationRef, pair: _Pair, subject: str) -> Iterator[_Pair]:
        """Report removed and added media types; yield the ones on both sides."""
        content = pair["content"]
        old, new = _dict(pair.b, "content"), _dict(pair.h, "content")
        for media in old:
            if media not in new:
                msg = f"{op.label}: {subject}: media type {media} removed"
                self.add(op, BREAKING, "media-type-removed", content[media].bp, msg, "base")
        for media in new:
            if media not in old:
                msg = f"{op.label}: {subject}: media type {media} added"
                self.add(op, SAFE, "media-type-added", content[media].hp, msg)
            elif isinstance(old[media], dict) and isinstance(new[media], dict):
                yield content[media]

    def _request_body(self, op: OperationRef, body: _Pair, pair: _Pair) -> None:
        if not isinstance(body.h, dict):
            if isinstance(body.b, dict):
                msg = f"{op.label}: request body removed"
                self.add(op, BREAKING, "request-body-removed", pair["requestBody"].bp, msg, "base")
            return
        now = body.h.get("required") is True
        if not isinstance(body.b, dict):
            msg = f"{op.label}: {'required' if now else 'optional'} request body added"
            self.add(
                op, BREAKING if now else SAFE, "request-body-added", pair["requestBody"].hp, msg
            )
            return
        was = body.b.get("required") is True
        if now and not was:
            msg = f"{op.label}: the request body is now required"
            self.add(op, BREAKING, "request-body-required", body["required"].hp, msg)
        elif was and not now:
            msg = f"{op.label}: the request body is now optional"
            self.add(op, SAFE, "request-body-optional", body.hp, msg)
        for media in self._media(op, body, "request body"):
            self._use(op, media["schema"], "request", f"request body ({_last(media.hp)})")

    def _responses(self, op: OperationRef, responses: _Pair) -> None:
        old, new = _as_dict(responses.b), _as_dict(responses.h)
        for status in old:
            if status not in new:
                msg = f"{op.label}: response {status} removed"
                self.add(op, BREAKING, "response-removed", responses[status].bp, msg, "base")
        for status in new:
            if status not in old:
                msg = f"{op.label}: response {status} added"
                self.add(op, SAFE, "response-added", responses[status].hp, msg)
                continue
            response = responses[status].deref(self.base, self.head)
            if isinstance(response.b, dict) and isinstance(response.h, dict):
                subject = f"response {status}"
                for media in self._media(op, response, subject):
                    self._use(op, media["schema"], "response", f"{subject} ({_last(media.hp)})")

    # -- schemas ---------------------------------------------------------------------

    def _use(self, op: OperationRef, pair: _Pair, direction: Direction, subject: str) -> None:
        if pair.b is not None and pair.h is not None:
            self.uses[op].append(self._node(pair, direction, subject))

    def _node(self, pair: _Pair, direction: Direction, subject: str) -> _Key:
        key = (pair.bp, pair.hp, direction)
        if key not in self.nodes:  # a pair in progress is in `nodes` already: cycles end here
            node = self.nodes[key] = _Node(subject, direction)
            self._schema(node, pair, "")
        return key

    def _schema(self, node: _Node, pair: _Pair, path: str) -> None:
        if _is_ref(pair.b) or _is_ref(pair.h):
            pair = pair.deref(self.base, self.head)
            name = _component_schema(pair.hp)
            subject = f"schema `{name}`" if name else node.where(path)
            node.children.append(self._node(pair, node.direction, subject))
            return
        b, h = pair.b, pair.h
        if not isinstance(b, dict) or not isinstance(h, dict):
            return
        self._type(node, pair, path)
        if b.get("format") != h.get("format"):
            was, now = b.get("format") or "(none)", h.get("format") or "(none)"
            pointer = pair["format"].hp if "format" in h else pair.hp
            msg = f"{node.where(path)}: format changed from {was} to {now}"
            node.add(True, "format-changed", pointer, msg, "head")
        self._enum(node, pair, path)
        self._constraints(node, pair, path)
        self._properties(node, pair, path)
        for key, suffix in (("items", "[]"), ("additionalProperties", "{}")):
            if isinstance(b.get(key), dict) and isinstance(h.get(key), dict):
                self._schema(node, pair[key], path + suffix)
        for key in ("allOf", "oneOf", "anyOf"):
            self._members(node, pair, path, key)

    @staticmethod
    def _type(node: _Node, pair: _Pair, path: str) -> None:
        old, new = _types(pair.b), _types(pair.h)
        if old == new:
            return
        if node.direction == "request":  # safe when every value sent before is still valid
            safe, how = new is None or (old is not None and new >= old), "widened"
        else:  # safe when every value received now was possible before
            safe, how = old is None or (new is not None and new <= old), "narrowed"
        note = f" ({how} in a {node.direction})" if safe else ""
        pointer = pair["type"].hp if "type" in pair.h else pair.hp
        msg = (
            f"{node.where(path)}: type changed from {_show_types(old)} to {_show_types(new)}{note}"
        )
        node.add(not safe, "type-changed", pointer, msg, "head")

    @staticmethod
    def _enum(node: _Node, pair: _Pair, path: str) -> None:
        old, new = _enum(pair.b), _enum(pair.h)
        if old == new:
            return
        request = node.direction == "request"
        key = "enum" if "enum" in pair.h else "const" if "const" in pair.h else None
        pointer = pair[key].hp if key else pair.hp
        where = f"{node.where(path)}: "
        if old is None or new is None:  # an enum appearing narrows the schema, going widens it
            what = f"now restricted to {_values(new)}" if new else "no longer restricted"
            msg = f"{where}values {what} in a {node.direction}"
            node.add((new is not None) == request, "enum-changed", pointer, msg, "head")
            return
        if gone := old - new:
            msg = f"{where}enum narrowed in a {node.direction}: removed {_values(gone)}"
            node.add(request, "enum-changed", pointer, msg, "head")
        if extra := new - old:
            msg = f"{where}enum widened in a {node.direction}: added {_values(extra)}"
            node.add(not request, "enum-changed", pointer, msg, "head")

    @staticmethod
    def _constraints(node: _Node, pair: _Pair, path: str) -> None:
        request = node.direction == "request"
        for key, sign in _LIMITS.items():
            old, new = pair.b.get(key), pair.h.get(key)
            if old == new:
                continue
            tighter: bool | None
            if isinstance(old, bool) or isinstance(new, bool):  # OpenAPI 3.0 exclusiveMaximum
                if bool(old) == bool(new):
                    continue
                tighter = new is True
            elif old is None or new is None:
                tighter = new is not None
            elif isinstance(old, int | float) and isinstance(new, int | float):
                tighter = (new - old) * sign < 0
            else:
                tighter = None  # not comparable: assume the worst either way
            how = "changed" if tighter is None else "tightened" if tighter else "loosened"
            was, now = "(none)" if old is None else old, "(none)" if new is None else new
            msg = f"{node.where(path)}: {key} {how} from {was} to {now} in a {node.direction}"
            pointer = pair[key].hp if key in pair.h else pair.hp
            breaking = tighter is None or tighter == request
            node.add(breaking, "constraint-changed", pointer, msg, "head")
        old, new = pair.b.get("pattern"), pair.h.get("pattern")
        if old != new:
            where = f"{node.where(path)}: pattern"
            if old is None:  # a pattern appearing narrows, going widens; changing does both
                msg, breaking = f"{where} {new!r} added in a {node.direction}", request
            elif new is None:
                msg, breaking = f"{where} {old!r} removed in a {node.direction}", not request
            else:
                msg, breaking = f"{where} changed from {old!r} to {new!r}", True
            pointer = pair["pattern"].hp if "pattern" in pair.h else pair.hp
            node.add(breaking, "constraint-changed", pointer, msg, "head")

    def _properties(self, node: _Node, pair: _Pair, path: str) -> None:
        olds, news = _dict(pair.b, "properties"), _dict(pair.h, "properties")
        was_req = {r for r in _list(pair.b, "required") if isinstance(r, str)}
        now_req = {r for r in _list(pair.h, "required") if isinstance(r, str)}
        request = node.direction == "request"
        hidden = "readOnly" if request else "writeOnly"  # never sent / never received

        def visible(doc: Any, schema: Any) -> bool:
            target, _ = _deref(doc, schema, "")
            return not any(isinstance(s, dict) and s.get(hidden) is True for s in (schema, target))

        props = pair["properties"]
        for name, schema in olds.items():
            if name not in news and visible(self.base, schema):
                prop = f"{path}.{name}" if path else name
                msg = f"{node.subject}: property `{prop}` removed from the {node.direction}"
                node.add(True, "property-removed", props[name].bp, msg, "base")
        for name, schema in news.items():
            prop = f"{path}.{name}" if path else name
            if not visible(self.head, schema):
                continue
            if name not in olds:
                state = "required" if name in now_req else "optional"
                msg = f"{node.subject}: {state} property `{prop}` added to the {node.direction}"
                node.add(request and name in now_req, "property-added", props[name].hp, msg, "head")
                continue
            was, now = name in was_req, name in now_req
            if was != now:
                state = "required" if now else "optional"
                pointer = pair["required"].hp if now else props[name].hp
                msg = f"{node.subject}: property `{prop}` is now {state} in the {node.direction}"
                node.add(now if request else was, f"property-{state}", pointer, msg, "head")
            self._schema(node, props[name], prop)
        if request:  # required names without a property schema (JSON Schema allows them)
            for name in sorted(now_req - was_req - set(news)):
                prop = f"{path}.{name}" if path else name
                msg = f"{node.subject}: property `{prop}` is now required in the request"
                node.add(True, "property-required", pair["required"].hp, msg, "head")

    def _members(self, node: _Node, pair: _Pair, path: str, key: str) -> None:
        olds, news = _list(pair.b, key), _list(pair.h, key)
        if not olds and not news:
            return
        old_keys, new_keys = _member_keys(olds), _member_keys(news)
        members = pair[key]
        # an allOf member adds constraints; a oneOf/anyOf member adds an alternative
        narrows = key == "allOf"
        request = node.direction == "request"
        for k, i in old_keys.items():
            if k not in new_keys:
                msg = f"{node.where(path)}: {key} member {k} removed in a {node.direction}"
                node.add(request != narrows, "variant-removed", members[str(i)].bp, msg, "base")
        for k, i in new_keys.items():
            if k not in old_keys:
                msg = f"{node.where(path)}: {key} member {k} added in a {node.direction}"
                node.add(request == narrows, "variant-added", members[str(i)].hp, msg, "head")
            else:
                j = old_keys[k]
                member = _Pair(olds[j], news[i], f"{members.bp}/{j}", f"{members.hp}/{i}")
                self._schema(node, member, path)

    def _collect(self) -> list[_Finding]:
        """Attach every operation to the findings of each schema pair it reaches."""
        for op, roots in self.uses.items():
            seen: set[_Key] = set()
            stack = list(roots)
            while stack:
                key = stack.pop()
                if key not in seen:
                    seen.add(key)
                    node = self.nodes[key]
                    for finding in node.findings:
                        finding.operations.add(op)
                    stack.extend(node.children)
        return self.findings + [f for node in self.nodes.values() for f in node.findings]


@dataclass(frozen=True, slots=True)
class _Param:
    param: dict[str, Any]
    entry: str  # pointer of the parameter's entry in the operation (or path item)
    resolved: str  # pointer of the parameter object itself (a component, if referenced)

    @property
    def name(self) -> str:
        return str(self.param["name"])


def _op_ref(path: str, method: str, op: dict[str, Any]) -> OperationRef:
    op_id = op.get("operationId")
    return OperationRef(path, method.upper(), op_id if isinstance(op_id, str) else None)


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _last(pointer: str) -> str:
    return unescape_pointer(pointer.rsplit("/", 1)[1])


def _member_keys(members: list[Any]) -> dict[str, int]:
    """Pair composition members by what they reference; inline ones by their order."""
    keys: dict[str, int] = {}
    inline = 0
    for i, member in enumerate(members):
        if _is_ref(member):
            ref = member["$ref"]
            name = _component_schema(ref[1:]) if ref.startswith("#") else None
            keys.setdefault(f"`{name or ref}`", i)
        else:
            inline += 1
            keys[f"#{inline} (inline)"] = i
    return keys


def _version(doc: dict[str, Any]) -> str | None:
    version = _dict(doc, "info").get("version")
    return str(version) if version is not None else None


def _location(contract: LoadedContract, pointer: str) -> str | None:
    source, inner = contract.resolve_origin(pointer)
    line, column = source.locate(inner)
    if line is None:
        return source.display
    return f"{source.display}:{line}" + (f":{column}" if column is not None else "")


def diff_contracts(base: LoadedContract, head: LoadedContract) -> DiffReport:
    """Compare two loaded contracts: every change classified, deduplicated and sorted."""
    # a finding reached from several operations (a shared component) becomes one change
    merged: dict[tuple[ChangeKind, str, Side, str, str], set[OperationRef]] = {}
    for f in _Differ(base.document, head.document).run():
        merged.setdefault((f.kind, f.rule, f.side, f.pointer, f.message), set()).update(
            f.operations
        )
    changes = [
        Change(
            kind=kind,
            rule=rule,
            pointer=pointer,
            side=side,
            message=message,
            location=_location(base if side == "base" else head, pointer),
            operations=tuple(sorted(ops, key=OperationRef.sort_key)),
            schema=_component_schema(pointer),
        )
        for (kind, rule, side, pointer, message), ops in merged.items()
    ]
    changes.sort(key=lambda c: (_KIND_ORDER[c.kind], c.pointer, c.rule, c.message))
    return DiffReport(
        base=ContractSide(base.root.display, _version(base.document)),
        head=ContractSide(head.root.display, _version(head.document)),
        changes=tuple(changes),
    )


# -- rendering -------------------------------------------------------------------------


def render(report: DiffReport, fmt: str = "text") -> str:
    """The report as ``text`` (a terminal), ``json`` (machines) or ``markdown`` (a PR comment)."""
    if fmt == "text":
        return _render_text(report)
    if fmt == "json":
        return _render_json(report)
    if fmt == "markdown":
        return _render_markdown(report)
    raise ValueError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")


def _verdict(report: DiffReport) -> str:
    if not report.breaking:
        return "no breaking changes"
    if report.major_bump:
        versions = f"{report.base.version} -> {report.head.version}"
        return f"breaking changes allowed by the major version bump ({versions})"
    return "breaking changes without a major version bump"


def _summary(report: DiffReport) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in report.counts().items())


def _where(change: Change) -> str:
    return f"{change.side}#{change.pointer or '/'}"


def _render_text(report: DiffReport) -> str:
    lines = [
        f"base: {report.base.source} ({report.base.version or 'no version'})",
        f"head: {report.head.source} ({report.head.version or 'no version'})",
    ]
    for c in report.changes:
        lines.append(f"{c.kind.upper():<12} [{c.rule}] {c.message}")
        lines.append(f"    at {_where(c)}" + (f" ({c.location})" if c.location else ""))
        if c.operations:
            labels = dict.fromkeys(op.label for op in c.operations)
            lines.append(f"    operations: {', '.join(labels)}")
            lines.append(f"    python client: {', '.join(c.python_client)}")
        if c.typescript:
            lines.append(f"    typescript: {', '.join(c.typescript)}")
    lines.append(f"{_summary(report)}: {_verdict(report)} (exit {report.exit_code()})")
    return "\n".join(lines) + "\n"


def _render_json(report: DiffReport) -> str:
    data = {
        "base": dataclasses.asdict(report.base),
        "head": dataclasses.asdict(report.head),
        "major_bump": report.major_bump,
        "exit_code": report.exit_code(),
        "summary": report.counts(),
        "changes": [c.as_dict() for c in report.changes],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


_MD_KIND = {
    BREAKING: ":x: breaking",
    DEPRECATION: ":warning: deprecation",
    SAFE: ":white_check_mark: non-breaking",
}
_MD_FOLD = 4  # longer name lists fold into <details>


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _names(items: tuple[str, ...], what: str) -> str:
    shown = "<br>".join(f"`{_cell(i)}`" for i in items)
    if len(items) > _MD_FOLD:
        return f"<details><summary>{len(items)} {what}</summary>{shown}</details>"
    return shown or "—"


def _render_markdown(report: DiffReport) -> str:
    icon = ":x:" if report.exit_code() else ":white_check_mark:"
    base, head = report.base, report.head
    lines = [
        f"### API contract diff: `{_cell(base.source)}` {base.version or ''}"
        f" → `{_cell(head.source)}` {head.version or ''}",
        "",
        f"{icon} **{_verdict(report)}** ({_summary(report)})",
        "",
    ]
    if not report.changes:
        lines.append("No changes to the operations or the schemas they use.")
        return "\n".join(lines) + "\n"
    lines.append("| | Change | Where | Python client | TypeScript |")
    lines.append("|---|---|---|---|---|")
    for c in report.changes:
        where = f"`{_cell(_where(c))}`" + (f"<br>{_cell(c.location)}" if c.location else "")
        client, ts = _names(c.python_client, "methods"), _names(c.typescript, "types")
        lines.append(f"| {_MD_KIND[c.kind]} | {_cell(c.message)} | {where} | {client} | {ts} |")
    return "\n".join(lines) + "\n"
