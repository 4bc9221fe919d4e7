"""Write a deterministic synthetic OpenAPI 3.1.0 contract for benchmarking `waooaw gen`.

Usage: python bench/make_synthetic.py [--operations 300] [--schemas 500] [--seed N] OUT.yaml

The contract is CRUD-shaped: one resource per five operations (list with limit/cursor,
create -> 201, get by uuid, replace with PUT, delete -> 204), resources spread over ten
tags, and component schemas of varied shapes (bounded strings and integers, numbers,
booleans, date-time, uuid, enums, nested refs, arrays of refs, `type: [T, "null"]`,
`allOf`, `oneOf` + discriminator, `additionalProperties: false` on create bodies).
Every operation answers 404/422/500 with `application/problem+json` ProblemDetails.
The same arguments always produce byte-identical output.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Schema = dict[str, Any]

DEFAULT_SEED = 20240601

TAGS = [
    "inventory",
    "billing",
    "logistics",
    "sensors",
    "agronomy",
    "identity",
    "reporting",
    "payments",
    "scheduling",
    "maintenance",
]

QUALIFIERS = [
    "Access", "Alert", "Audit", "Battery", "Billing", "Carbon", "Crop", "Customer",
    "Depot", "Device", "Energy", "Field", "Fleet", "Grid", "Harvest", "Invoice",
    "Ledger", "Meter", "Network", "Order", "Payment", "Pricing", "Route", "Routing",
    "Sensor", "Shipping", "Soil", "Solar", "Storage", "Supply", "Tariff", "Vendor",
    "Water", "Weather",
]  # fmt: skip

NOUNS = [
    "Account", "Batch", "Channel", "Contract", "Entry", "Event", "Item", "Label",
    "Limit", "Metric", "Note", "Panel", "Plan", "Policy", "Profile", "Quota",
    "Reading", "Record", "Report", "Rule", "Schedule", "Segment", "Setting", "Slot",
    "Snapshot", "Summary", "Task", "Template", "Window", "Zone",
]  # fmt: skip

STRING_PROPS = [
    "name", "title", "label", "code", "description", "summary", "notes", "slug",
    "reference", "display_name", "external_ref", "locale", "region_code", "sku",
]  # fmt: skip
INT_PROPS = [
    "quantity", "priority", "rank", "retries", "capacity", "position", "revision",
    "max_items", "duration_seconds", "threshold",
]  # fmt: skip
NUMBER_PROPS = [
    "score", "weight_kg", "price", "ratio", "latitude", "longitude", "amount",
    "temperature_c",
]  # fmt: skip
BOOL_PROPS = ["is_active", "enabled", "archived", "verified", "is_default", "visible", "locked"]
DATETIME_PROPS = ["started_at", "ended_at", "expires_at", "scheduled_at", "last_seen_at", "due_at"]
UUID_PROPS = ["owner_id", "parent_id", "account_id", "region_id", "batch_id"]
ENUM_PROPS: dict[str, list[str]] = {
    "status": ["draft", "active", "suspended", "retired"],
    "level": ["low", "medium", "high", "critical"],
    "tier": ["free", "standard", "premium"],
    "channel": ["email", "sms", "push", "webhook"],
    "mode": ["manual", "automatic"],
    "severity": ["info", "warning", "error"],
    "phase": ["planned", "running", "done", "cancelled"],
}
NULLABLE_PROPS: dict[str, Schema] = {
    "nickname": {"type": ["string", "null"], "maxLength": 64},
    "comment": {"type": ["string", "null"], "maxLength": 2000},
    "closed_at": {"type": ["string", "null"], "format": "date-time"},
    "manager_id": {"type": ["string", "null"], "format": "uuid"},
    "limit_override": {"type": ["integer", "null"], "minimum": 0, "maximum": 100000},
}
STRING_ARRAY_PROPS = ["tags", "aliases", "keywords"]

SCALAR_KINDS = ["str", "int", "number", "bool", "datetime", "uuid", "enum", "nullable", "strarray"]
SCALAR_WEIGHTS = [6, 4, 3, 3, 2, 2, 3, 3, 1]

ERROR_CODES = {
    "404": "Resource not found.",
    "422": "Request failed validation.",
    "500": "Unexpected server error.",
}


def plural(word: str) -> str:
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    return word + "s"


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def kebab(name: str) -> str:
    return snake(name).replace("_", "-")


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


@dataclass
class Extra:
    """A supporting component schema (value object, enum, union or union variant)."""

    name: str
    kind: str  # "object" | "enum" | "allof" | "union" | "variant"
    variants: list[str] = field(default_factory=list)


class _Dumper(yaml.SafeDumper):
    """Safe dumper that never writes YAML anchors/aliases for shared sub-objects."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


class Builder:
    def __init__(self, operations: int, schemas: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.operations = operations
        self.resource_count = -(-operations // 5)
        self.union_count = max(1, schemas // 70)
        base = 4 * self.resource_count + 1  # read/create/update/page per resource + ProblemDetails
        self.extra_count = max(schemas - base, 4 * self.union_count + 8)
        self.schemas: dict[str, Schema] = {}

    # -- names -------------------------------------------------------------------------

    def _names(self, count: int) -> list[str]:
        combos = [q + n for q in QUALIFIERS for n in NOUNS if not n.startswith(q)]
        if count > len(combos):
            raise SystemExit(f"at most {len(combos)} resources + supporting schemas supported")
        self.rng.shuffle(combos)
        return combos[:count]

    # -- properties --------------------------------------------------------------------

    def _scalar(self, kind: str, used: set[str]) -> tuple[str, Schema] | None:
        rng = self.rng
        pools: dict[str, list[str]] = {
            "str": STRING_PROPS,
            "int": INT_PROPS,
            "number": NUMBER_PROPS,
            "bool": BOOL_PROPS,
            "datetime": DATETIME_PROPS,
            "uuid": UUID_PROPS,
            "enum": list(ENUM_PROPS),
            "nullable": list(NULLABLE_PROPS),
            "strarray": STRING_ARRAY_PROPS,
        }
        free = [p for p in pools[kind] if p not in used]
        if not free:
            return None
        name = rng.choice(free)
        schema: Schema
        if kind == "str":
            low = rng.choice([0, 1, 1, 2, 3])
            schema = {
                "type": "string",
                "minLength": low,
                "maxLength": rng.choice([32, 64, 128, 255, 2000]),
            }
            if rng.random() < 0.3:
                schema["description"] = f"The {name.replace('_', ' ')}."
        elif kind == "int":
            low = rng.choice([0, 0, 1, -100])
            schema = {
                "type": "integer",
                "minimum": low,
                "maximum": low + rng.choice([10, 100, 10000, 1000000]),
            }
        elif kind == "number":
            schema = {"type": "number"}
            if rng.random() < 0.5:
                schema["minimum"] = 0
        elif kind == "bool":
            schema = {"type": "boolean"}
            if rng.random() < 0.3:
                schema["default"] = False
        elif kind == "datetime":
            schema = {"type": "string", "format": "date-time"}
        elif kind == "uuid":
            schema = {"type": "string", "format": "uuid"}
        elif kind == "enum":
            schema = {"type": "string", "enum": list(ENUM_PROPS[name])}
        elif kind == "nullable":
            schema = dict(NULLABLE_PROPS[name])
        else:  # strarray
            schema = {
                "type": "array",
                "items": {"type": "string", "minLength": 1, "maxLength": 40},
                "maxItems": rng.choice([10, 20, 50]),
            }
        return name, schema

    def _properties(
        self, count: int, refs: list[str], used: set[str] | None = None
    ) -> dict[str, Schema]:
        """`count` properties; up to two of them point at schemas in `refs`."""
        rng = self.rng
        used = set() if used is None else set(used)
        props: dict[str, Schema] = {}
        targets = rng.sample(refs, k=min(len(refs), rng.choice([0, 1, 1, 2]), count - 1))
        for i, target in enumerate(targets):
            base = snake(target)
            if i % 2 == 0:
                props[base] = ref(target)
            else:
                props[plural(base)] = {"type": "array", "items": ref(target), "maxItems": 100}
            used.add(base)
        while len(props) < count:
            kind = rng.choices(SCALAR_KINDS, SCALAR_WEIGHTS)[0]
            picked = self._scalar(kind, used)
            if picked is None:
                continue
            name, schema = picked
            used.add(name)
            props[name] = schema
        keys = list(props)
        rng.shuffle(keys)
        return {k: props[k] for k in keys}

    def _required(self, props: dict[str, Schema]) -> list[str]:
        return [k for k in props if self.rng.random() < 0.6]

    def _object(self, props: dict[str, Schema], description: str) -> Schema:
        schema: Schema = {"type": "object", "description": description, "properties": props}
        required = self._required(props)
        if required:
            schema["required"] = required
        return schema

    # -- supporting schemas ------------------------------------------------------------

    def _extras(self, names: list[str]) -> list[Extra]:
        rng = self.rng
        extras: list[Extra] = []
        pending = list(names)
        # Unions first, so their variants are reserved before anything else.
        for _ in range(self.union_count):
            union = Extra(pending.pop(), "union")
            union.variants = [pending.pop() for _ in range(rng.choice([2, 3]))]
            extras.append(union)
            extras.extend(Extra(v, "variant") for v in union.variants)
        for name in pending:
            roll = rng.random()
            kind = "enum" if roll < 0.08 else "allof" if roll < 0.2 else "object"
            extras.append(Extra(name, kind))
        # Emit in dependency-friendly order: plain objects and enums first.
        order = {"enum": 0, "object": 1, "variant": 2, "allof": 3, "union": 4}
        extras.sort(key=lambda e: order[e.kind])
        return extras

    def _emit_extras(self, extras: list[Extra]) -> list[str]:
        """Add supporting schemas; return the names resources may reference."""
        rng = self.rng
        referable: list[str] = []
        objects: list[str] = []
        for extra in extras:
            name = extra.name
            if extra.kind == "allof" and not objects:
                extra.kind = "object"
            words = snake(name).replace("_", " ")
            if extra.kind == "enum":
                values = [f"{words.split()[0]}_{v}" for v in rng.choice(list(ENUM_PROPS.values()))]
                self.schemas[name] = {"type": "string", "description": f"{words}.", "enum": values}
            elif extra.kind in ("object", "variant"):
                # Earlier referable schemas only: no reference cycles.
                nested = referable[-40:] if rng.random() < 0.35 else []
                count = rng.randint(3, 12)
                props = self._properties(count - (extra.kind == "variant"), nested, {"kind"})
                schema = self._object(props, f"A {words}.")
                if extra.kind == "variant":
                    tag = snake(name)
                    schema["properties"] = {"kind": {"type": "string", "const": tag}, **props}
                    schema["required"] = ["kind", *schema.get("required", [])]
                else:
                    objects.append(name)
                self.schemas[name] = schema
            elif extra.kind == "allof":
                base = rng.choice(objects)
                base_props = set(self.schemas[base]["properties"])
                own = self._properties(rng.randint(1, 4), [], base_props)
                part: Schema = {"type": "object", "properties": own}
                required = self._required(own)
                if required:
                    part["required"] = required
                self.schemas[name] = {"description": f"A {words}.", "allOf": [ref(base), part]}
            else:  # union
                self.schemas[name] = {
                    "description": f"One of the {words} variants, told apart by `kind`.",
                    "oneOf": [ref(v) for v in extra.variants],
                    "discriminator": {
                        "propertyName": "kind",
                        "mapping": {snake(v): f"#/components/schemas/{v}" for v in extra.variants},
                    },
                }
            if extra.kind != "variant":
                referable.append(name)
        return referable

    # -- resources ---------------------------------------------------------------------

    def _resource_schemas(self, name: str, referable: list[str]) -> None:
        rng = self.rng
        words = snake(name).replace("_", " ")
        count = rng.randint(3, 10)
        props = self._properties(count, referable, {"id", "created_at", "updated_at"})
        required = self._required(props) or [next(iter(props))]

        create: Schema = {
            "type": "object",
            "description": f"Fields to create a {words}.",
            "properties": props,
            "required": required,
            "additionalProperties": False,
        }
        update: Schema = {
            "type": "object",
            "description": f"Full replacement of a {words}.",
            "properties": props,
            "required": required,
        }
        read: Schema = {
            "type": "object",
            "description": f"A {words}.",
            "properties": {
                "id": {"type": "string", "format": "uuid", "readOnly": True},
                "created_at": {"type": "string", "format": "date-time", "readOnly": True},
                **props,
            },
            "required": ["id", "created_at", *required],
        }
        page: Schema = {
            "type": "object",
            "description": f"One page of {plural(words)}.",
            "properties": {
                "items": {"type": "array", "items": ref(name)},
                "next_cursor": {
                    "type": ["string", "null"],
                    "description": "Pass as `cursor` to get the next page; null on the last page.",
                },
                "total": {"type": "integer", "minimum": 0},
            },
            "required": ["items", "next_cursor"],
        }
        self.schemas[name] = read
        self.schemas[f"{name}Create"] = create
        self.schemas[f"{name}Update"] = update
        self.schemas[f"{name}Page"] = page

    @staticmethod
    def _errors() -> dict[str, Schema]:
        return {
            code: {
                "description": text,
                "content": {"application/problem+json": {"schema": ref("ProblemDetails")}},
            }
            for code, text in ERROR_CODES.items()
        }

    def _operations(self, names: list[str]) -> dict[str, Schema]:
        paths: dict[str, Schema] = {}
        remaining = self.operations
        for i, name in enumerate(names):
            tag = TAGS[i % len(TAGS)]
            words = snake(name).replace("_", " ")
            plural_name = plural(name)
            collection = f"/v1/{tag}/{kebab(plural_name)}"
            param = f"{snake(name)}_id"
            item = f"{collection}/{{{param}}}"
            id_param = {
                "name": param,
                "in": "path",
                "required": True,
                "description": f"Id of the {words}.",
                "schema": {"type": "string", "format": "uuid"},
            }

            def body(schema: str) -> Schema:
                return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}

            def ok(code: str, description: str, schema: str | None) -> dict[str, Schema]:
                resp: Schema = {"description": description}
                if schema is not None:
                    resp["content"] = {"application/json": {"schema": ref(schema)}}
                return {code: resp, **self._errors()}

            ops: list[tuple[str, str, Schema]] = [
                (
                    collection,
                    "get",
                    {
                        "operationId": f"list{plural_name}",
                        "summary": f"List {plural(words)}",
                        "parameters": [
                            {
                                "name": "limit",
                                "in": "query",
                                "required": False,
                                "schema": {
                                    "type": "integer",
                                    "minimum": 1,
                                    "maximum": 200,
                                    "default": 50,
                                },
                            },
                            {
                                "name": "cursor",
                                "in": "query",
                                "required": False,
                                "schema": {"type": "string", "maxLength": 512},
                            },
                        ],
                        "responses": ok("200", f"A page of {plural(words)}.", f"{name}Page"),
                    },
                ),
                (
                    collection,
                    "post",
                    {
                        "operationId": f"create{name}",
                        "summary": f"Create a {words}",
                        "requestBody": body(f"{name}Create"),
                        "responses": ok("201", f"The created {words}.", name),
                    },
                ),
                (
                    item,
                    "get",
                    {
                        "operationId": f"get{name}",
                        "summary": f"Get a {words}",
                        "responses": ok("200", f"The {words}.", name),
                    },
                ),
                (
                    item,
                    "put",
                    {
                        "operationId": f"replace{name}",
                        "summary": f"Replace a {words}",
                        "requestBody": body(f"{name}Update"),
                        "responses": ok("200", f"The updated {words}.", name),
                    },
                ),
                (
                    item,
                    "delete",
                    {
                        "operationId": f"delete{name}",
                        "summary": f"Delete a {words}",
                        "responses": ok("204", "Deleted.", None),
                    },
                ),
            ]
            for path, method, op in ops[: min(5, remaining)]:
                if path == item:
                    op = {**op, "parameters": [dict(id_param)]}
                paths.setdefault(path, {})[method] = {"tags": [tag], **op}
            remaining -= min(5, remaining)
        return paths

    def build(self) -> Schema:
        names = self._names(self.resource_count + self.extra_count)
        resources, extra_names = names[: self.resource_count], names[self.resource_count :]
        referable = self._emit_extras(self._extras(extra_names))
        self.schemas["ProblemDetails"] = {
            "type": "object",
            "description": "RFC 9457 problem details.",
            "properties": {
                "type": {"type": "string", "format": "uri-reference", "default": "about:blank"},
                "title": {"type": "string"},
                "status": {"type": "integer", "minimum": 100, "maximum": 599},
                "detail": {"type": "string"},
                "instance": {"type": "string", "format": "uri-reference"},
                "correlation_id": {"type": "string"},
            },
            "required": ["type", "title", "status"],
        }
        for name in resources:
            self._resource_schemas(name, referable)
        paths = self._operations(resources)

        op_ids = [
            op["operationId"]
            for item in paths.values()
            for op in item.values()
            if "operationId" in op
        ]
        assert len(op_ids) == len(set(op_ids)) == self.operations, "operationIds must be unique"

        return {
            "openapi": "3.1.0",
            "info": {
                "title": "Synthetic benchmark API",
                "version": "1.0.0",
                "description": "Generated by bench/make_synthetic.py for benchmarking; do not edit.",
            },
            "tags": [{"name": t, "description": f"{t.capitalize()} operations."} for t in TAGS],
            "paths": paths,
            "components": {"schemas": self.schemas},
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out", type=Path, metavar="OUT.yaml")
    parser.add_argument("--operations", type=int, default=300, help="number of operations (300)")
    parser.add_argument(
        "--schemas", type=int, default=500, help="about this many component schemas (500)"
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed ({DEFAULT_SEED})"
    )
    args = parser.parse_args(argv)
    if args.operations < 1:
        parser.error("--operations must be at least 1")

    doc = Builder(args.operations, args.schemas, args.seed).build()
    header = (
        f"# Generated by bench/make_synthetic.py --operations {args.operations} "
        f"--schemas {args.schemas} --seed {args.seed}; do not edit.\n"
    )
    text = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(header + text, encoding="utf-8")
    n_schemas = len(doc["components"]["schemas"])
    print(f"wrote {args.out}: {args.operations} operations, {n_schemas} schemas", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
