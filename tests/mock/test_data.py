"""The mock's data generator (``waooaw.mock.data``) and its pattern strings.

Every value the generator returns must be valid against its schema; these tests check
that with an independent validator (``jsonschema``-rs on the contract, as the linter reads
it) over every component schema of every contract the mock is tested on, and over the
awkward cases one at a time: recursion, nullable unions in both dialects, discriminators,
odd enum values, bounds, patterns, uniqueness and read/write-only properties.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from waooaw.codegen.errors import join_pointer
from waooaw.codegen.loader import load_contract
from waooaw.codegen.openapi import to_json_schema_2020
from waooaw.mock import GenerationError, SchemaData
from waooaw.mock.patterns import PatternError, string_for_pattern

from .conftest import MOCKED


def independent_validator(document: dict[str, Any], pointer: str) -> Any:
    """A validator built apart from SchemaData: the contract as the linter reads it."""
    if str(document.get("openapi")).startswith("3.0"):
        document = to_json_schema_2020(document)
    registry = jsonschema_rs.Registry([("urn:t", document)], draft=jsonschema_rs.Draft202012)
    return jsonschema_rs.Draft202012Validator(
        {"$ref": "urn:t#" + pointer}, registry=registry, validate_formats=True
    )


def data_for(openapi: str, schemas: dict[str, Any], *, seed: int = 0) -> SchemaData:
    return SchemaData(
        {"openapi": openapi, "info": {}, "paths": {}, "components": {"schemas": schemas}},
        seed=seed,
    )


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def generate_valid(data: SchemaData, name: str, **kwargs: Any) -> Any:
    value = data.generate(ref(name), salt=name, **kwargs)
    validator = independent_validator(data.document, f"/components/schemas/{name}")
    errors = [e.message for e in validator.iter_errors(value)]
    assert not errors, f"{name}: {value!r}: {errors}"
    return value


# -- every schema of every contract ------------------------------------------------------------


@pytest.mark.parametrize("key", list(MOCKED))
@pytest.mark.parametrize("direction", ["response", "request"])
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_every_component_schema_gets_a_valid_value(key: str, direction: str, seed: int) -> None:
    document = load_contract(MOCKED[key]).document
    data = SchemaData(document, seed=seed)
    names = list(document["components"]["schemas"])
    assert names
    for name in names:
        pointer = join_pointer("/components/schemas", name)
        value = data.generate({"$ref": "#" + pointer}, salt=name, direction=direction)  # type: ignore[arg-type]
        errors = [e.message for e in independent_validator(document, pointer).iter_errors(value)]
        assert not errors, f"{key} {name}: {value!r}: {errors}"


def test_the_same_seed_gives_the_same_values_and_another_seed_others() -> None:
    document = load_contract(MOCKED["plant"]).document
    first = SchemaData(document, seed=3).generate(ref("AgentResponse"), salt="x")
    again = SchemaData(document, seed=3).generate(ref("AgentResponse"), salt="x")
    other = SchemaData(document, seed=4).generate(ref("AgentResponse"), salt="x")
    assert first == again
    assert first != other


# -- the awkward cases, one at a time ----------------------------------------------------------


def test_recursion_is_bounded_with_required_properties_only() -> None:
    data = data_for(
        "3.1.0",
        {
            "TreeNode": {
                "type": "object",
                "required": ["value"],
                "properties": {
                    "value": {"type": "string"},
                    "children": {"type": "array", "items": ref("TreeNode")},
                },
            }
        },
    )
    tree = generate_valid(data, "TreeNode")
    assert tree["children"], "the first level shows children"
    assert all(set(child) == {"value"} for child in tree["children"]), tree


def test_recursion_through_a_nullable_all_of_in_openapi_30() -> None:
    data = data_for(
        "3.0.3",
        {
            "Node": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "parent": {"nullable": True, "allOf": [ref("Node")]},
                    "children": ref("NodeList"),
                },
            },
            "NodeList": {"type": "array", "items": ref("Node")},
        },
    )
    node = generate_valid(data, "Node")
    assert node["parent"] == {"name": node["parent"]["name"]}


def test_a_recursive_any_of_json_value() -> None:
    data = data_for(
        "3.1.0",
        {
            "JsonValue": {
                "anyOf": [
                    {"type": "array", "items": ref("JsonValue")},
                    {"type": "object", "additionalProperties": ref("JsonValue")},
                    {"type": "null"},
                ]
            }
        },
    )
    generate_valid(data, "JsonValue")


def test_required_recursion_with_no_end_is_an_error() -> None:
    data = data_for(
        "3.1.0",
        {"Loop": {"type": "object", "required": ["next"], "properties": {"next": ref("Loop")}}},
    )
    with pytest.raises(GenerationError, match="recursion"):
        data.generate(ref("Loop"))


@pytest.mark.parametrize(
    ("openapi", "schema"),
    [
        ("3.0.3", {"type": "string", "nullable": True, "enum": ["red", "green", None]}),
        ("3.1.0", {"type": ["string", "null"], "enum": ["cat", "dog", None]}),
        ("3.1.0", {"anyOf": [{"type": "integer"}, {"type": "null"}]}),
        ("3.0.3", {"nullable": True, "allOf": [{"type": "integer", "minimum": 5}]}),
    ],
)
def test_nullable_values_are_not_null_where_the_schema_offers_more(
    openapi: str, schema: dict[str, Any]
) -> None:
    value = generate_valid(data_for(openapi, {"Value": schema}), "Value")
    assert value is not None


def test_nullable_is_null_when_recursion_has_to_stop() -> None:
    data = data_for(
        "3.1.0",
        {
            "Person": {
                "type": "object",
                "required": ["name", "partner"],
                "properties": {
                    "name": {"type": "string"},
                    "partner": {"anyOf": [ref("Person"), {"type": "null"}]},
                },
            }
        },
    )
    person = generate_valid(data, "Person")
    assert person["partner"]["partner"] is None


CAT_DOG = {
    "Cat": {
        "type": "object",
        "additionalProperties": False,
        "required": ["petType", "name"],
        "properties": {"petType": {"type": "string"}, "name": {"type": "string"}},
    },
    "Dog": {
        "type": "object",
        "additionalProperties": False,
        "required": ["petType", "barks"],
        "properties": {"petType": {"type": "string"}, "barks": {"type": "boolean"}},
    },
}


@pytest.mark.parametrize(
    ("discriminator", "tags"),
    [
        ({"propertyName": "petType", "mapping": {"cat": "Cat", "dog": "#/components/schemas/Dog"}}, {"cat", "dog"}),
        ({"propertyName": "petType"}, {"Cat", "Dog"}),
    ],
)  # fmt: skip
def test_discriminated_unions_carry_their_tag(
    discriminator: dict[str, Any], tags: set[str]
) -> None:
    schemas = {
        **CAT_DOG,
        "Pet": {"oneOf": [ref("Cat"), ref("Dog")], "discriminator": discriminator},
    }
    data = data_for("3.0.3", schemas)
    pet = generate_valid(data, "Pet")
    assert pet["petType"] in tags
    items = data_for("3.0.3", {**schemas, "Pets": {"type": "array", "items": ref("Pet")}})
    # items of an array take the branches in turn
    assert {p["petType"] for p in generate_valid(items, "Pets")} == tags


def test_inline_variants_discriminated_by_an_enum() -> None:
    data = data_for(
        "3.0.3",
        {
            "Vehicle": {
                "oneOf": [
                    {"type": "object", "required": ["kind", "wheels"], "properties": {"kind": {"type": "string", "enum": ["car"]}, "wheels": {"type": "integer"}}},
                    {"type": "object", "required": ["kind", "sails"], "properties": {"kind": {"type": "string", "enum": ["boat"]}, "sails": {"type": "integer"}}},
                ],
                "discriminator": {"propertyName": "kind"},
            }
        },
    )  # fmt: skip
    assert generate_valid(data, "Vehicle")["kind"] in ("car", "boat")


def test_one_of_without_discriminator_is_valid_for_exactly_one_branch() -> None:
    loose = {
        "A": {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}},
        "B": {"type": "object", "required": ["b"], "properties": {"b": {"type": "string"}}},
        "AorB": {"oneOf": [ref("A"), ref("B")]},
    }
    value = generate_valid(data_for("3.1.0", loose), "AorB")
    assert ("a" in value) != ("b" in value)


@pytest.mark.parametrize(
    "values",
    [
        ["1 monday", "2 tuesday", "not-a-day", "", "None"],
        ["with space", " leading space", "UPPER case"],
        [-1, 0, 1],
        ["class", "None", "from"],
    ],
)
def test_enums_with_odd_values(values: list[Any]) -> None:
    kind = "integer" if isinstance(values[0], int) else "string"
    data = data_for("3.1.0", {"E": {"type": kind, "enum": values}})
    assert generate_valid(data, "E") in values


def test_unique_items_take_distinct_enum_values_or_fail_clearly() -> None:
    two = {"type": "array", "uniqueItems": True, "minItems": 2, "items": {"enum": ["a", "b"]}}
    assert sorted(generate_valid(data_for("3.1.0", {"T": two}), "T")) == ["a", "b"]
    three = {**two, "minItems": 3}
    with pytest.raises(GenerationError, match="unique"):
        data_for("3.1.0", {"T": three}).generate(ref("T"))


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "integer", "minimum": 5, "exclusiveMaximum": 7},
        {"type": "integer", "maximum": -50},
        {"type": "integer", "minimum": 1000, "multipleOf": 7},
        {"type": "integer", "format": "int32", "minimum": 2147483600},
        {"type": "number", "exclusiveMinimum": 0, "maximum": 0.5},
        {"type": "number", "multipleOf": 0.25, "minimum": 3},
        {"type": "string", "minLength": 12, "maxLength": 12},
        {"type": "string", "pattern": "^[A-Z]{3}$"},
        {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        {"type": "string", "pattern": "^L0-0[1-7]$"},
        {"type": "string", "format": "date-time"},
        {"type": "string", "format": "email"},
        {"type": "string", "format": "uri"},
        {"type": "string", "format": "uuid"},
        {"const": "fixed"},
        {"type": "object", "minProperties": 2, "additionalProperties": {"type": "integer"}},
        {"allOf": [{"required": ["a"]}, {"properties": {"a": {"type": "integer", "minimum": 3}}}]},
    ],
)
def test_keywords_are_respected(schema: dict[str, Any]) -> None:
    generate_valid(data_for("3.1.0", {"S": schema}), "S")


def test_openapi_30_boolean_exclusive_minimum() -> None:
    money = {"type": "number", "minimum": 0, "exclusiveMinimum": True}
    assert generate_valid(data_for("3.0.3", {"M": money}), "M") > 0


def test_read_only_and_write_only_follow_the_direction() -> None:
    data = data_for(
        "3.1.0",
        {
            "User": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "readOnly": True},
                    "password": {"type": "string", "writeOnly": True},
                    "name": {"type": "string"},
                },
            }
        },
    )
    assert set(generate_valid(data, "User", direction="response")) == {"id", "name"}
    assert set(generate_valid(data, "User", direction="request")) == {"password", "name"}


def test_valid_examples_are_preferred_and_invalid_ones_skipped() -> None:
    schema = {
        "type": "object",
        "required": ["n"],
        "properties": {"n": {"type": "integer", "maximum": 9, "examples": [42, 7]}},
        "example": {"n": 100},
    }
    assert generate_valid(data_for("3.1.0", {"S": schema}), "S") == {"n": 7}


def test_an_unsatisfiable_pattern_is_reported() -> None:
    data = data_for("3.1.0", {"S": {"type": "string", "pattern": "^(?=a)b$"}})
    with pytest.raises(GenerationError, match="look-ahead"):
        data.generate(ref("S"))


# -- patterns ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        r"^[A-Za-z0-9._-]+$",
        r"^[0-9a-f]{64}$",
        r"^L0-0[1-7]$",
        r"(foo|bar)+baz?",
        r"^\d{3}-\d{4}$",
        r"[^a-z]{2,5}",
        r"^(?:[a-z0-9]+(?:-[a-z0-9]+)*)$",
        r"^\w+@\w+\.com$",
        r"^(?P<year>\d{4})-(?<month>0[1-9]|1[0-2])$",
        r"^\x41\u0042[\]\\-]$",
        r"^a{2,}b*c?$",
        r"v\.\d+",
    ],
)
def test_pattern_strings_match(pattern: str) -> None:
    rng = random.Random(0)
    matches = jsonschema_rs.Draft202012Validator({"pattern": pattern}).is_valid  # ECMA-262
    for _ in range(20):
        text = string_for_pattern(pattern, rng)
        assert matches(text), (pattern, text)


def test_pattern_strings_keep_to_length_bounds() -> None:
    text = string_for_pattern("ab", random.Random(0), min_length=6, max_length=8)
    assert 6 <= len(text) <= 8 and "ab" in text
    with pytest.raises(PatternError, match="no string"):
        string_for_pattern("^[a-z]{2}$", random.Random(0), min_length=5)


@pytest.mark.parametrize(
    "pattern", [r"^(?=x)x$", r"^(?!x).$", r"(a)\1", r"\p{L}+", r"(?<=a)b", "a("]
)
def test_unsupported_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(PatternError):
        string_for_pattern(pattern, random.Random(0))


def test_contract_patterns_are_all_supported() -> None:
    """Every pattern of the project's contracts yields strings (no start-up error)."""
    root = Path(__file__).resolve().parents[2]
    found = set()
    for path in [
        *(root / "contracts").glob("*.yaml"),
        *(root / "tests/fixtures/contracts").rglob("*.yaml"),
    ]:
        found |= set(re.findall(r"pattern: '?([^'\n]+)'?", path.read_text()))
    assert found
    for pattern in found:
        assert re.search(pattern, string_for_pattern(pattern.strip(), random.Random(1)))
