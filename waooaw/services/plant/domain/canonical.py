"""Canonical JSON, content hashes, timestamps."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

__all__ = ["canonical_json", "now_ts", "parse_ts", "sha256_hex", "ts"]


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 kept: the same bytes for the same content."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def ts(moment: datetime) -> str:
    """Fixed-width ISO-8601 UTC, sortable as text: 2026-01-16T10:00:00.000000Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_ts() -> str:
    return ts(datetime.now(UTC))


def parse_ts(text: str) -> datetime:
    return datetime.fromisoformat(text)
