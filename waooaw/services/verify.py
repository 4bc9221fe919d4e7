"""What the ``verify`` targets of the services share: a Plant behind the service under test,
and tokens for it (see ``docs/verify.md``). Imported only by those targets."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from waooaw.verify import TargetError, TargetOptions

from .common.auth import JwtSettings, mint_token

__all__ = [
    "bearer_auth",
    "environment_token",
    "has_authorization",
    "plant_behind",
    "require_running",
]


def bearer_auth(token: str) -> dict[str, Any]:
    """schemathesis' ``auth`` section: ``token`` as the contract's bearerAuth."""
    return {"openapi": {"bearerAuth": {"bearer": token}}}


def has_authorization(headers: Mapping[str, str]) -> bool:
    return any(name.lower() == "authorization" for name in headers)


def environment_token(subject: str, roles: tuple[str, ...]) -> str:
    """A token minted with the ``JWT_*`` settings of this environment."""
    try:
        jwt = JwtSettings()
    except ValidationError as exc:
        raise TargetError(
            f"cannot mint a token from the JWT_* environment ({exc.errors()[0]['msg']});"
            " pass -H 'Authorization: Bearer TOKEN'"
        ) from None
    return mint_token(jwt, subject=subject, roles=roles)


def require_running(name: str, url: str) -> str:
    """``url`` without its trailing slash, once the service there answers ``GET /health``."""
    import httpx

    base = url.rstrip("/")
    try:
        httpx.get(f"{base}/health", timeout=10.0)
    except httpx.TransportError as exc:
        raise TargetError(
            f"{name} at {base} did not answer ({exc}); start it with `waooaw serve {name}`"
        ) from None
    return base


@contextmanager
def plant_behind(options: TargetOptions) -> Iterator[str]:
    """The base URL of a Plant for a service over it: ``options.backends["plant"]``, or a
    Plant started for the run (``waooaw serve plant`` on a free port, temporary SQLite)."""
    given = options.backends.get("plant")
    if given is not None:
        yield given.rstrip("/")
        return
    from .process import ServiceStartError, service_env, start_service

    with tempfile.TemporaryDirectory(prefix="waooaw-verify-plant-") as folder:
        env = service_env(
            DATABASE_URL=f"sqlite:///{Path(folder) / 'plant.db'}",
            AUDIT_KEY=secrets.token_hex(16),
            PLANT_ENV="test",
        )
        try:
            server = start_service("plant", Path(folder), env=env)
        except ServiceStartError as exc:
            raise TargetError(f"Plant could not be started: {exc}") from None
        try:
            yield server.base_url
        finally:
            server.stop()
