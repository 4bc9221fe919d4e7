"""The problem types a contract declares (``x-problem-types``), for typed client errors.

A contract lists, at its top level, the RFC 9457 problem ``type`` URIs its operations may
answer with and that callers may want to catch apart::

    x-problem-types:
      - type: https://example.com/problems/out-of-stock
        status: 409                  # optional: the status it comes with
        name: OutOfStock             # optional: default, the URI's last segment in PascalCase
        description: The item ran out.

Each becomes an exception class of the contract's Python client (``<Prefix><Name>Error``),
raised when an error answer's problem ``type`` equals the URI. Nothing else in the
generator knows any problem vocabulary.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from .errors import ContractError, join_pointer
from .ir import ProblemTypeIR
from .loader import LoadedContract
from .naming import pascal_case

__all__ = ["EXTENSION", "problem_types"]

EXTENSION = "x-problem-types"
_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
#: stems of the error classes every generated client has
_RESERVED = frozenset(
    {
        "API",
        "ValidationFailed",
        "Authentication",
        "PermissionDenied",
        "EntityNotFound",
        "Conflict",
        "RateLimited",
        "Server",
        "ServiceUnavailable",
        "Transport",
    }
)


def _default_name(uri: str) -> str:
    parts = urlsplit(uri)
    last = (parts.path or parts.netloc or uri).rstrip("/").rsplit("/", 1)[-1]
    return pascal_case(last.rsplit(":", 1)[-1])


def problem_types(
    contract: LoadedContract, errors: list[ContractError]
) -> tuple[ProblemTypeIR, ...]:
    """The declared problem types in contract order; bad entries are appended to ``errors``."""
    declared: Any = contract.document.get(EXTENSION)
    if declared is None:
        return ()
    if not isinstance(declared, list):
        errors.append(
            contract.error(
                "/" + EXTENSION, "problem-types", "must be a list of {type, status?, name?}"
            )
        )
        return ()
    found: list[ProblemTypeIR] = []
    names: set[str] = set()
    uris: set[str] = set()
    for index, entry in enumerate(declared):
        pointer = join_pointer("/" + EXTENSION, str(index))
        uri = entry.get("type") if isinstance(entry, dict) else None
        if not isinstance(uri, str) or not uri.strip():
            errors.append(contract.error(pointer, "problem-types", "needs a `type` URI string"))
            continue
        status = entry.get("status")
        if status is not None and (
            not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599
        ):
            errors.append(
                contract.error(
                    join_pointer(pointer, "status"), "problem-types", "must be an error status"
                )
            )
            continue
        name = entry.get("name", _default_name(uri))
        if not isinstance(name, str) or not _NAME.match(name) or name.endswith("Error"):
            errors.append(
                contract.error(
                    join_pointer(pointer, "name"),
                    "problem-types",
                    f"{name!r} is not a PascalCase name (the client adds the `Error` suffix)",
                )
            )
            continue
        if name in _RESERVED:
            errors.append(
                contract.error(
                    join_pointer(pointer, "name"),
                    "problem-types",
                    f"{name!r} is taken by a client's built-in error class; pick another name",
                )
            )
            continue
        if name in names or uri in uris:
            errors.append(
                contract.error(pointer, "problem-types", f"{uri} / {name} is declared twice")
            )
            continue
        names.add(name)
        uris.add(uri)
        description = entry.get("description")
        found.append(
            ProblemTypeIR(
                uri=uri,
                name=name,
                status=status,
                description=description.strip() if isinstance(description, str) else None,
            )
        )
    return tuple(found)
