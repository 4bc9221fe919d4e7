"""Shared fixtures: the repository root, a scratch folder importable as packages, and the
fixture contracts of ``tests/fixtures/contracts`` generated once per session."""

from __future__ import annotations

import importlib
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from waooaw.codegen import Job, generate

ROOT = Path(__file__).resolve().parent.parent
PLANT_CONTRACT = ROOT / "contracts" / "plant.openapi.yaml"
FIXTURE_CONTRACTS = ROOT / "tests" / "fixtures" / "contracts"
#: The fixture contracts every generic test runs over: key -> contract file.
CONTRACTS: dict[str, Path] = {
    "features31": FIXTURE_CONTRACTS / "features31.yaml",
    "features30": FIXTURE_CONTRACTS / "features30.yaml",
    "petstore": FIXTURE_CONTRACTS / "petstore.yaml",
    "multifile": FIXTURE_CONTRACTS / "multifile" / "root.yaml",
}


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


@dataclass(frozen=True)
class Generated:
    """A fixture contract generated into ``root/package`` and imported."""

    key: str
    spec: Path
    root: Path  # the folder on sys.path
    package: str
    models: ModuleType
    server: ModuleType

    @property
    def path(self) -> Path:
        return self.root / self.package


@pytest.fixture(scope="session")
def generated_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("generated")
    sys.path.insert(0, str(root))
    yield root
    sys.path.remove(str(root))


@pytest.fixture(scope="session")
def generate_package(generated_root: Path) -> Iterator[Callable[[str], Generated]]:
    """``generate_package(key)``: the contract generated into a uniquely named package."""
    cache: dict[str, Generated] = {}

    def get(key: str) -> Generated:
        if key not in cache:
            package = f"{key}_{uuid.uuid4().hex[:8]}"
            generate(Job(spec=CONTRACTS[key], out=generated_root / package, name=key))
            importlib.invalidate_caches()
            cache[key] = Generated(
                key=key,
                spec=CONTRACTS[key],
                root=generated_root,
                package=package,
                models=importlib.import_module(f"{package}.models"),
                server=importlib.import_module(f"{package}.server"),
            )
        return cache[key]

    yield get
    for gen in cache.values():
        for name in [m for m in sys.modules if m == gen.package or m.startswith(gen.package + ".")]:
            del sys.modules[name]


@pytest.fixture(scope="session")
def features31(generate_package: Callable[[str], Generated]) -> Generated:
    return generate_package("features31")


@pytest.fixture(scope="session")
def features30(generate_package: Callable[[str], Generated]) -> Generated:
    return generate_package("features30")


@pytest.fixture(scope="session")
def petstore(generate_package: Callable[[str], Generated]) -> Generated:
    return generate_package("petstore")


@pytest.fixture(scope="session")
def multifile(generate_package: Callable[[str], Generated]) -> Generated:
    return generate_package("multifile")
