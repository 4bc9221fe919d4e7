"""CP's configuration, from the environment (``CP_*`` first, then the plain names)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import NoDecode

from ..common.settings import DEFAULT_CORS_ORIGINS, Environment, ServiceSettings

__all__ = ["CpSettings"]


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class CpSettings(ServiceSettings):
    """Everything CP reads at start; a bad value stops it with the setting's name."""

    environment: Environment = Field("dev", validation_alias=_env("CP_ENV", "WAOOAW_ENV"))
    database_url: str = Field(
        "sqlite:///./cp.db", validation_alias=_env("CP_DATABASE_URL", "DATABASE_URL")
    )
    plant_api_url: str = Field(
        "http://127.0.0.1:8000", validation_alias=_env("CP_PLANT_API_URL", "PLANT_API_URL")
    )
    #: per Plant call; a Plant that does not answer in time is a 504
    plant_timeout_seconds: float = Field(
        5.0, gt=0, le=120, validation_alias=_env("CP_PLANT_TIMEOUT")
    )
    #: overall, per Plant call: every attempt and backoff fits inside; past it, 504
    plant_deadline_seconds: float = Field(
        10.0, gt=0, le=300, validation_alias=_env("CP_PLANT_DEADLINE_SECONDS")
    )
    #: how often the marketplace's copy of Plant's agents is refreshed, and how long Plant's
    #: agents, skills and job roles are cached for profile pages
    plant_cache_seconds: float = Field(
        30.0, ge=0.05, le=86_400, validation_alias=_env("CP_PLANT_CACHE_SECONDS")
    )
    #: the oldest copy the marketplace list serves; older, it refreshes before answering
    plant_max_stale_seconds: float = Field(
        300.0, ge=0.05, le=86_400, validation_alias=_env("CP_PLANT_MAX_STALE_SECONDS")
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_CORS_ORIGINS),
        validation_alias=_env("CP_CORS_ORIGINS", "CORS_ORIGINS"),
    )
    max_body_bytes: int = Field(1_048_576, ge=1024, validation_alias=_env("CP_MAX_BODY_BYTES"))
    pool_size: int = Field(10, ge=1, le=200, validation_alias=_env("CP_DB_POOL_SIZE"))
    retry_after_seconds: int = Field(5, ge=1, validation_alias=_env("CP_RETRY_AFTER"))

    trial_budget_usd: Decimal = Field(
        Decimal("5.00"),
        ge=0,
        le=1_000_000,
        decimal_places=6,
        validation_alias=_env("CP_TRIAL_BUDGET_USD"),
    )

    #: run a worker inside `waooaw serve cp` (turn off when `waooaw worker cp` runs apart)
    worker_enabled: bool = Field(True, validation_alias=_env("CP_WORKER_ENABLED"))
    worker_concurrency: int = Field(
        16, ge=1, le=256, validation_alias=_env("CP_WORKER_CONCURRENCY")
    )
    worker_poll_seconds: float = Field(
        0.5, ge=0.01, le=60, validation_alias=_env("CP_WORKER_POLL_SECONDS")
    )
    #: a running task whose worker stops renewing this lease is run again by another worker
    worker_lease_seconds: float = Field(
        30.0, ge=0.5, le=3600, validation_alias=_env("CP_WORKER_LEASE_SECONDS")
    )
    task_max_attempts: int = Field(3, ge=1, le=20, validation_alias=_env("CP_TASK_MAX_ATTEMPTS"))
    task_timeout_seconds: float = Field(
        300.0, gt=0, le=86_400, validation_alias=_env("CP_TASK_TIMEOUT")
    )
    #: how often expired trials are recorded as completed (reads never wait for it)
    sweep_seconds: float = Field(30.0, ge=0.05, le=3600, validation_alias=_env("CP_SWEEP_SECONDS"))

    #: sandbox: in the worker's process; gateway: an executor service behind the gateway
    executor: Literal["sandbox", "gateway"] = Field("sandbox", validation_alias=_env("CP_EXECUTOR"))
    gateway_url: str | None = Field(None, validation_alias=_env("CP_GATEWAY_URL", "GATEWAY_URL"))
    #: call Plant with a service token (needed when PLANT_API_URL is the gateway)
    plant_service_token: bool = Field(
        False, validation_alias=_env("CP_PLANT_SERVICE_TOKEN", "PLANT_SERVICE_TOKEN")
    )
    #: how long the sandbox executor takes per task
    sandbox_seconds: float = Field(5.0, ge=0, le=3600, validation_alias=_env("CP_SANDBOX_SECONDS"))

    sse_poll_seconds: float = Field(
        0.25, ge=0.01, le=10, validation_alias=_env("CP_SSE_POLL_SECONDS")
    )
    sse_max_seconds: float = Field(
        300.0, ge=1, le=3600, validation_alias=_env("CP_SSE_MAX_SECONDS")
    )
    sse_keepalive_seconds: float = Field(
        15.0, ge=0.1, le=300, validation_alias=_env("CP_SSE_KEEPALIVE_SECONDS")
    )

    @field_validator("gateway_url")
    @classmethod
    def _gateway(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"CP_GATEWAY_URL {value!r} must be an http:// or https:// URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _coherent(self) -> CpSettings:
        if self.executor == "gateway" and self.gateway_url is None:
            raise ValueError("CP_EXECUTOR=gateway needs CP_GATEWAY_URL")
        if self.plant_max_stale_seconds < self.plant_cache_seconds:
            raise ValueError(
                "CP_PLANT_MAX_STALE_SECONDS must be at least CP_PLANT_CACHE_SECONDS"
                f" ({self.plant_max_stale_seconds} < {self.plant_cache_seconds})"
            )
        if self.worker_lease_seconds < 3 * self.worker_poll_seconds:
            raise ValueError("CP_WORKER_LEASE_SECONDS must be at least 3 x CP_WORKER_POLL_SECONDS")
        return self

    @classmethod
    def of(cls, **fields: Any) -> CpSettings:
        """Settings given by field name (tests, embedding), over the environment's.

        Environment variables only ever match the documented names (``CP_SANDBOX_SECONDS``,
        never ``SANDBOX_SECONDS``), so the field names are mapped to those here.
        """
        values: dict[str, Any] = {}
        for name, value in fields.items():
            info = cls.model_fields.get(name)
            if info is None:
                raise TypeError(f"CpSettings has no setting {name!r}")
            alias = info.validation_alias
            values[str(alias.choices[0]) if isinstance(alias, AliasChoices) else name] = value
        return cls(**values)

    @property
    def trial_budget_micros(self) -> int:
        return int(self.trial_budget_usd * 1_000_000)
