"""``Idempotency-Key`` for creating POSTs.

``create_once`` runs a creation at most once per key. The first request with a key
reserves it inside the same transaction that creates the entity, so the key and the
entity commit together. A retry with the same key and the same body gets the first
response again and creates nothing; the same key with a different body is a 422
problem. Keys are scoped (to an operation, and in CP to a customer and target) and
expire after 24 hours.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from waooaw.runtime.server import ProblemError

from .db import Database, unique_violation
from .values import canonical_json, ts

__all__ = ["TTL", "Stored", "create_once", "finish", "reserve"]

M = TypeVar("M", bound=BaseModel)

TTL = timedelta(hours=24)
REUSE_TYPE = "https://waooaw.com/errors/idempotency-key-reuse"


class Stored:
    """A response recorded for a key: replay it."""

    def __init__(self, status_code: int, body: str) -> None:
        self.status_code = status_code
        self.body = body


async def reserve(
    conn: AsyncConnection, table: Table, *, scope: str, key: str, request_hash: str
) -> Stored | None:
    """Claim ``key`` for this request, or return the response it already produced."""
    now = datetime.now(UTC)
    row = (
        await conn.execute(
            select(
                table.c.request_hash, table.c.status_code, table.c.response_body, table.c.created_at
            ).where(table.c.scope == scope, table.c.key == key)
        )
    ).first()
    if row is not None:
        if row.created_at < ts(now - TTL):
            await conn.execute(delete(table).where(table.c.scope == scope, table.c.key == key))
        elif row.request_hash != request_hash:
            raise ProblemError(
                422,
                "this Idempotency-Key was already used with a different request body",
                type=REUSE_TYPE,
                title="Idempotency Key Reused",
            )
        elif row.status_code:
            return Stored(row.status_code, row.response_body)
    await conn.execute(
        insert(table).values(
            scope=scope,
            key=key,
            request_hash=request_hash,
            status_code=0,
            response_body="",
            created_at=ts(now),
        )
    )
    return None


async def finish(
    conn: AsyncConnection, table: Table, *, scope: str, key: str, status_code: int, body: str
) -> None:
    await conn.execute(
        update(table)
        .where(table.c.scope == scope, table.c.key == key)
        .values(status_code=status_code, response_body=body)
    )


async def create_once(
    db: Database,
    table: Table,
    *,
    scope: str,
    key: str | None,
    body: BaseModel,
    model: type[M],
    create: Callable[[AsyncConnection], Awaitable[M]],
    status_code: int = 201,
) -> M:
    """Run ``create`` in a write transaction, at most once per Idempotency-Key.

    ``table`` is the service's idempotency table (``scope``, ``key``, ``request_hash``,
    ``status_code``, ``response_body``, ``created_at``); a replay is ``model`` read back
    from the stored body.
    """
    if key is None:
        async with db.write() as conn:
            return await create(conn)
    request_hash = hashlib.sha256(
        canonical_json(body.model_dump(mode="json", by_alias=True)).encode()
    ).hexdigest()
    for attempt in range(3):
        try:
            async with db.write() as conn:
                stored = await reserve(conn, table, scope=scope, key=key, request_hash=request_hash)
                if stored is not None:
                    return model.model_validate_json(stored.body)
                created = await create(conn)
                await finish(
                    conn,
                    table,
                    scope=scope,
                    key=key,
                    status_code=status_code,
                    body=created.model_dump_json(by_alias=True),
                )
                return created
        except IntegrityError as exc:
            # a concurrent request holding the same key committed first: replay it
            if attempt == 2 or not unique_violation(exc, table, "scope", "key"):
                raise
    raise AssertionError("unreachable")  # pragma: no cover
