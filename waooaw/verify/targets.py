"""Services ``waooaw verify --service NAME`` knows how to stand up, in a small registry.

A target is a function from ``TargetOptions`` to a context manager yielding ``Served``:
the service (an ASGI app to call in process, or the base URL of a running one), its
contract, default headers (a bearer token, say) and its ``Expectations``. Whatever the
target starts - a temporary database, a Plant behind a PP - lives as long as the ``with``
block::

    @target("pp", description="PP in process, with an in-process Plant behind it")
    @contextmanager
    def pp(options: TargetOptions) -> Iterator[Served]:
        with open_target("plant", options) as plant:
            app = create_pp_app(PPSettings(plant_api_url=..., ...))
            yield Served(name="pp", contract=PP_CONTRACT, app=app,
                         headers={"Authorization": f"Bearer {token}"})

Built-in targets live in modules imported on first use (``_BUILTIN``), so listing or
choosing one costs nothing until it runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .expectations import Expectations

__all__ = [
    "Served",
    "Target",
    "TargetError",
    "TargetOptions",
    "get_target",
    "open_target",
    "target",
    "target_names",
    "url_target",
]

#: target name -> module that registers it when imported (each service owns its target)
_BUILTIN = {
    "plant": "waooaw.services.plant.verify",
    "pp": "waooaw.services.pp.verify",
    "cp": "waooaw.services.cp.verify",
    "gateway": "waooaw.verify.gateway",
}
_TARGETS: dict[str, Target] = {}


class TargetError(Exception):
    """The target cannot be verified as asked (unknown, unreachable, no contract ...)."""


@dataclass(frozen=True, slots=True)
class TargetOptions:
    """What the caller asks of a target."""

    #: verify the service running at this URL instead of starting one in process
    url: str | None = None
    #: in process: this (empty) database, migrated by the target; default a temporary SQLite
    database_url: str | None = None
    #: sent on every request, the target's own setup calls included
    headers: Mapping[str, str] = field(default_factory=dict)
    #: service name -> base URL of a running one to stand behind the target (``plant`` for
    #: PP and CP); a target starts what it needs and is not given
    backends: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Served:
    """A service ready to verify: where it answers, its contract, what it promises."""

    name: str
    #: the contract: a file, a document, or None to GET ``/openapi.json`` from the service
    contract: Path | Mapping[str, Any] | None
    #: an ASGI application called in process, or ...
    app: Any | None = None
    #: ... the base URL of a running service
    base_url: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    #: schemathesis' ``auth`` configuration (``{"openapi": {"bearerAuth": {"bearer": T}}}``,
    #: or a Web Fuzzing Commons document with peers for ``object_level_authorization``)
    auth: Mapping[str, Any] | None = None
    expectations: Expectations = field(default_factory=Expectations)
    #: where curl reproductions of an in-process run point (the service started locally)
    repro_base_url: str = "http://127.0.0.1:8000"

    def __post_init__(self) -> None:
        if (self.app is None) == (self.base_url is None):
            raise TargetError(f"{self.name}: give exactly one of an ASGI app or a base URL")

    @property
    def location(self) -> str:
        return self.base_url or f"{self.name} (in process)"


TargetFactory = Callable[[TargetOptions], AbstractContextManager[Served]]


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    description: str
    open: TargetFactory


def target(name: str, *, description: str) -> Callable[[TargetFactory], TargetFactory]:
    """Register ``open`` as the target ``name``."""

    def register(open_: TargetFactory) -> TargetFactory:
        _TARGETS[name] = Target(name, description, open_)
        return open_

    return register


def target_names() -> list[str]:
    return sorted({*_BUILTIN, *_TARGETS})


def get_target(name: str) -> Target:
    if name not in _TARGETS and name in _BUILTIN:
        importlib.import_module(_BUILTIN[name])
    try:
        return _TARGETS[name]
    except KeyError:
        raise TargetError(
            f"unknown service {name!r}; choose from {', '.join(target_names())}"
            " (or verify a running service with --url)"
        ) from None


@contextmanager
def open_target(name: str, options: TargetOptions) -> Iterator[Served]:
    """Stand the target up for the duration of the ``with`` block."""
    with get_target(name).open(options) as served:
        yield served


@contextmanager
def url_target(url: str, contract: Path | None, headers: Mapping[str, str]) -> Iterator[Served]:
    """A running service and its contract alone, with no expectations beyond it."""
    yield Served(name=url, contract=contract, base_url=url.rstrip("/"), headers=dict(headers))
