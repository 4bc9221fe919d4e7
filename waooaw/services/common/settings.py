"""The settings base every service's ``config.py`` builds on.

:class:`ServiceSettings` holds the configuration (``.env`` file, extra variables ignored,
frozen) and the checks of the settings several services share, by field name:
``cors_origins`` (``CORS_ORIGINS``), ``database_url`` (``DATABASE_URL``) and
``plant_api_url`` (``PLANT_API_URL``). A service declares those fields with its own
environment names (``PLANT_CORS_ORIGINS`` first, then ``CORS_ORIGINS``, ...); the checks
apply to whichever of them it has.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_CORS_ORIGINS", "Environment", "ServiceSettings", "parse_origins"]

DEFAULT_CORS_ORIGINS = ("http://localhost:3000", "http://localhost:5173")
Environment = Literal["dev", "test", "production"]


def parse_origins(value: object) -> list[str]:
    """``CORS_ORIGINS``: comma-separated origins; ``*`` is refused (credentials are allowed)."""
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",") if v.strip()]
    elif isinstance(value, list | tuple):
        items = [str(v).strip() for v in value if str(v).strip()]
    else:
        raise ValueError("CORS_ORIGINS must be a comma-separated list of origins")
    for origin in items:
        if origin == "*" or "*" in origin:
            raise ValueError(
                "CORS_ORIGINS may not contain '*': credentials are allowed, so every origin must be"
                " listed explicitly"
            )
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            raise ValueError(
                f"CORS origin {origin!r} must look like https://host[:port], without a path"
            )
    return [o.rstrip("/") for o in items]


def check_database_url(value: str) -> str:
    """``DATABASE_URL``: a SQLite or PostgreSQL URL the services can open."""
    from .db import async_url

    try:
        async_url(value)
    except Exception as exc:
        raise ValueError(f"DATABASE_URL {value!r} is not usable: {exc}") from None
    return value


def check_plant_url(value: str) -> str:
    """``PLANT_API_URL``: an http(s) URL with a host, no query or fragment; no trailing '/'."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"PLANT_API_URL {value!r} must be an http(s) URL such as http://127.0.0.1:8000"
        )
    if parts.query or parts.fragment:
        raise ValueError(f"PLANT_API_URL {value!r} must not have a query or fragment")
    return value.strip().rstrip("/")


class ServiceSettings(BaseSettings):
    """Configuration from the environment; a bad value stops the service with its name."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, env_file=".env")

    @field_validator("cors_origins", mode="before", check_fields=False)
    @classmethod
    def _cors_origins(cls, value: object) -> list[str]:
        return parse_origins(value)

    @field_validator("database_url", check_fields=False)
    @classmethod
    def _database_url(cls, value: str) -> str:
        return check_database_url(value)

    @field_validator("plant_api_url", check_fields=False)
    @classmethod
    def _plant_api_url(cls, value: str) -> str:
        return check_plant_url(value)
