"""Plant's configuration, from the environment (``PLANT_*`` first, then the plain names)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import NoDecode

from ..common.settings import DEFAULT_CORS_ORIGINS, Environment, ServiceSettings

__all__ = ["DEV_AUDIT_KEY", "PlantSettings"]

DEV_AUDIT_KEY = "dev-only-audit-key-change-me"


class PlantSettings(ServiceSettings):
    environment: Environment = Field(
        "dev", validation_alias=AliasChoices("PLANT_ENV", "WAOOAW_ENV")
    )
    database_url: str = Field(
        "sqlite:///./plant.db", validation_alias=AliasChoices("PLANT_DATABASE_URL", "DATABASE_URL")
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_CORS_ORIGINS),
        validation_alias=AliasChoices("PLANT_CORS_ORIGINS", "CORS_ORIGINS"),
    )
    audit_key: SecretStr = Field(
        SecretStr(DEV_AUDIT_KEY), validation_alias=AliasChoices("PLANT_AUDIT_KEY", "AUDIT_KEY")
    )
    max_body_bytes: int = Field(
        1_048_576, ge=1024, validation_alias=AliasChoices("PLANT_MAX_BODY_BYTES")
    )
    pool_size: int = Field(10, ge=1, le=200, validation_alias=AliasChoices("PLANT_DB_POOL_SIZE"))
    #: PostgreSQL: write transactions queue in process (SQLite's always do)
    serial_writes: bool = Field(True, validation_alias=AliasChoices("PLANT_DB_SERIAL_WRITES"))
    retry_after_seconds: int = Field(5, ge=1, validation_alias=AliasChoices("PLANT_RETRY_AFTER"))

    @model_validator(mode="after")
    def _secrets(self) -> PlantSettings:
        key = self.audit_key.get_secret_value()
        if self.environment != "dev" and key == DEV_AUDIT_KEY:
            raise ValueError(
                "AUDIT_KEY must be set to a secret outside development (PLANT_ENV=dev)"
            )
        if len(key) < 16:
            raise ValueError("AUDIT_KEY must be at least 16 characters")
        return self
