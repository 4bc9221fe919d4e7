"""Which optional install (``pip install 'waooaw[EXTRA]'``) a command needs.

The base install runs ``gen``, ``lint``, ``diff`` and ``postman``; the other commands
import packages that only an extra brings. ``require`` checks for them before the
import, so a missing extra is one clear sentence instead of a traceback.
"""

from __future__ import annotations

import importlib.util

__all__ = ["EXTRAS", "MissingExtra", "require"]

#: extra -> the top-level modules it provides (one module per distribution is enough).
EXTRAS: dict[str, tuple[str, ...]] = {
    "models": ("pydantic", "email_validator"),
    "server": ("pydantic", "fastapi", "multipart", "uvicorn"),
    "client": ("pydantic", "httpx", "tenacity"),
    "mock": ("fastapi", "uvicorn", "jwt"),
    "verify": ("schemathesis", "httpx"),
    "services": ("fastapi", "uvicorn", "httpx", "pydantic_settings", "sqlalchemy", "alembic"),
}


class MissingExtra(RuntimeError):
    """A command's packages are not installed; the message says what to install."""

    def __init__(self, what: str, extra: str, missing: list[str]) -> None:
        self.extra = extra
        self.missing = missing
        super().__init__(
            f"{what} needs the '{extra}' extra (missing: {', '.join(missing)});"
            f" install it with: pip install 'waooaw[{extra}]'"
        )


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def require(what: str, *extras: str) -> None:
    """Raise :class:`MissingExtra` naming the first of ``extras`` that is not installed."""
    for extra in extras:
        missing = [m for m in EXTRAS[extra] if not _installed(m)]
        if missing:
            raise MissingExtra(what, extra, missing)
