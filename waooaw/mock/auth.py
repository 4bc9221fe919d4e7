"""Security for a mock: credentials are required where the contract requires them, but any
bearer token is good; a JWT's claims (read, not verified) name the caller and its roles."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import jwt
from fastapi import Request

from waooaw.runtime.security import Forbidden, Principal, Requirement, Unauthenticated

__all__ = ["MockAuthenticator"]


class MockAuthenticator:
    """401 without credentials, 403 when a JWT's ``roles`` miss the operation's roles.

    An opaque (non-JWT) token holds every role, so a frontend can work before it has real
    tokens; a JWT from ``waooaw token`` behaves as the real service would treat its roles.
    """

    async def __call__(
        self, request: Request, requirements: Sequence[Requirement], /
    ) -> Principal | None:
        header = request.headers.get("authorization")
        if header is None:
            if any(not r for r in requirements):
                return None
            raise Unauthenticated(
                "this operation needs a bearer token (the mock accepts any)", error=""
            )
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated(
                "the Authorization header must be 'Bearer <token>'", error="invalid_request"
            )
        claims: dict[str, Any] = {}
        with contextlib.suppress(jwt.PyJWTError):
            claims = jwt.decode(token.strip(), options={"verify_signature": False})
        raw_roles = claims.get("roles")
        if isinstance(raw_roles, list) and all(isinstance(r, str) for r in raw_roles):
            roles = frozenset(raw_roles)
        else:
            roles = frozenset(role for r in requirements for _, names in r for role in names)
        subject = claims.get("sub")
        principal = Principal(
            subject if isinstance(subject, str) and subject else "mock-user",
            roles,
            "bearer",
            claims,
        )
        if any(all(set(names) <= roles for _, names in r) for r in requirements):
            return principal
        needed = " or ".join("+".join(n for _, ns in r for n in ns) for r in requirements if r)
        raise Forbidden(
            f"this operation needs the role {needed}; the token has: {', '.join(sorted(roles)) or 'none'}"
        )
