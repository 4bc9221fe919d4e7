"""What every CP operation needs: settings, the database, Plant, the catalogue copy, the
executor and the clock; and the helpers operations share (the customer behind a token,
create-once with Idempotency-Key, cursors, conflict problems)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from waooaw.runtime.security import Principal, Unauthenticated
from waooaw.runtime.server import ProblemError

from ...common import idempotency
from ...common.db import Database
from ..catalogue import Catalogue
from ..config import CpSettings
from ..domain.values import canonical_json
from ..executor import Executor
from ..plant import PlantGateway
from ..storage.tables import idempotency_keys

__all__ = [
    "MIGRATIONS",
    "Caller",
    "CpContext",
    "conflict",
    "decode_cursor",
    "encode_cursor",
    "not_found",
    "unique_violation",
]

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
M = TypeVar("M", bound=BaseModel)
ERRORS = "https://waooaw.com/errors/"


def not_found(kind: str, entity_id: object) -> ProblemError:
    return ProblemError(404, f"{kind} {entity_id} does not exist")


def conflict(detail: str, *, kind: str | None = None, title: str | None = None) -> ProblemError:
    """A 409; ``kind`` names a specific problem type (``no-active-trial``, ...)."""
    if kind is None:
        return ProblemError(409, detail)
    return ProblemError(409, detail, type=ERRORS + kind, title=title)


def unique_violation(exc: IntegrityError, constraint: str, *columns: str) -> bool:
    """Whether ``exc`` broke this unique constraint (PostgreSQL names it; SQLite lists columns)."""
    text = str(exc.orig)
    if constraint in text:
        return True
    return "UNIQUE constraint failed" in text and all(c in text for c in columns)


@dataclass(frozen=True, slots=True)
class Caller:
    """The customer a request speaks for: always the token's subject, never the request's."""

    customer_id: str
    display_name: str | None

    @classmethod
    def of(cls, principal: Principal) -> Caller:
        subject = principal.subject
        if len(subject) > 255 or not subject.strip() or subject != subject.strip():
            raise Unauthenticated("the token's 'sub' must be 1-255 characters without outer spaces")
        name = principal.claims.get("name")
        display = name.strip()[:120] if isinstance(name, str) and name.strip() else None
        return cls(subject, display)

    def scope(self, operation: str, *target: str) -> str:
        """An Idempotency-Key scope private to this customer, operation and target (<= 64)."""
        digest = hashlib.sha256("\x00".join((self.customer_id, *target)).encode()).hexdigest()
        return f"{operation[:23]}:{digest[:40]}"


@dataclass(slots=True)
class CpContext:
    settings: CpSettings
    db: Database
    plant: PlantGateway
    catalogue: Catalogue
    executor: Executor
    clock: Callable[[], datetime]

    async def create_once(
        self,
        *,
        scope: str,
        key: str | None,
        body: BaseModel,
        model: type[M],
        status_code: int,
        create: Callable[[AsyncConnection], Awaitable[M]],
    ) -> M:
        """Run ``create`` in a write transaction, at most once per Idempotency-Key."""
        if key is None:
            async with self.db.write() as conn:
                return await create(conn)
        request_hash = hashlib.sha256(
            canonical_json(body.model_dump(mode="json", by_alias=True)).encode()
        ).hexdigest()
        for attempt in range(3):
            try:
                async with self.db.write() as conn:
                    stored = await idempotency.reserve(
                        conn, idempotency_keys, scope=scope, key=key, request_hash=request_hash
                    )
                    if stored is not None:
                        return model.model_validate_json(stored.body)
                    created = await create(conn)
                    await idempotency.finish(
                        conn,
                        idempotency_keys,
                        scope=scope,
                        key=key,
                        status_code=status_code,
                        body=created.model_dump_json(by_alias=True),
                    )
                    return created
            except IntegrityError as exc:
                # a concurrent request holding the same key committed first: replay it
                if attempt == 2 or not unique_violation(
                    exc, "cp_idempotency_keys_pkey", "cp_idempotency_keys.scope"
                ):
                    raise
        raise AssertionError("unreachable")  # pragma: no cover


# ---------------------------------------------------------------------------- cursors


def _fingerprint(scope: str) -> str:
    return hashlib.sha256(scope.encode()).hexdigest()[:12]


def encode_cursor(values: Sequence[Any], *, scope: str) -> str:
    """An opaque cursor continuing after ``values``, valid only for the query ``scope``."""
    raw = json.dumps({"k": list(values), "q": _fingerprint(scope)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, scope: str, types: Sequence[type]) -> list[Any] | None:
    """The values a cursor continues after (None for the first page), or a 422 problem."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        values = data["k"]
        if data["q"] != _fingerprint(scope):
            raise _Mismatch
        if not isinstance(values, list) or len(values) != len(types):
            raise ValueError
        for value, kind in zip(values, types, strict=True):
            if type(value) is not kind:
                raise ValueError
        return values
    except _Mismatch:
        message = "this cursor belongs to another query (other filters or sort)"
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        message = "malformed cursor"
    raise ProblemError(
        422,
        f"cursor is not a cursor this service issued for this query: {message}",
        violations=[{"rule": "validation", "field": "query.cursor", "message": message}],
    )


class _Mismatch(Exception):
    pass
