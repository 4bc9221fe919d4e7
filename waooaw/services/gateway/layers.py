"""The gateway's layers that need no I/O, each a unit of its own.

1. request context: :class:`TraceContext` (W3C ``traceparent`` in, out and to the upstream;
   the correlation id and the body limit come from ``waooaw/runtime/http.py``);
2. authentication: :func:`authenticate` (the platform's JWTs) -> 401;
3. RBAC: :func:`authorize` (the roles the upstream contract lists per operation) -> 403.

Layers 4 to 7 (policy, budget, audit, routing) are :mod:`.policy`, :mod:`.budget`,
:mod:`.audit` and :mod:`.routing`; :mod:`.proxy` runs them all in order.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from waooaw.runtime.security import Forbidden, Principal, Unauthenticated

from ..common.auth import JwtAuthenticator
from .operations import Operation

__all__ = ["TraceContext", "authenticate", "authorize"]

_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


@dataclass(frozen=True, slots=True)
class TraceContext:
    """The W3C trace of one request: its trace id, the caller's span and the gateway's."""

    trace_id: str
    parent_id: str | None
    span_id: str
    flags: str

    @classmethod
    def from_header(cls, value: str | None) -> TraceContext:
        """Continue a well-formed ``traceparent``; start a new trace otherwise."""
        if value is not None:
            m = _TRACEPARENT.match(value.strip().lower())
            if (
                m is not None
                and m.group(1) != "ff"
                and m.group(2) != "0" * 32
                and m.group(3) != "0" * 16
            ):
                return cls(m.group(2), m.group(3), os.urandom(8).hex(), m.group(4))
        return cls(os.urandom(16).hex(), None, os.urandom(8).hex(), "01")

    @property
    def header(self) -> str:
        """The ``traceparent`` naming the gateway's span (sent upstream and back)."""
        return f"00-{self.trace_id}-{self.span_id}-{self.flags}"


def _token(header: str | None) -> str | None:
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(
            "the Authorization header must be 'Bearer <token>'", error="invalid_request"
        )
    return token.strip()


def authenticate(authenticator: JwtAuthenticator, header: str | None) -> Principal | None:
    """The caller, from ``Authorization: Bearer <jwt>``; None without the header (401 on a bad one)."""
    token = _token(header)
    return None if token is None else authenticator.verify(token)


def authorize(operation: Operation, principal: Principal | None, schemes: frozenset[str]) -> None:
    """Raise 401/403 unless ``principal`` satisfies one of the operation's requirements."""
    if operation.anonymous:
        return
    if principal is None:
        raise Unauthenticated(f"{operation.operation_id} needs a bearer token", error="")
    for requirement in operation.requirements:
        if all(name in schemes and set(roles) <= principal.roles for name, roles in requirement):
            return
    needed = " or ".join(
        "+".join(role for _, roles in r for role in roles) or "any role"
        for r in operation.requirements
        if r
    )
    held = ", ".join(sorted(principal.roles)) or "none"
    raise Forbidden(f"{operation.operation_id} needs the role {needed}; the token has: {held}")
