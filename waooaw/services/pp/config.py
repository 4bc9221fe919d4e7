"""PP's configuration, from the environment (``PP_*`` first, then the plain names).

Bearer tokens are checked with :class:`~waooaw.services.common.auth.JwtSettings`
(``JWT_*``, shared with CP); ``create_app`` builds it for PP's environment, so the
development JWT secret is refused outside ``PP_ENV=dev``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AliasChoices, Field
from pydantic_settings import NoDecode, SettingsConfigDict

from ..common.settings import DEFAULT_CORS_ORIGINS, Environment, ServiceSettings

__all__ = ["PPSettings"]


class PPSettings(ServiceSettings):
    model_config = SettingsConfigDict(populate_by_name=True)

    environment: Environment = Field("dev", validation_alias=AliasChoices("PP_ENV", "WAOOAW_ENV"))
    plant_api_url: str = Field(
        "http://127.0.0.1:8000",
        validation_alias=AliasChoices("PP_PLANT_API_URL", "PLANT_API_URL"),
    )
    # per attempt; a read that takes longer is a 504 once the retries are spent
    plant_timeout_seconds: float = Field(
        10.0,
        gt=0,
        le=300,
        validation_alias=AliasChoices("PP_PLANT_TIMEOUT_SECONDS", "PLANT_TIMEOUT_SECONDS"),
    )
    # overall, per call to Plant: every attempt and backoff fits inside; past it, 504
    plant_deadline_seconds: float = Field(
        10.0,
        gt=0,
        le=300,
        validation_alias=AliasChoices("PP_PLANT_DEADLINE_SECONDS", "PLANT_DEADLINE_SECONDS"),
    )
    plant_retry_attempts: int = Field(
        3, ge=1, le=10, validation_alias=AliasChoices("PP_PLANT_RETRY_ATTEMPTS")
    )
    plant_retry_max_backoff: float = Field(
        2.0, ge=0, le=60, validation_alias=AliasChoices("PP_PLANT_RETRY_MAX_BACKOFF")
    )
    #: call Plant with a service token (needed when PLANT_API_URL is the gateway)
    plant_service_token: bool = Field(
        False, validation_alias=AliasChoices("PP_PLANT_SERVICE_TOKEN", "PLANT_SERVICE_TOKEN")
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_CORS_ORIGINS),
        validation_alias=AliasChoices("PP_CORS_ORIGINS", "CORS_ORIGINS"),
    )
    max_body_bytes: int = Field(
        1_048_576, ge=1024, validation_alias=AliasChoices("PP_MAX_BODY_BYTES")
    )
    retry_after_seconds: int = Field(5, ge=1, validation_alias=AliasChoices("PP_RETRY_AFTER"))
