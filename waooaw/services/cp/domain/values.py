"""Timestamps and money as CP stores them.

Timestamps are fixed-width ISO-8601 UTC strings (``2026-01-16T10:00:00.000000Z``) so that
they sort and compare the same as text on SQLite and PostgreSQL. Money is whole
micro-dollars (``int``), so sums are exact; the API shows US dollars.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "MICROS",
    "canonical_json",
    "now",
    "parse_ts",
    "ts",
    "usd",
]

MICROS = 1_000_000


def now() -> datetime:
    return datetime.now(UTC)


def ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_ts(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def usd(micros: int) -> float:
    """Micro-dollars as dollars (a float, at most six decimals)."""
    return round(micros / MICROS, 6)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
