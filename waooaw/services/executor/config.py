"""The executor's configuration, from the environment (``EXECUTOR_*``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from ..common.settings import DEFAULT_CORS_ORIGINS, parse_origins

__all__ = ["ExecutorSettings"]


class ExecutorSettings(BaseSettings):
    model_config = SettingsConfigDict(
        extra="ignore", frozen=True, env_file=".env", populate_by_name=True
    )

    environment: Literal["dev", "test", "production"] = Field(
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

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> list[str]:
        return parse_origins(value)
