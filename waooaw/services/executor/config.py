"""The executor's configuration, from the environment (``EXECUTOR_*``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AliasChoices, Field
from pydantic_settings import NoDecode, SettingsConfigDict

from ..common.settings import DEFAULT_CORS_ORIGINS, Environment, ServiceSettings

__all__ = ["ExecutorSettings"]


class ExecutorSettings(ServiceSettings):
    model_config = SettingsConfigDict(populate_by_name=True)

    environment: Environment = Field(
        "dev", validation_alias=AliasChoices("EXECUTOR_ENV", "WAOOAW_ENV")
    )
    mode: Literal["sandbox", "production"] = Field(
        "sandbox", validation_alias=AliasChoices("EXECUTOR_MODE")
    )
    #: how long each task takes (the sandbox's simulated work)
    run_seconds: float = Field(
        0.0, ge=0, le=3600, validation_alias=AliasChoices("EXECUTOR_RUN_SECONDS")
    )
    #: how many received requests are kept for inspection (tests, diagnostics)
    keep_received: int = Field(
        1000, ge=0, le=100_000, validation_alias=AliasChoices("EXECUTOR_KEEP_RECEIVED")
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_CORS_ORIGINS),
        validation_alias=AliasChoices("EXECUTOR_CORS_ORIGINS", "CORS_ORIGINS"),
    )
    max_body_bytes: int = Field(
        262_144, ge=1024, validation_alias=AliasChoices("EXECUTOR_MAX_BODY_BYTES")
    )
