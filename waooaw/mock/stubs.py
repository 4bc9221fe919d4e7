"""The generated server stubs of a contract, made on the fly and imported.

``waooaw gen`` (models and server targets) writes the package into a scratch
folder, which is imported under a name derived from the generated code's hash
and then removed: the modules live on in ``sys.modules``, and a second mock of
the same contract in one process reuses them.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import re
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from waooaw.codegen.build import build_api
from waooaw.codegen.ir import Api
from waooaw.codegen.loader import LoadedContract, load_contract
from waooaw.codegen.pipeline import STATE_FILE, Job, generate

__all__ = ["Stubs", "load_stubs"]

_LOCK = threading.Lock()
_IMPORTED: dict[str, tuple[ModuleType, ModuleType]] = {}


@dataclass(frozen=True, slots=True)
class Stubs:
    """A contract with its IR and its generated ``models`` and ``server`` modules."""

    contract: LoadedContract
    api: Api
    models: ModuleType
    server: ModuleType
    contract_json: bytes  # the bundled contract, as a service serves it at /openapi.json

    @property
    def document(self) -> dict[str, Any]:
        return self.contract.document


def _name(spec: Path) -> str:
    name = re.sub(r"\W", "_", spec.name.split(".", 1)[0]).strip("_") or "contract"
    return name if name[0].isalpha() else "c_" + name


def load_stubs(spec: Path) -> Stubs:
    """Generate and import the stubs of ``spec``; raises ContractErrors for a bad contract."""
    name = _name(spec)
    with tempfile.TemporaryDirectory(prefix="waooaw-mock-") as scratch:
        out = Path(scratch) / "package"
        generate(Job(spec, out, name, frozenset({"models", "server"})), force=True)
        (out / STATE_FILE).unlink(missing_ok=True)
        files = {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}
        digest = hashlib.sha256()
        for filename, data in files.items():
            digest.update(filename.encode() + b"\0" + data + b"\0")
        package = f"waooaw_mock_{name}_{digest.hexdigest()[:16]}"
        with _LOCK:
            if package not in _IMPORTED:
                _IMPORTED[package] = _import(package, out)
        models, server = _IMPORTED[package]
        contract_json = files["openapi.json"]
    # load again for the IR and the document: generate() keeps neither
    contract = load_contract(spec)
    api = build_api(contract, name=name, source=Job(spec, out, name).source)
    return Stubs(contract, api, models, server, contract_json)


def _import(package: str, folder: Path) -> tuple[ModuleType, ModuleType]:
    target = folder.parent / package
    shutil.copytree(folder, target)
    spec = importlib.util.spec_from_file_location(
        package, target / "__init__.py", submodule_search_locations=[str(target)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[package] = module
    try:
        spec.loader.exec_module(module)
        models = importlib.import_module(f"{package}.models")
        server = importlib.import_module(f"{package}.server")
    except BaseException:
        for key in [k for k in sys.modules if k == package or k.startswith(package + ".")]:
            del sys.modules[key]
        raise
    return models, server
