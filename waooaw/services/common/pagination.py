"""Opaque cursors over an increasing integer column."""

from __future__ import annotations

import base64
import binascii
import json

from waooaw.runtime.server import ProblemError

__all__ = ["decode_cursor", "encode_cursor"]


def encode_cursor(after: int) -> str:
    raw = json.dumps({"after": after}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The position after which the page starts (0 for the first page)."""
    if cursor is None:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        after = data["after"]
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            raise ValueError
        return after
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ProblemError(
            422,
            "cursor is not a cursor this service issued",
            violations=[
                {"rule": "validation", "field": "query.cursor", "message": "malformed cursor"}
            ],
        ) from None
