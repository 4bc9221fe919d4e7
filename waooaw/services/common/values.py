"""How the services write values down: timestamps and canonical JSON.

Timestamps are stored as fixed-width ISO-8601 UTC text (``2026-01-16T10:00:00.000000Z``),
so that they sort and compare the same as text on SQLite and PostgreSQL; ``parse_ts``
reads them back as aware UTC datetimes. ``canonical_json`` gives the same text for the
same content (sorted keys, no whitespace, UTF-8 kept): the form hashes (version hashes,
the audit chain, idempotency keys) are computed over. It refuses values that are not
JSON rather than stringifying them, since ``str()`` of an object is no stable form to
hash.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

__all__ = ["canonical_json", "now", "now_ts", "parse_ts", "sha256_hex", "ts"]

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def now() -> datetime:
    return datetime.now(UTC)


def ts(moment: datetime) -> str:
    """Fixed-width ISO-8601 UTC, sortable as text: 2026-01-16T10:00:00.000000Z."""
    return moment.astimezone(UTC).strftime(_FORMAT)


def now_ts() -> str:
    return ts(now())


def parse_ts(text: str) -> datetime:
    """A stored timestamp (see :func:`ts`) as an aware UTC datetime."""
    return datetime.fromisoformat(text)


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 kept: the same text for the same content."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
