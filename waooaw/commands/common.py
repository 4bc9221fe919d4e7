"""Helpers the command groups share."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import typer

__all__ = ["contract_name", "need", "project_config"]


def project_config() -> tuple[Path, dict[str, Any]]:
    for folder in (Path.cwd(), *Path.cwd().parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            section = data.get("tool", {}).get("waooaw")
            if isinstance(section, dict):
                return folder, section
    raise typer.BadParameter(
        "no [tool.waooaw] section in pyproject.toml here or above; pass a contract file instead"
    )


def need(what: str, *extras: str) -> None:
    """Exit 2 with an install hint when an extra a command imports is missing."""
    from ..extras import MissingExtra, require

    try:
        require(what, *extras)
    except MissingExtra as exc:
        typer.echo(f"waooaw: {exc}", err=True)
        raise typer.Exit(2) from None


def contract_name(spec: Path) -> str:
    return spec.name.split(".", 1)[0]
