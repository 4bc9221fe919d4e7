"""Contract security at run time: what generated routers call before an operation runs.

A contract's ``security`` (per operation, or the document default) becomes a tuple of
:data:`Requirement` alternatives in the generated router; the service passes an
:class:`Authenticator` to ``create_router(..., authenticator=...)``. OpenAPI semantics hold:
any one requirement object suffices, and within one every scheme and every scope (for bearer
tokens: role) it lists is needed. An empty requirement object makes credentials optional.

Exceptions (both :class:`~waooaw.runtime.server.ProblemError`)::

    Unauthenticated   401: no usable credentials (with ``WWW-Authenticate``)
    Forbidden         403: valid credentials, but not the role the operation requires
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from fastapi import Request

from .server import ProblemError

__all__ = [
    "Authenticator",
    "Forbidden",
    "Principal",
    "Requirement",
    "Unauthenticated",
    "require",
]

#: One OpenAPI security requirement object: ``((scheme, (scope, ...)), ...)``.
Requirement = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the token's subject, its roles and every verified claim."""

    subject: str
    roles: frozenset[str] = frozenset()
    scheme: str = ""
    claims: Mapping[str, Any] = field(default_factory=dict)


class Authenticator(Protocol):
    """Checks a request against an operation's requirements; raises a 401/403 problem."""

    async def __call__(
        self, request: Request, requirements: Sequence[Requirement], /
    ) -> Principal | None: ...


class Unauthenticated(ProblemError):
    def __init__(self, detail: str, *, error: str = "invalid_token") -> None:
        # RFC 6750 section 3: no error code when the request carried no credentials at all
        challenge = f'Bearer error="{error}", error_description="{_quote(detail)}"'
        if not error:
            challenge = "Bearer"
        super().__init__(401, detail, headers={"WWW-Authenticate": challenge})


class Forbidden(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(403, detail)


def _quote(text: str) -> str:
    return text.replace("\\", "").replace('"', "'")


def require(
    authenticator: Authenticator | None, requirements: tuple[Requirement, ...], operation_id: str
) -> Callable[[Request], Awaitable[Any]]:
    """The FastAPI dependency a generated handler declares first, so 401/403 precede 422."""
    if authenticator is None:
        raise ValueError(
            f"operation {operation_id} requires authentication in the contract: pass"
            " create_router(..., authenticator=...)"
        )
    checker = authenticator

    async def authenticate(request: Request) -> Principal | None:
        principal = await checker(request, requirements)
        request.state.principal = principal
        return principal

    return authenticate
