"""What the gateway proxies, read from the upstream contracts: operations, paths, roles.

Nothing here is listed by hand. Each upstream's contract (the ``openapi.json`` its
generated package ships) gives every operation's method, path template and security
requirements: the operation's ``security`` (or the document's), or, for an upstream that
checks no credentials itself (Plant), its ``x-gateway-security``. An operation whose
template no other operation of the gateway shadows is proxied (of two upstreams declaring
the same method and path, the first in :data:`UPSTREAM_CONTRACTS`); the gateway's own
paths (``/gateway/...``, ``/openapi.json``, ``/docs``) are never proxied.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from waooaw.runtime.security import Requirement

__all__ = [
    "UPSTREAM_CONTRACTS",
    "Operation",
    "OperationTable",
    "load_operations",
]

#: upstream name -> the generated package whose contract the gateway fronts
UPSTREAM_CONTRACTS: Mapping[str, str] = {
    "plant": "waooaw.generated.plant",
    "executor": "waooaw.generated.executor",
}
#: paths the gateway answers itself (its probes are /gateway/health and /gateway/ready)
OWN_PATHS = ("/openapi.json", "/docs", "/redoc")
OWN_PREFIX = "/gateway/"
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_PARAM = re.compile(r"\{([^}/]+)\}")


@dataclass(frozen=True, slots=True)
class Operation:
    """One proxied operation."""

    upstream: str
    operation_id: str
    method: str
    template: str
    requirements: tuple[Requirement, ...]

    @property
    def mutating(self) -> bool:
        return self.method not in ("GET", "HEAD", "OPTIONS")

    @property
    def anonymous(self) -> bool:
        return not self.requirements or any(not r for r in self.requirements)


def _requirements(raw: Any) -> tuple[Requirement, ...]:
    if not isinstance(raw, list):
        return ()
    out: list[Requirement] = []
    for alternative in raw:
        if isinstance(alternative, dict):
            out.append(tuple((str(k), tuple(str(r) for r in v)) for k, v in alternative.items()))
    return tuple(out)


def operations_of(upstream: str, document: Mapping[str, Any]) -> list[Operation]:
    """Every operation a contract declares, with the roles the gateway requires for it."""
    default = document.get("security")
    found: list[Operation] = []
    for template, item in (document.get("paths") or {}).items():
        for method in _METHODS:
            op = item.get(method)
            if not isinstance(op, dict) or "operationId" not in op:
                continue
            if "x-gateway-security" in op:
                security = op["x-gateway-security"]
            else:
                security = op.get("security", default)
            found.append(
                Operation(
                    upstream=upstream,
                    operation_id=str(op["operationId"]),
                    method=method.upper(),
                    template=str(template),
                    requirements=_requirements(security) if security is not None else ((),),
                )
            )
    return found


def _compile(template: str) -> re.Pattern[str]:
    pattern = ""
    last = 0
    for m in _PARAM.finditer(template):
        pattern += re.escape(template[last : m.start()]) + "[^/]+"
        last = m.end()
    return re.compile("^" + pattern + re.escape(template[last:]) + "$")


class OperationTable:
    """Finds the operation a request addresses (literal paths before templated ones)."""

    def __init__(self, operations: Iterable[Operation]) -> None:
        kept: dict[tuple[str, str], Operation] = {}
        for op in operations:
            if op.template in OWN_PATHS or op.template.startswith(OWN_PREFIX):
                continue
            # two upstreams declaring the same method and path: the first one listed serves it
            kept.setdefault((op.method, op.template), op)
        self.operations: tuple[Operation, ...] = tuple(kept.values())
        self.by_id = {op.operation_id: op for op in self.operations}
        self._literal: dict[tuple[str, str], Operation] = {}
        self._templated: list[tuple[re.Pattern[str], str, Operation]] = []
        self._paths: set[str] = set()
        for op in self.operations:
            if "{" in op.template:
                self._templated.append((_compile(op.template), op.method, op))
            else:
                self._literal[(op.method, op.template)] = op
                self._paths.add(op.template)
        # fewer parameters first: /skills/{id} before /{kind}/{id}
        self._templated.sort(key=lambda t: (t[2].template.count("{"), -len(t[2].template)))

    def find(self, method: str, path: str) -> Operation | bool | None:
        """The operation; ``False`` when the path exists for other methods; ``None`` if unknown."""
        op = self._literal.get((method, path))
        if op is not None:
            return op
        known = path in self._paths
        for pattern, op_method, candidate in self._templated:
            if pattern.match(path):
                if op_method == method:
                    return candidate
                known = True
        return False if known else None

    def allowed_methods(self, path: str) -> Sequence[str]:
        methods = {m for (m, p) in self._literal if p == path}
        methods |= {m for pattern, m, _ in self._templated if pattern.match(path)}
        return sorted(methods)


def load_operations(upstreams: Mapping[str, str] = UPSTREAM_CONTRACTS) -> OperationTable:
    """The operation table of the upstream contracts shipped with the generated packages."""
    found: list[Operation] = []
    for name, package in upstreams.items():
        document = json.loads(files(package).joinpath("openapi.json").read_bytes())
        found.extend(operations_of(name, document))
    return OperationTable(found)
