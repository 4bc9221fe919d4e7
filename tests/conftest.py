"""Shared fixtures: the repository root and a scratch folder importable as packages."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLANT_CONTRACT = ROOT / "contracts" / "plant.openapi.yaml"


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run with the repository root as working directory (paths in headers are relative to it)."""
    monkeypatch.chdir(ROOT)
    return ROOT


@pytest.fixture
def importable(tmp_path: Path) -> Iterator[Path]:
    """A folder on sys.path; packages generated into it can be imported."""
    sys.path.insert(0, str(tmp_path))
    before = set(sys.modules)
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        for name in set(sys.modules) - before:
            module = sys.modules.get(name)
            if module is not None and str(getattr(module, "__file__", "") or "").startswith(
                str(tmp_path)
            ):
                del sys.modules[name]
