"""Helpers for the Postman target: the v2.1 schema, and collections rendered from contracts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs

from waooaw.codegen import Job
from waooaw.codegen.pipeline import render  # the package's `render` may be the render module

from ..conftest import ROOT

SCHEMA = ROOT / "tests" / "fixtures" / "postman" / "collection-v2.1.0.schema.json"
GOLDEN = ROOT / "waooaw" / "generated" / "plant"
ENVIRONMENTS = ("local", "demo", "prod")


@cache
def _validator() -> Any:
    return jsonschema_rs.validator_for(json.loads(SCHEMA.read_text(encoding="utf-8")))


def schema_errors(collection: dict[str, Any]) -> list[str]:
    """Every way ``collection`` breaks the Postman Collection v2.1.0 schema."""
    return [
        "/" + "/".join(map(str, e.instance_path)) + f": {e.message}"
        for e in _validator().iter_errors(collection)
    ]


@dataclass(frozen=True)
class Rendered:
    """A contract's collection and environments, parsed."""

    name: str
    texts: dict[str, str]

    @property
    def collection(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.texts[f"{self.name}.postman_collection.json"])
        return loaded

    def environment(self, env: str) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(
            self.texts[f"{self.name}.{env}.postman_environment.json"]
        )
        return loaded

    def items(self) -> list[tuple[str, dict[str, Any]]]:
        """(folder, item) for every request, in run order."""
        return [(f["name"], item) for f in self.collection["item"] for item in f["item"]]

    def item(self, method: str, path: str) -> dict[str, Any]:
        """The request for ``method path`` (path in Postman form, e.g. ``/pets/:petId``)."""
        raw = "{{base_url}}" + path
        found = [
            item
            for _, item in self.items()
            if item["request"]["method"] == method
            and item["request"]["url"]["raw"].split("?")[0] == raw
        ]
        assert len(found) == 1, f"{method} {path}: {len(found)} requests"
        return found[0]


def render_postman(spec: Path, name: str = "api") -> Rendered:
    files = render(Job(spec, spec.parent / "unused", name, frozenset({"postman"})))
    return Rendered(name, {k: v for k, v in files.items() if ".postman_" in k})


def script(item: dict[str, Any], listen: str) -> str:
    events = [e for e in item.get("event", []) if e["listen"] == listen]
    assert len(events) == 1, f"{item.get('name')}: {len(events)} {listen} scripts"
    return "\n".join(events[0]["script"]["exec"])


def body(item: dict[str, Any]) -> Any:
    return json.loads(item["request"]["body"]["raw"])


def headers(item: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {h["key"]: h for h in item["request"]["header"]}
