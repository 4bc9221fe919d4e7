"""Schemas named like what models.py imports get other class names, and the module works."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from waooaw.codegen import Job, generate
from waooaw.codegen.naming import MODELS_IMPORTS

IMPORTED = sorted({name for group in MODELS_IMPORTS for _, names in group for name in names})


@pytest.fixture
def on_path(tmp_path: Path) -> Iterator[Path]:
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in [m for m in sys.modules if m.startswith("clash_pkg")]:
        del sys.modules[name]


def test_imported_names_are_never_model_names(on_path: Path) -> None:
    # every component is an object with an optional, non-nullable field: its class then
    # uses ClassVar (__waooaw_not_null__), Field and is_none from the imports
    schemas = {
        name: {"type": "object", "properties": {"note": {"type": "string"}}} for name in IMPORTED
    }
    schemas["Holder"] = {
        "type": "object",
        "properties": {name.lower(): {"$ref": f"#/components/schemas/{name}"} for name in IMPORTED},
    }
    contract = {
        "openapi": "3.1.0",
        "info": {"title": "Clash", "version": "1"},
        "paths": {},
        "components": {"schemas": schemas},
    }
    spec = on_path / "clash.yaml"
    spec.write_text(yaml.safe_dump(contract), encoding="utf-8")
    generate(Job(spec, on_path / "clash_pkg", "clash", frozenset({"models"})))
    importlib.invalidate_caches()
    models = importlib.import_module("clash_pkg.models")
    assert not set(IMPORTED) & set(models.__all__)
    assert "ClassVarModel" in models.__all__
    holder = models.Holder.model_validate({"classvar": {"note": "x"}})
    assert holder.model_dump(mode="json") == {"classvar": {"note": "x"}}
