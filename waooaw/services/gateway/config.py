"""The gateway's configuration, from the environment (``GATEWAY_*`` first, then plain names)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import NoDecode

from ..common.settings import DEFAULT_CORS_ORIGINS, Environment, ServiceSettings

__all__ = ["DEFAULT_POLICY_DIR", "GatewaySettings"]

#: the repository's ``policies/`` folder (the package is installed in place)
DEFAULT_POLICY_DIR = Path(__file__).resolve().parents[3] / "policies"


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


def _http_url(name: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name} {value!r} must be an http(s) URL such as http://127.0.0.1:8000")
    if parts.query or parts.fragment:
        raise ValueError(f"{name} {value!r} must not have a query or fragment")
    return value.strip().rstrip("/")


class GatewaySettings(ServiceSettings):
    """Everything the gateway reads at start; a bad value stops it with the setting's name."""

    environment: Environment = Field("dev", validation_alias=_env("GATEWAY_ENV", "WAOOAW_ENV"))
    database_url: str = Field(
        "sqlite:///./gateway.db", validation_alias=_env("GATEWAY_DATABASE_URL", "DATABASE_URL")
    )
    pool_size: int = Field(10, ge=1, le=200, validation_alias=_env("GATEWAY_DB_POOL_SIZE"))
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_CORS_ORIGINS),
        validation_alias=_env("GATEWAY_CORS_ORIGINS", "CORS_ORIGINS"),
    )
    max_body_bytes: int = Field(1_048_576, ge=1024, validation_alias=_env("GATEWAY_MAX_BODY_BYTES"))
    retry_after_seconds: int = Field(5, ge=1, validation_alias=_env("GATEWAY_RETRY_AFTER"))

    #: upstreams seeded into an empty route table (version ``v1``, weight 100)
    plant_url: str | None = Field(
        "http://127.0.0.1:8000", validation_alias=_env("GATEWAY_PLANT_URL")
    )
    executor_sandbox_url: str | None = Field(
        None, validation_alias=_env("GATEWAY_EXECUTOR_SANDBOX_URL")
    )
    executor_production_url: str | None = Field(
        None, validation_alias=_env("GATEWAY_EXECUTOR_PRODUCTION_URL")
    )
    #: an upstream that accepts no connection within this is down (503)
    connect_timeout_seconds: float = Field(
        2.0, gt=0, le=60, validation_alias=_env("GATEWAY_CONNECT_TIMEOUT")
    )
    #: an upstream that does not answer within this is too slow (504); the request's time limit
    upstream_timeout_seconds: float = Field(
        30.0, gt=0, le=600, validation_alias=_env("GATEWAY_UPSTREAM_TIMEOUT")
    )
    max_connections: int = Field(
        200, ge=1, le=10_000, validation_alias=_env("GATEWAY_MAX_CONNECTIONS")
    )

    policy_dir: Path = Field(DEFAULT_POLICY_DIR, validation_alias=_env("GATEWAY_POLICY_DIR"))
    #: how many recent decisions the admin API can show
    decisions_kept: int = Field(
        1000, ge=10, le=100_000, validation_alias=_env("GATEWAY_DECISIONS_KEPT")
    )
    #: how often a process looks for route changes made by another process
    route_poll_seconds: float = Field(
        1.0, ge=0.01, le=60, validation_alias=_env("GATEWAY_ROUTE_POLL_SECONDS")
    )

    #: caps for budgets nobody has set yet
    trial_budget_micros: int = Field(
        5_000_000, ge=0, validation_alias=_env("GATEWAY_TRIAL_BUDGET_MICROS")
    )
    agent_budget_micros: int = Field(
        100_000_000, ge=0, validation_alias=_env("GATEWAY_AGENT_BUDGET_MICROS")
    )

    audit_key: str = Field("dev-only-gateway-audit-key", validation_alias=_env("GATEWAY_AUDIT_KEY"))

    @field_validator("plant_url")
    @classmethod
    def _plant(cls, value: str | None) -> str | None:
        return _http_url("GATEWAY_PLANT_URL", value)

    @field_validator("executor_sandbox_url")
    @classmethod
    def _sandbox(cls, value: str | None) -> str | None:
        return _http_url("GATEWAY_EXECUTOR_SANDBOX_URL", value)

    @field_validator("executor_production_url")
    @classmethod
    def _production(cls, value: str | None) -> str | None:
        return _http_url("GATEWAY_EXECUTOR_PRODUCTION_URL", value)

    @field_validator("policy_dir")
    @classmethod
    def _policies(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError(f"GATEWAY_POLICY_DIR {str(value)!r} is not a folder")
        return value

    @model_validator(mode="after")
    def _secrets(self) -> GatewaySettings:
        if len(self.audit_key) < 16:
            raise ValueError("GATEWAY_AUDIT_KEY must be at least 16 characters")
        if self.environment != "dev" and self.audit_key == "dev-only-gateway-audit-key":
            raise ValueError("GATEWAY_AUDIT_KEY must be set to a secret outside development")
        return self

    @classmethod
    def of(cls, **fields: Any) -> GatewaySettings:
        """Settings given by field name (tests, embedding), over the environment's."""
        values: dict[str, Any] = {}
        for name, value in fields.items():
            info = cls.model_fields.get(name)
            if info is None:
                raise TypeError(f"GatewaySettings has no setting {name!r}")
            alias = info.validation_alias
            values[str(alias.choices[0]) if isinstance(alias, AliasChoices) else name] = value
        return cls(**values)
