"""Opaque cursors: one scheme for every list the services page through.

A cursor is URL-safe base64 (unpadded) of compact JSON: ``{"after": position}``, where the
position is what the page continues after (an integer column, or a list of sort-key
values), plus ``"q"``, a fingerprint of the query, when the caller gives a ``scope`` (the
filters and sort a cursor was issued for), so a cursor cannot be replayed against another
query. Anything else is a 422 problem naming ``query.cursor``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from waooaw.runtime.server import ProblemError

__all__ = ["decode_cursor", "decode_position", "encode_cursor"]


def _fingerprint(scope: str) -> str:
    return hashlib.sha256(scope.encode()).hexdigest()[:12]


def encode_cursor(after: int | Sequence[Any], *, scope: str | None = None) -> str:
    """A cursor continuing after ``after`` (for the query ``scope``, if given)."""
    data: dict[str, Any] = {"after": after if isinstance(after, int) else list(after)}
    if scope is not None:
        data["q"] = _fingerprint(scope)
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class _OtherQuery(Exception):
    pass


def _payload(cursor: str, scope: str | None) -> Any:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(data, dict) or "after" not in data:
            raise ValueError
        if data.get("q") != (None if scope is None else _fingerprint(scope)):
            raise _OtherQuery
        return data["after"]
    except _OtherQuery:
        message = "this cursor belongs to another query (other filters or sort)"
    except (ValueError, binascii.Error, UnicodeDecodeError):
        message = "malformed cursor"
    raise _invalid(message)


def _invalid(message: str) -> ProblemError:
    return ProblemError(
        422,
        f"cursor is not a cursor this service issued for this query: {message}",
        violations=[{"rule": "validation", "field": "query.cursor", "message": message}],
    )


def _is(value: Any, kind: type) -> bool:
    return type(value) is kind  # bool is not an int here


def decode_position(cursor: str | None) -> int:
    """The integer position a cursor continues after (0 for the first page)."""
    if cursor is None:
        return 0
    after = _payload(cursor, None)
    if not _is(after, int) or after < 0:
        raise _invalid("malformed cursor")
    return int(after)


def decode_cursor(cursor: str | None, *, scope: str, types: Sequence[type]) -> list[Any] | None:
    """The sort-key values a cursor continues after (None for the first page)."""
    if cursor is None:
        return None
    values = _payload(cursor, scope)
    if not isinstance(values, list) or len(values) != len(types):
        raise _invalid("malformed cursor")
    if not all(_is(v, kind) for v, kind in zip(values, types, strict=True)):
        raise _invalid("malformed cursor")
    return values
