"""Settings helpers shared by the services."""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["DEFAULT_CORS_ORIGINS", "parse_origins"]

DEFAULT_CORS_ORIGINS = ("http://localhost:3000", "http://localhost:5173")


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
