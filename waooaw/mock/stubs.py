"""The generated server stubs of a contract, made on the fly and imported from memory.

The generator renders the package (models and server targets) without writing it;
its modules are imported straight from those texts under a name derived from the
generated code's hash, so a second mock of the same contract in one process reuses
them. The contract is loaded once: the rendering hands back its document and IR.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.util
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

from waooaw.codegen.ir import Api
from waooaw.codegen.loader import LoadedContract
from waooaw.codegen.pipeline import STATE_FILE, Job, render_package

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
    # `out` only names the package in the job; nothing is written there
    package = render_package(Job(spec, spec.parent, name, frozenset({"models", "server"})))
    assert package.api is not None  # the Python targets always build the IR
    files = {k: v.encode("utf-8") for k, v in sorted(package.files.items()) if k != STATE_FILE}
    digest = hashlib.sha256()
    for filename, data in files.items():
        digest.update(filename.encode() + b"\0" + data + b"\0")
    module_name = f"waooaw_mock_{name}_{digest.hexdigest()[:16]}"
    with _LOCK:
        if module_name not in _IMPORTED:
            _IMPORTED[module_name] = _import(module_name, package.files)
    models, server = _IMPORTED[module_name]
    return Stubs(package.contract, package.api, models, server, files["openapi.json"])


class _TextLoader(importlib.abc.InspectLoader):
    """Modules of one generated package, from their source texts (tracebacks show them)."""

    def __init__(self, package: str, files: dict[str, str]) -> None:
        self.package = package
        self.files = files

    def _file(self, fullname: str) -> str:
        if fullname == self.package:
            return "__init__.py"
        return fullname.removeprefix(self.package + ".") + ".py"

    def get_source(self, fullname: str) -> str:
        return self.files[self._file(fullname)]

    def is_package(self, fullname: str) -> bool:
        return fullname == self.package

    def origin(self, fullname: str) -> str:
        # not a "<...>" name: linecache then asks this loader for the source of tracebacks
        return f"{self.package}/{self._file(fullname)}"

    def get_code(self, fullname: str) -> CodeType:
        source = self.get_source(fullname)
        return compile(source, self.origin(fullname), "exec", dont_inherit=True)


def _import(package: str, files: dict[str, str]) -> tuple[ModuleType, ModuleType]:
    loader = _TextLoader(package, files)
    loaded: list[ModuleType] = []
    try:
        for fullname in (package, f"{package}.models", f"{package}.server"):
            spec = importlib.util.spec_from_loader(
                fullname,
                loader,
                origin=loader.origin(fullname),
                is_package=loader.is_package(fullname),
            )
            assert spec is not None
            spec.has_location = True  # __file__ names the text, which the loader gives
            if spec.submodule_search_locations is not None:
                spec.submodule_search_locations[:] = []  # submodules come from this loader only
            module = importlib.util.module_from_spec(spec)
            sys.modules[fullname] = module
            if loaded:  # `from . import models` in server.py finds it on the package
                setattr(loaded[0], fullname.rsplit(".", 1)[1], module)
            loader.exec_module(module)
            loaded.append(module)
    except BaseException:
        for key in [k for k in sys.modules if k == package or k.startswith(package + ".")]:
            del sys.modules[key]
        raise
    return loaded[1], loaded[2]
