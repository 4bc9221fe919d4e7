"""Bearer JWTs for the services that need callers' identities (PP, CP).

``JwtSettings`` (``JWT_*`` environment variables) fixes the accepted algorithms, the key, the
audience and the issuer; :class:`JwtAuthenticator` is the
:class:`~waooaw.runtime.security.Authenticator` generated routers call, and ``mint_token``
makes development tokens (``waooaw token``).

A token must carry ``sub``, ``exp`` and ``iat`` and match ``aud``/``iss``; its ``roles`` claim
(a list of strings) is matched against the roles an operation's security requirement lists.
The algorithm is never taken from the token: ``alg: none`` or an HS256 token presented to an
RS256 configuration fail verification like any forged signature.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Generator, Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

import httpx
import jwt
from fastapi import Request
from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from waooaw.runtime.security import Forbidden, Principal, Requirement, Unauthenticated

__all__ = [
    "DEV_JWT_SECRET",
    "ROLES",
    "JwtAuthenticator",
    "JwtSettings",
    "ServiceToken",
    "mint_token",
]

DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789"
#: The roles the platform's contracts use (documented in docs/auth.md).
ROLES = ("genesis", "governor", "viewer", "customer", "service")
_HMAC = frozenset({"HS256", "HS384", "HS512"})
_ASYMMETRIC = frozenset({"RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "EdDSA"})


def _pem(value: str | None) -> str | None:
    """A PEM given inline, or the path of a file holding one."""
    if value is None or not value.strip():
        return None
    if "-----BEGIN" in value:
        return value
    path = Path(value).expanduser()
    if not path.is_file():
        raise ValueError(f"{value!r} is neither a PEM key nor the path of a file holding one")
    return path.read_text(encoding="utf-8")


class JwtSettings(BaseSettings):
    """How bearer tokens are checked (and minted in development)."""

    model_config = SettingsConfigDict(
        extra="ignore", frozen=True, env_file=".env", populate_by_name=True
    )

    environment: Literal["dev", "test", "production"] = Field(
        "dev", validation_alias=AliasChoices("WAOOAW_ENV")
    )
    algorithms: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["HS256"], validation_alias=AliasChoices("JWT_ALGORITHMS")
    )
    secret: SecretStr = Field(
        SecretStr(DEV_JWT_SECRET), validation_alias=AliasChoices("JWT_SECRET")
    )
    public_key: str | None = Field(None, validation_alias=AliasChoices("JWT_PUBLIC_KEY"))
    private_key: SecretStr | None = Field(None, validation_alias=AliasChoices("JWT_PRIVATE_KEY"))
    audience: str = Field("waooaw", min_length=1, validation_alias=AliasChoices("JWT_AUDIENCE"))
    issuer: str = Field("waooaw", min_length=1, validation_alias=AliasChoices("JWT_ISSUER"))
    leeway_seconds: int = Field(
        30, ge=0, le=300, validation_alias=AliasChoices("JWT_LEEWAY_SECONDS")
    )
    ttl_seconds: int = Field(
        3600, ge=60, le=30 * 86400, validation_alias=AliasChoices("JWT_TTL_SECONDS")
    )

    @field_validator("algorithms", mode="before")
    @classmethod
    def _algorithms(cls, value: object) -> list[str]:
        items = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
        chosen = [str(a).strip() for a in items if str(a).strip()]
        if not chosen:
            raise ValueError("JWT_ALGORITHMS needs at least one algorithm, e.g. HS256")
        unknown = [a for a in chosen if a not in _HMAC | _ASYMMETRIC]
        if unknown:
            raise ValueError(
                f"JWT_ALGORITHMS: {unknown[0]!r} is not accepted; choose from"
                f" {', '.join(sorted(_HMAC | _ASYMMETRIC))}"
            )
        if any(a in _HMAC for a in chosen) and any(a in _ASYMMETRIC for a in chosen):
            raise ValueError("JWT_ALGORITHMS may not mix HMAC (HS*) and public-key algorithms")
        return chosen

    @field_validator("public_key", mode="before")
    @classmethod
    def _public(cls, value: str | None) -> str | None:
        return _pem(value)

    @model_validator(mode="after")
    def _keys(self) -> JwtSettings:
        secret = self.secret.get_secret_value()
        if self.symmetric:
            if len(secret.encode()) < 32:
                raise ValueError("JWT_SECRET must be at least 32 bytes for HMAC algorithms")
            if self.environment != "dev" and secret == DEV_JWT_SECRET:
                raise ValueError("JWT_SECRET must be set to a secret outside development")
        elif self.public_key is None:
            raise ValueError(
                f"JWT_ALGORITHMS={','.join(self.algorithms)} needs JWT_PUBLIC_KEY (PEM or a file)"
            )
        return self

    @property
    def symmetric(self) -> bool:
        return self.algorithms[0] in _HMAC

    @property
    def verification_key(self) -> str:
        if self.symmetric:
            return self.secret.get_secret_value()
        assert self.public_key is not None
        return self.public_key


def mint_token(
    settings: JwtSettings,
    *,
    subject: str,
    roles: Iterable[str],
    ttl_seconds: int | None = None,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """A token the services accept: for development, tests and ``waooaw token``."""
    now = int(time.time())
    claims: dict[str, Any] = {
        **(extra or {}),
        "sub": subject,
        "roles": sorted(set(roles)),
        "aud": settings.audience,
        "iss": settings.issuer,
        "iat": now,
        "nbf": now,
        "exp": now + (ttl_seconds or settings.ttl_seconds),
        "jti": str(uuid.uuid4()),
    }
    algorithm = settings.algorithms[0]
    if settings.symmetric:
        key = settings.secret.get_secret_value()
    else:
        pem = _pem(settings.private_key.get_secret_value() if settings.private_key else None)
        if pem is None:
            raise ValueError(f"minting {algorithm} tokens needs JWT_PRIVATE_KEY (PEM or a file)")
        key = pem
    return jwt.encode(claims, key, algorithm=algorithm)


class ServiceToken(httpx.Auth):
    """``Authorization: Bearer`` for a platform service's own calls (role ``service``).

    The service mints its token with the platform's key (PP, CP and CP's worker calling
    Plant and the executor through the gateway) and mints a new one when the current one
    has less than a fifth of its lifetime left.
    """

    def __init__(self, settings: JwtSettings, *, subject: str, ttl_seconds: int = 3600) -> None:
        self.settings = settings
        self.subject = subject
        self.ttl_seconds = ttl_seconds
        self._token = ""
        self._renew_at = 0.0

    def token(self) -> str:
        now = time.time()
        if now >= self._renew_at:
            self._token = mint_token(
                self.settings, subject=self.subject, roles=["service"], ttl_seconds=self.ttl_seconds
            )
            self._renew_at = now + self.ttl_seconds * 0.8
        return self._token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        yield request


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(
            "the Authorization header must be 'Bearer <token>'", error="invalid_request"
        )
    return token.strip()


class JwtAuthenticator:
    """Checks ``Authorization: Bearer <jwt>`` against an operation's security requirements.

    Requirement alternatives follow OpenAPI: one satisfied alternative suffices; within it,
    every listed role must be in the token's ``roles``. Schemes other than ``schemes`` (the
    contract's bearer schemes) cannot be satisfied by a token.

    Verifying a JWT costs far more than the rest of a request's authentication (PyJWT checks
    the encoding character by character), and a client sends the same token again and
    again; so the last ``cache_size`` tokens that verified are remembered, by their exact
    text, until they expire. A remembered token is checked against its ``exp`` only: its
    signature, audience and issuer cannot have changed, and ``nbf``/``iat`` that held once
    keep holding. ``cache_size=0`` verifies every time.
    """

    def __init__(
        self,
        settings: JwtSettings,
        *,
        schemes: Iterable[str] = ("bearerAuth",),
        cache_size: int = 1024,
    ) -> None:
        self.settings = settings
        self.schemes = frozenset(schemes)
        self.cache_size = cache_size
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    def verify(self, token: str) -> Principal:
        remembered = self._verified.get(token)
        if remembered is not None:
            principal, expires = remembered
            if expires > time.time() - self.settings.leeway_seconds:
                self._verified.move_to_end(token)
                return principal
            del self._verified[token]  # expired: the full check below says so
        principal = self._verify(token)
        if self.cache_size > 0:
            self._verified[token] = (principal, float(principal.claims["exp"]))
            if len(self._verified) > self.cache_size:
                self._verified.popitem(last=False)
        return principal

    def _verify(self, token: str) -> Principal:
        s = self.settings
        try:
            claims = jwt.decode(
                token,
                s.verification_key,
                algorithms=s.algorithms,
                audience=s.audience,
                issuer=s.issuer,
                leeway=s.leeway_seconds,
                options={"require": ["exp", "iat", "sub"], "verify_nbf": True},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise Unauthenticated("the token is not valid yet") from None
        except jwt.InvalidAudienceError:
            raise Unauthenticated(f"the token is not for this audience ({s.audience})") from None
        except jwt.InvalidIssuerError:
            raise Unauthenticated(f"the token was not issued by {s.issuer}") from None
        except jwt.MissingRequiredClaimError as exc:
            raise Unauthenticated(f"the token lacks the {exc.claim!r} claim") from None
        except jwt.InvalidAlgorithmError:
            raise Unauthenticated(
                f"the token's algorithm is not accepted ({', '.join(s.algorithms)})"
            ) from None
        except jwt.InvalidSignatureError:
            raise Unauthenticated("the token's signature does not verify") from None
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"the token is not valid: {exc}") from None
        subject = claims.get("sub")
        roles = claims.get("roles", [])
        if not isinstance(subject, str) or not subject.strip():
            raise Unauthenticated("the token's 'sub' claim must be a non-empty string")
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise Unauthenticated("the token's 'roles' claim must be a list of strings")
        return Principal(
            subject=subject,
            roles=frozenset(roles),
            scheme="bearer",
            claims=MappingProxyType(claims),  # shared by every request carrying the token
        )

    async def __call__(
        self, request: Request, requirements: Sequence[Requirement], /
    ) -> Principal | None:
        anonymous_ok = any(not r for r in requirements)
        token = _bearer(request)
        if token is None:
            if anonymous_ok:
                return None
            raise Unauthenticated("this operation needs a bearer token", error="")
        principal = self.verify(token)
        for requirement in requirements:
            if all(
                name in self.schemes and set(roles) <= principal.roles
                for name, roles in requirement
            ):
                return principal
        needed = " or ".join(
            "+".join(role for _, roles in r for role in roles) or "any role"
            for r in requirements
            if r
        )
        held = ", ".join(sorted(principal.roles)) or "none"
        raise Forbidden(f"this operation needs the role {needed}; the token has: {held}")
