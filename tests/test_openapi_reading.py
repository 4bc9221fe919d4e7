"""waooaw.codegen.openapi: the walks codegen, governance and mock share."""

from __future__ import annotations

from typing import Any

from waooaw.codegen.openapi import (
    deref,
    follow_ref,
    is_json,
    iter_operations,
    iter_schemas,
    schema_types,
    to_json_schema_2020,
)

DOC: dict[str, Any] = {
    "openapi": "3.1.0",
    "paths": {
        "/a": {"$ref": "#/components/pathItems/A"},
        "/b": {"post": {"requestBody": {"content": {"application/json": {"schema": {}}}}}},
    },
    "components": {
        "pathItems": {"A": {"get": {"operationId": "getA"}, "delete": {}}},
        "schemas": {
            "One": {"$ref": "#/components/schemas/Two"},
            "Two": {"type": "object", "properties": {"x": {"type": ["string", "null"]}}},
            "Loop": {"$ref": "#/components/schemas/Loop2"},
            "Loop2": {"$ref": "#/components/schemas/Loop"},
            "Broken": {"$ref": "#/components/schemas/Nowhere"},
        },
    },
}


def test_follow_ref_gives_the_target_and_where_it_is_written() -> None:
    node, pointer = follow_ref(DOC, DOC["components"]["schemas"]["One"], "/x")
    assert node is DOC["components"]["schemas"]["Two"]
    assert pointer == "/components/schemas/Two"
    assert follow_ref(DOC, {"type": "string"}, "/here") == ({"type": "string"}, "/here")


def test_broken_refs_and_cycles_give_none_or_the_last_node() -> None:
    broken = DOC["components"]["schemas"]["Broken"]
    assert follow_ref(DOC, broken, "/b") == (None, "/b")
    assert follow_ref(DOC, broken, "/b", keep_unresolved=True) == (broken, "/b")
    assert deref(DOC, DOC["components"]["schemas"]["Loop"]) is None
    kept, _ = follow_ref(DOC, DOC["components"]["schemas"]["Loop"], keep_unresolved=True)
    assert kept in (DOC["components"]["schemas"]["Loop"], DOC["components"]["schemas"]["Loop2"])


def test_operations_in_document_order_with_referenced_path_items() -> None:
    found = [(op.method, op.path, op.listed_at, op.pointer) for op in iter_operations(DOC)]
    assert found == [
        ("get", "/a", "/paths/~1a", "/components/pathItems/A/get"),
        ("delete", "/a", "/paths/~1a", "/components/pathItems/A/delete"),
        ("post", "/b", "/paths/~1b", "/paths/~1b/post"),
    ]


def test_every_schema_is_found_nested_ones_included() -> None:
    pointers = [p for p, _ in iter_schemas(DOC)]
    assert "/components/schemas/Two/properties/x" in pointers
    assert "/paths/~1b/post/requestBody/content/application~1json/schema" in pointers
    assert not any("pathItems/A" in p for p in pointers)


def test_types_media_types_and_the_30_translation() -> None:
    assert schema_types({"type": ["string", "null", 3]}) == ["string", "null"]
    assert schema_types({"type": "integer"}) == ["integer"]
    assert schema_types({}) == [] and schema_types(None) == []
    assert is_json("application/problem+json; charset=utf-8")
    assert not is_json("*/*") and is_json("*/*", wildcard=True)
    assert not is_json("text/plain")
    converted = to_json_schema_2020(
        {"type": "integer", "nullable": True, "minimum": 1, "exclusiveMinimum": True}
    )
    assert converted == {"type": ["integer", "null"], "exclusiveMinimum": 1}
