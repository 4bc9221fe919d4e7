"""Reading an OpenAPI document: the walks the generator, governance and mock all need.

One copy of each: the HTTP methods a path item holds, following local ``$ref``
chains, the ``type`` keyword read as a list, what counts as a JSON media type,
the operations of a document, every schema it holds, and the 3.0 -> JSON Schema
2020-12 translation. Everything works on the bundled document
(:func:`waooaw.codegen.loader.load_contract` makes every ``$ref`` local) and
uses the standard library only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .errors import join_pointer
from .loader import resolve_ref

__all__ = [
    "HTTP_METHODS",
    "REF_CHAIN_LIMIT",
    "PathOperation",
    "deref",
    "follow_ref",
    "is_json",
    "iter_operations",
    "iter_path_items",
    "iter_schemas",
    "schema_types",
    "subschemas",
    "to_json_schema_2020",
]

#: The operations a path item may hold, in the order the specification lists them.
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
#: The longest ``$ref`` chain followed; a longer one is taken for a cycle.
REF_CHAIN_LIMIT = 64


def follow_ref(
    document: Any, node: Any, pointer: str = "", *, keep_unresolved: bool = False
) -> tuple[Any, str]:
    """Follow the local ``$ref`` chain at ``node``: the node finally named, and its pointer.

    A ``$ref`` that names nothing, or a chain longer than :data:`REF_CHAIN_LIMIT` (a
    cycle), gives ``None``, or with ``keep_unresolved`` the last node reached.
    Non-local refs are left as they are.
    """
    for _ in range(REF_CHAIN_LIMIT):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str) or not ref.startswith("#"):
            return node, pointer
        target = resolve_ref(document, ref)
        if target is None:
            return (node if keep_unresolved else None), pointer
        node, pointer = target, ref[1:]
    return (node if keep_unresolved else None), pointer


def deref(document: Any, node: Any) -> Any:
    """``node`` with its local ``$ref`` chain followed; None when it names nothing."""
    return follow_ref(document, node)[0]


def schema_types(schema: Any) -> list[str]:
    """The names a schema's ``type`` gives (a string or a list of them), in order."""
    kind = schema.get("type") if isinstance(schema, dict) else None
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return [k for k in kind if isinstance(k, str)]
    return []


def is_json(media_type: str, *, wildcard: bool = False) -> bool:
    """``application/json`` or ``*/*+json`` (parameters ignored); with ``wildcard``, ``*/*`` too."""
    base = media_type.split(";", 1)[0].strip().lower()
    return base == "application/json" or base.endswith("+json") or (wildcard and base == "*/*")


def iter_path_items(document: Any) -> Iterator[tuple[str, dict[str, Any], str, str]]:
    """(path, path item with ``$ref`` followed, pointer under /paths, pointer where written)."""
    paths = document.get("paths") if isinstance(document, dict) else None
    if not isinstance(paths, dict):
        return
    for path, raw in paths.items():
        listed = join_pointer("/paths", path)
        item, written = follow_ref(document, raw, listed)
        if isinstance(item, dict):
            yield path, item, listed, written


@dataclass(frozen=True, slots=True)
class PathOperation:
    """An operation object and the path item that holds it."""

    path: str
    method: str  # lower case, as a key of the path item
    node: dict[str, Any]
    item: dict[str, Any]
    listed_at: str  # the path item's pointer under /paths
    item_pointer: str  # where the path item is written (a component when referenced)

    @property
    def pointer(self) -> str:
        """Where the operation object is written."""
        return join_pointer(self.item_pointer, self.method)


def iter_operations(document: Any) -> Iterator[PathOperation]:
    """Every operation of the document, in document order (methods in spec order)."""
    for path, item, listed, written in iter_path_items(document):
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                yield PathOperation(path, method, op, item, listed, written)


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


def subschemas(schema: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    """(pointer, value) of each direct subschema of ``schema``; values are not checked."""
    if not isinstance(schema, dict):
        return
    for key in _SCHEMA_MAPS:
        members = schema.get(key)
        if isinstance(members, dict):
            for name, sub in members.items():
                yield join_pointer(pointer, key, name), sub
    for key in _SCHEMA_LISTS:
        parts = schema.get(key)
        if isinstance(parts, list):
            for i, sub in enumerate(parts):
                yield f"{pointer}/{key}/{i}", sub
    for key in _SCHEMA_ONE:
        sub = schema.get(key)
        if isinstance(sub, list):  # draft-4 tuple items
            for i, part in enumerate(sub):
                yield f"{pointer}/{key}/{i}", part
        elif sub is not None:
            yield f"{pointer}/{key}", sub


def walk_schema(schema: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """``schema`` and every schema nested in it, depth first, by pointer."""
    if not isinstance(schema, dict):
        return
    yield pointer, schema
    for sub_pointer, sub in subschemas(schema, pointer):
        yield from walk_schema(sub, sub_pointer)


def iter_schemas(document: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object in the document, nested ones included, by pointer.

    Schemas are the components under ``/components/schemas`` and every ``schema``
    member anywhere else; example values and ``x-`` extensions are data, not schemas.
    """
    yield from _find_schemas(document, "")


def _find_schemas(node: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _find_schemas(item, f"{pointer}/{i}")
        return
    if not isinstance(node, dict):
        return
    if pointer == "/components/schemas":
        for name, schema in node.items():
            yield from walk_schema(schema, join_pointer(pointer, name))
        return
    for key, value in node.items():
        if key in ("example", "examples") or key.startswith("x-"):
            continue
        child = join_pointer(pointer, key)
        if key == "schema":
            yield from walk_schema(value, child)
        else:
            yield from _find_schemas(value, child)


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
