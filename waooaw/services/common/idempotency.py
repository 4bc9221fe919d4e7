"""``Idempotency-Key`` for creating POSTs.

The first request with a key reserves it inside the same transaction that
creates the entity, so the key and the entity commit together. A retry with the
same key and the same body gets the first response again and creates nothing;
the same key with a different body is a 422 problem. Keys are scoped to an
operation and expire after 24 hours.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from waooaw.runtime.server import ProblemError

__all__ = ["TTL", "Stored", "finish", "reserve"]

TTL = timedelta(hours=24)
REUSE_TYPE = "https://waooaw.com/errors/idempotency-key-reuse"


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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
        if row.created_at < _ts(now - TTL):
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
            created_at=_ts(now),
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
