"""Load a contract: YAML/JSON files with line numbers, bundled into one document.

External ``$ref``s (``./shared.yaml#/components/schemas/Problem``) are pulled
into the root document: targets under ``/components/<kind>/<name>`` become
components of the root, anything else is inlined. Every node remembers where it
came from, so later stages can report ``file:line:col`` for a JSON pointer.

Positions cost: a file is built without them, and its composed nodes are kept; a
position is looked up in them (along the pointer) only for a problem that is reported.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from .errors import ContractError, ContractErrors, escape_pointer, join_pointer

__all__ = [
    "MISSING",
    "LoadedContract",
    "SourceFile",
    "load_contract",
    "resolve_ref",
    "unescape_pointer",
]

try:  # libyaml makes composing large contracts several times faster
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - pure-python fallback
    _Loader = yaml.SafeLoader

_SCALAR = yaml.constructor.SafeConstructor()
_STR_TAG = "tag:yaml.org,2002:str"
_KEEP_AS_TEXT = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"}
_COMPONENT_KINDS = (
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
    "pathItems",
)


@dataclass(slots=True)
class SourceFile:
    """One file of a contract, parsed; the position of a node found on demand."""

    path: Path
    display: str
    text: bytes
    data: Any
    #: the composed file (kept to find positions in), or every position when computed
    node: yaml.Node | None = None
    locations: dict[str, tuple[int, int]] | None = None

    def locate(self, pointer: str) -> tuple[int | None, int | None]:
        """(line, column) of the deepest node on ``pointer``: a member's key, an item."""
        if self.locations is not None:
            probe = pointer
            while True:
                if probe in self.locations:
                    return self.locations[probe]
                if not probe:
                    return None, None
                probe = probe.rsplit("/", 1)[0]
        node = self.node
        if node is None:
            return None, None
        at = node.start_mark
        for raw in pointer.split("/")[1:] if pointer else []:
            token = unescape_pointer(raw)
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if _key_text(key_node) == token:
                        at, node = key_node.start_mark, value_node
                        break
                else:
                    break
            elif isinstance(node, yaml.SequenceNode):
                if not (token.isdigit() and int(token) < len(node.value)):
                    break
                node = node.value[int(token)]
                at = node.start_mark
            else:
                break
        return at.line + 1, at.column + 1


def _key_text(key_node: yaml.Node) -> str | None:
    """A mapping key as the document's pointers spell it (``200:`` in responses is "200")."""
    if not isinstance(key_node, yaml.ScalarNode):
        return None
    if key_node.tag == _STR_TAG:
        return str(key_node.value)
    return str(_scalar(key_node))


@dataclass(slots=True)
class LoadedContract:
    """The bundled document plus enough provenance to point at source lines."""

    root: SourceFile
    document: dict[str, Any]
    files: list[SourceFile]
    # bundled-document pointer prefix -> (file, pointer inside that file)
    origins: dict[str, tuple[SourceFile, str]] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        """Hash of the contract: the root file alone, or every file it pulls in."""
        if len(self.files) == 1:
            return hashlib.sha256(self.root.text).hexdigest()
        digest = hashlib.sha256()
        for f in sorted(self.files, key=lambda f: f.display):
            digest.update(f.display.encode() + b"\0" + hashlib.sha256(f.text).digest())
        return digest.hexdigest()

    def error(self, pointer: str, rule: str, message: str) -> ContractError:
        source, inner = self.resolve_origin(pointer)
        line, column = source.locate(inner)
        return ContractError(source.display, inner, rule, message, line, column)

    def resolve_origin(self, pointer: str) -> tuple[SourceFile, str]:
        best = ""
        for prefix in self.origins:
            if (pointer == prefix or pointer.startswith(prefix + "/")) and len(prefix) > len(best):
                best = prefix
        if not best:
            return self.root, pointer
        source, inner = self.origins[best]
        return source, inner + pointer[len(best) :]


def unescape_pointer(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _parse(path: Path, errors: list[ContractError]) -> SourceFile | None:
    display = _display(path)
    try:
        text = path.read_bytes()
    except OSError as exc:
        errors.append(ContractError(display, "", "file-unreadable", exc.strerror or str(exc)))
        return None
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        problem = exc.problem or "invalid YAML"
        errors.append(ContractError(display, "", "yaml-syntax", problem, line, col))
        return None
    except yaml.YAMLError as exc:
        errors.append(ContractError(display, "", "yaml-syntax", str(exc)))
        return None
    if node is None:
        return SourceFile(path, display, text, None)
    try:
        return SourceFile(path, display, text, _build(node, False), node)
    except _NeedsReport:
        pass
    # a problem: build again, tracking positions, to report every problem where it is
    locations: dict[str, tuple[int, int]] = {}
    before = len(errors)
    data = _construct(node, "", locations, display, errors)
    if len(errors) > before:
        return None
    return SourceFile(path, display, text, data, locations=locations)  # pragma: no cover


class _NeedsReport(Exception):
    """``_build`` met something ``_construct`` reports (a key that is not a string...)."""


def _build(node: yaml.Node, in_responses: bool) -> Any:
    """``_construct`` without positions, for the usual case of a file with no problem."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _STR_TAG or node.tag in _KEEP_AS_TEXT:
            return node.value
        return _scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, False) for item in node.value]
    if isinstance(node, yaml.MappingNode):
        _SCALAR.flatten_mapping(node)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _NeedsReport
            key: Any = key_node.value
            if key_node.tag != _STR_TAG:
                raw = _scalar(key_node)
                if not (isinstance(raw, int) and not isinstance(raw, bool) and in_responses):
                    raise _NeedsReport
                key = str(raw)
            if key in result:
                raise _NeedsReport
            result[key] = _build(value_node, key == "responses")
        return result
    raise AssertionError(f"unexpected YAML node {node!r}")  # pragma: no cover


def _scalar(node: yaml.ScalarNode) -> Any:
    """A plain scalar's value (int, float, bool, null), by its tag's constructor directly:
    ``construct_object`` would also remember every node it ever built."""
    build = _SCALAR.yaml_constructors.get(node.tag)
    if build is None:
        return _SCALAR.construct_object(node, deep=True)
    return build(_SCALAR, node)


def _construct(
    node: yaml.Node,
    pointer: str,
    locations: dict[str, tuple[int, int]],
    display: str,
    errors: list[ContractError],
) -> Any:
    locations[pointer] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _STR_TAG or node.tag in _KEEP_AS_TEXT:
            return node.value
        return _scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return [
            _construct(item, f"{pointer}/{i}", locations, display, errors)
            for i, item in enumerate(node.value)
        ]
    if isinstance(node, yaml.MappingNode):
        _SCALAR.flatten_mapping(node)
        result: dict[str, Any] = {}
        in_responses = pointer.endswith("/responses")
        for key_node, value_node in node.value:
            line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if not isinstance(key_node, yaml.ScalarNode):
                errors.append(
                    ContractError(
                        display, pointer, "yaml-key-type", "mapping keys must be strings", line, col
                    )
                )
                continue
            key: Any
            if key_node.tag == _STR_TAG:
                key = key_node.value
            else:
                raw = _scalar(key_node)
                if isinstance(raw, int) and not isinstance(raw, bool) and in_responses:
                    key = str(raw)
                else:
                    kind = "null" if raw is None else type(raw).__name__
                    errors.append(
                        ContractError(
                            display,
                            join_pointer(pointer, key_node.value),
                            "yaml-key-type",
                            f"key {key_node.value!r} is read by YAML as a {kind}, not a string;"
                            f" quote it: '{key_node.value}':",
                            line,
                            col,
                        )
                    )
                    continue
            child = f"{pointer}/{escape_pointer(key)}"
            if key in result:
                errors.append(
                    ContractError(
                        display, child, "yaml-duplicate-key", f"duplicate key {key!r}", line, col
                    )
                )
                continue
            result[key] = _construct(value_node, child, locations, display, errors)
            locations[child] = (line, col)  # point at the key, where readers look
        return result
    raise AssertionError(f"unexpected YAML node {node!r}")  # pragma: no cover


def _looks_like_schema(data: Any) -> bool:
    if not isinstance(data, dict) or "openapi" in data or "paths" in data:
        return False
    return any(
        k in data for k in ("type", "properties", "allOf", "oneOf", "anyOf", "enum", "items")
    )


def _schema_name(path: Path) -> str:
    stem = path.name.split(".", 1)[0]
    return "".join(
        part[:1].upper() + part[1:] for part in stem.replace("-", "_").split("_") if part
    )


MISSING: Any = object()


def resolve_ref(document: Any, ref: str, default: Any = None) -> Any:
    """The node a local ``$ref`` (``#/...``) names in ``document``, or ``default``."""
    if not ref.startswith("#"):
        return default
    try:
        return _walk_pointer(document, ref[1:])
    except KeyError:
        return default


def _walk_pointer(data: Any, pointer: str) -> Any:
    current = data
    for raw in pointer.split("/")[1:] if pointer else []:
        token = unescape_pointer(raw)
        if isinstance(current, dict) and token in current:
            current = current[token]
        elif isinstance(current, list) and token.isdigit() and int(token) < len(current):
            current = current[int(token)]
        else:
            raise KeyError(pointer)
    return current


class _Bundler:
    def __init__(self, root: SourceFile, errors: list[ContractError]) -> None:
        self.root = root
        self.errors = errors
        self.files: dict[Path, SourceFile | None] = {root.path.resolve(): root}
        self.document: dict[str, Any] = root.data
        self.origins: dict[str, tuple[SourceFile, str]] = {}
        # (file, pointer) of an external component -> its name in the root document
        self.hoisted: dict[tuple[Path, str], str] = {}
        self.inlining: list[tuple[Path, str]] = []
        # a missing file -> every $ref to it with its problem, reported as one (see run)
        self.missing: dict[Path, list[tuple[str, ContractError]]] = {}

    def file(self, path: Path) -> SourceFile | None:
        key = path.resolve()
        if key not in self.files:
            self.files[key] = _parse(path, self.errors)
        return self.files[key]

    def run(self) -> None:
        self._adopt_whole_file_components()
        self.rewrite(self.document, self.root, "", "")
        self._report_missing_files()

    def _report_missing_files(self) -> None:
        """One problem per missing file, at its first $ref, saying how many point at it."""
        for path, refs in self.missing.items():
            ref, first = refs[0]
            if len(refs) > 1:
                first = replace(
                    first,
                    message=f"no such file {_display(path)}: {len(refs)} $refs point at it,"
                    f" the first here ({ref!r})",
                )
            self.errors.append(first)

    def _adopt_whole_file_components(self) -> None:
        """``Pet: {$ref: ./pet.yaml}`` makes that file *be* component Pet, for every use of it."""
        schemas = (self.document.get("components") or {}).get("schemas")
        if not isinstance(schemas, dict):
            return
        for name, value in list(schemas.items()):
            ref = value.get("$ref") if isinstance(value, dict) else None
            if not isinstance(ref, str) or len(value) != 1 or "://" in ref:
                continue
            path, fragment = self.split(ref, self.root)
            if path is None or fragment not in ("", "/") or not path.exists():
                continue
            target = self.file(path)
            if target is None or not _looks_like_schema(target.data):
                continue
            self.hoisted[(target.path.resolve(), "")] = name
            dst = join_pointer("/components/schemas", name)
            self.origins[dst] = (target, "")
            schemas[name] = self.rewrite(copy.deepcopy(target.data), target, "", dst)

    def rewrite(self, node: Any, source: SourceFile, src_pointer: str, dst_pointer: str) -> Any:
        """Rewrite refs in ``node`` (which lives in ``source``) to point into the root."""
        if isinstance(node, list):
            for i, item in enumerate(node):
                node[i] = self.rewrite(item, source, f"{src_pointer}/{i}", f"{dst_pointer}/{i}")
            return node
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            node["$ref"] = self.resolve_ref(ref, source, src_pointer, dst_pointer)
            if node["$ref"] is None:  # inlined
                return self.inline(ref, node, source, src_pointer, dst_pointer)
        for key in list(node):
            if key == "$ref":
                continue
            token = escape_pointer(key)
            node[key] = self.rewrite(
                node[key], source, f"{src_pointer}/{token}", f"{dst_pointer}/{token}"
            )
        return node

    def split(self, ref: str, source: SourceFile) -> tuple[Path | None, str]:
        target, _, fragment = ref.partition("#")
        if fragment and not fragment.startswith("/"):
            fragment = "/" + fragment
        if not target:
            return None, fragment
        return (source.path.parent / target), fragment

    def resolve_ref(
        self, ref: str, source: SourceFile, src_pointer: str, dst_pointer: str
    ) -> str | None:
        if "://" in ref.split("#", 1)[0]:
            self.errors.append(
                self._err(
                    source, src_pointer, "ref-remote", f"remote $ref {ref!r} is not supported"
                )
            )
            return ref
        path, fragment = self.split(ref, source)
        if path is None and source is self.root:
            return ref
        if path is not None and not path.exists():
            problem = self._err(
                source, src_pointer, "ref-unresolved", f"$ref {ref!r}: no such file"
            )
            self.missing.setdefault(path.resolve(), []).append((ref, problem))
            return ref
        target_file = source if path is None else self.file(path)
        if target_file is None:
            return ref
        if fragment in ("", "/") and _looks_like_schema(target_file.data):
            return self.hoist(
                target_file, "", "schemas", _schema_name(target_file.path), ref, source, src_pointer
            )
        parts = fragment.split("/")
        if len(parts) == 4 and parts[1] == "components" and parts[2] in _COMPONENT_KINDS:
            return self.hoist(
                target_file,
                fragment,
                parts[2],
                unescape_pointer(parts[3]),
                ref,
                source,
                src_pointer,
            )
        return None

    def hoist(
        self,
        target_file: SourceFile,
        fragment: str,
        kind: str,
        name: str,
        ref: str,
        source: SourceFile,
        src_pointer: str,
    ) -> str:
        key = (target_file.path.resolve(), fragment)
        if key in self.hoisted:
            return f"#/components/{kind}/{escape_pointer(self.hoisted[key])}"
        try:
            content = _walk_pointer(target_file.data, fragment)
        except KeyError:
            self.errors.append(
                self._err(source, src_pointer, "ref-unresolved", f"$ref {ref!r} points at nothing")
            )
            return ref
        components = self.document.setdefault("components", {})
        section = components.setdefault(kind, {})
        final, n = name, 1
        while final in section:
            n += 1
            final = f"{name}{n}"
        self.hoisted[key] = final
        dst = f"/components/{kind}/{escape_pointer(final)}"
        section[final] = copy.deepcopy(content)
        self.origins[dst] = (target_file, fragment)
        section[final] = self.rewrite(section[final], target_file, fragment, dst)
        return "#" + dst

    def inline(
        self, ref: str, node: dict[str, Any], source: SourceFile, src_pointer: str, dst_pointer: str
    ) -> Any:
        path, fragment = self.split(ref, source)
        target_file = source if path is None else self.file(path)
        if target_file is None:
            return node
        key = (target_file.path.resolve(), fragment)
        if key in self.inlining:
            self.errors.append(
                self._err(
                    source,
                    src_pointer,
                    "ref-cycle",
                    f"$ref {ref!r} is recursive; point recursive external refs at"
                    " /components/<kind>/<name> so they can be shared",
                )
            )
            node["$ref"] = ref
            return node
        try:
            content = copy.deepcopy(_walk_pointer(target_file.data, fragment))
        except KeyError:
            self.errors.append(
                self._err(source, src_pointer, "ref-unresolved", f"$ref {ref!r} points at nothing")
            )
            node["$ref"] = ref
            return node
        self.inlining.append(key)
        self.origins[dst_pointer] = (target_file, fragment)
        result = self.rewrite(content, target_file, fragment, dst_pointer)
        self.inlining.pop()
        if isinstance(result, dict):
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            result = {**result, **siblings}
        return result

    def _err(self, source: SourceFile, pointer: str, rule: str, message: str) -> ContractError:
        line, column = source.locate(pointer)
        return ContractError(source.display, pointer, rule, message, line, column)


def load_contract(path: Path) -> LoadedContract:
    """Parse and bundle a contract, or raise :class:`ContractErrors` listing every problem."""
    errors: list[ContractError] = []
    root = _parse(path, errors)
    if root is None:
        raise ContractErrors(errors)
    if not isinstance(root.data, dict):
        raise ContractErrors(
            [ContractError(root.display, "", "document-type", "a contract must be a mapping")]
        )
    bundler = _Bundler(root, errors)
    bundler.run()
    if errors:
        raise ContractErrors(errors)
    files = [f for f in bundler.files.values() if f is not None]
    return LoadedContract(root, bundler.document, files, bundler.origins)


def iter_refs(node: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """Yield (pointer, ref) for every ``$ref`` string in ``node``."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield pointer, ref
        for key, value in node.items():
            yield from iter_refs(value, join_pointer(pointer, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from iter_refs(value, f"{pointer}/{i}")
