"""The route table: reads, creation, and the atomic switch / rollback / weight changes.

Every change happens in one transaction that also raises the table's generation, so a
process that sees the new generation reloads a consistent table, and none ever sees half
a switch. Rows are locked (``FOR UPDATE``; ``BEGIN IMMEDIATE`` on SQLite) while a group's
weights change.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from waooaw.runtime.server import ProblemError

from .tables import route_generation, routes

__all__ = [
    "RouteRow",
    "all_routes",
    "create_route",
    "generation",
    "get_route",
    "rollback",
    "set_weights",
    "switch",
]


@dataclass(frozen=True, slots=True)
class RouteRow:
    id: str
    match: str
    pool: str
    version: str
    upstream_url: str
    weight: int
    previous_weight: int | None
    enabled: bool
    updated_at: str


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _row(r: Row[Any]) -> RouteRow:
    return RouteRow(
        id=r.id,
        match=r.match,
        pool=r.pool,
        version=r.version,
        upstream_url=r.upstream_url,
        weight=r.weight,
        previous_weight=r.previous_weight,
        enabled=bool(r.enabled),
        updated_at=r.updated_at,
    )


_ORDER = (routes.c.match, routes.c.pool, routes.c.version)


async def generation(conn: AsyncConnection) -> int:
    value = (
        await conn.execute(select(route_generation.c.generation).where(route_generation.c.id == 1))
    ).scalar()
    return int(value or 0)


async def _bump(conn: AsyncConnection) -> int:
    await conn.execute(
        update(route_generation)
        .where(route_generation.c.id == 1)
        .values(generation=route_generation.c.generation + 1)
    )
    return await generation(conn)


async def all_routes(conn: AsyncConnection) -> list[RouteRow]:
    return [_row(r) for r in await conn.execute(select(routes).order_by(*_ORDER))]


async def get_route(conn: AsyncConnection, route_id: str) -> RouteRow | None:
    r = (await conn.execute(select(routes).where(routes.c.id == route_id))).first()
    return None if r is None else _row(r)


async def create_route(
    conn: AsyncConnection,
    *,
    match: str,
    pool: str,
    version: str,
    upstream_url: str,
    weight: int,
    enabled: bool,
) -> RouteRow:
    row = RouteRow(
        id=str(uuid.uuid4()),
        match=match,
        pool=pool,
        version=version,
        upstream_url=upstream_url.rstrip("/"),
        weight=weight,
        previous_weight=None,
        enabled=enabled,
        updated_at=_now(),
    )
    try:
        async with conn.begin_nested():
            await conn.execute(
                insert(routes).values(
                    id=row.id,
                    match=row.match,
                    pool=row.pool,
                    version=row.version,
                    upstream_url=row.upstream_url,
                    weight=row.weight,
                    previous_weight=None,
                    enabled=row.enabled,
                    updated_at=row.updated_at,
                )
            )
    except IntegrityError:
        raise ProblemError(
            409, f"route {match} ({pool}) already has a version {version!r}"
        ) from None
    await _bump(conn)
    return row


async def _group(conn: AsyncConnection, match: str, pool: str) -> list[RouteRow]:
    rows = [
        _row(r)
        for r in await conn.execute(
            select(routes)
            .where(routes.c.match == match, routes.c.pool == pool)
            .order_by(routes.c.version)
            .with_for_update()
        )
    ]
    if not rows:
        raise ProblemError(404, f"no route matches {match!r} in pool {pool!r}")
    return rows


async def _apply(
    conn: AsyncConnection, rows: list[RouteRow], weights: Mapping[str, int], *, remember: bool
) -> tuple[int, list[RouteRow]]:
    at = _now()
    for r in rows:
        target = weights.get(r.version, r.weight)
        values: dict[str, object] = {"weight": target, "updated_at": at}
        if remember:
            values["previous_weight"] = r.weight
        else:
            values["previous_weight"] = None
        if target > 0:
            values["enabled"] = True
        await conn.execute(update(routes).where(routes.c.id == r.id).values(**values))
    gen = await _bump(conn)
    fresh = [
        _row(r)
        for r in await conn.execute(
            select(routes).where(routes.c.id.in_([r.id for r in rows])).order_by(routes.c.version)
        )
    ]
    return gen, fresh


async def switch(
    conn: AsyncConnection, *, match: str, pool: str, version: str
) -> tuple[int, list[RouteRow]]:
    """Give ``version`` all the traffic of its group (blue/green)."""
    rows = await _group(conn, match, pool)
    if version not in {r.version for r in rows}:
        raise ProblemError(404, f"route {match!r} ({pool}) has no version {version!r}")
    return await _apply(
        conn, rows, {r.version: (100 if r.version == version else 0) for r in rows}, remember=True
    )


async def set_weights(
    conn: AsyncConnection, *, match: str, pool: str, weights: Mapping[str, int]
) -> tuple[int, list[RouteRow]]:
    """Canary weights for some versions of a group; some enabled version keeps traffic."""
    rows = await _group(conn, match, pool)
    unknown = sorted(set(weights) - {r.version for r in rows})
    if unknown:
        raise ProblemError(404, f"route {match!r} ({pool}) has no version {unknown[0]!r}")
    after = {r.version: weights.get(r.version, r.weight) for r in rows}
    if not any(w > 0 for w in after.values()):
        raise ProblemError(
            422,
            "at least one version must keep a weight above 0",
            violations=[
                {"rule": "validation", "field": "body.weights", "message": "every weight is 0"}
            ],
        )
    return await _apply(conn, rows, weights, remember=True)


async def rollback(conn: AsyncConnection, *, match: str, pool: str) -> tuple[int, list[RouteRow]]:
    """Put back the weights from before the last switch or weight change."""
    rows = await _group(conn, match, pool)
    if all(r.previous_weight is None for r in rows):
        raise ProblemError(409, f"route {match!r} ({pool}) has no change to roll back")
    return await _apply(
        conn,
        rows,
        {r.version: r.previous_weight for r in rows if r.previous_weight is not None},
        remember=False,
    )
