"""CP's copy of Plant's agents: writing it from Plant's answers, and the marketplace query.

Rows are upserted per page of Plant's listing, each stamped with the listing's
``generation``; when a listing completes, rows it did not see are unlisted (Plant no longer
has them). Plant's columns are overwritten by each upsert; CP's aggregates (rating,
reviews, sign-ups) never are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, String, func, literal, or_, select, tuple_, union_all, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from waooaw.generated.plant import models as plant

from ...common.values import canonical_json, ts
from .records import upsert
from .tables import catalogue, industries, sync_state, tasks

__all__ = [
    "SORTS",
    "AgentActivityStats",
    "Filters",
    "SyncState",
    "activity_of",
    "begin_pass",
    "finish_pass",
    "industry_by_slug",
    "industry_names",
    "is_current",
    "marketplace_page",
    "read_state",
    "record_failure",
    "skills_of",
    "sort_key_types",
    "specialties_of",
    "upsert_agents",
    "upsert_industries",
]

UNPRICED = 2**40  # sorts after every real price


def _tag(value: str) -> str:
    return value.strip().lower().replace("|", " ")


def agent_values(agent: plant.AgentResponse, *, generation: int, at: datetime) -> dict[str, Any]:
    specialties = list(agent.specialties)
    price = agent.price_per_month
    return {
        "id": str(agent.id),
        "name": agent.name,
        "name_lc": agent.name.lower()[:120],
        "description": agent.description,
        "industry_id": str(agent.industry_id),
        "job_role_id": str(agent.job_role_id),
        "skills": canonical_json([str(s) for s in agent.skills]),
        "specialties": canonical_json(specialties),
        "specialties_lc": "|" + "|".join(_tag(s) for s in specialties) + "|",
        "price_per_month": price,
        "price_asc_key": UNPRICED if price is None else price,
        "price_desc_key": UNPRICED if price is None else -price,
        "sandbox_url": agent.trial_mode_sandbox_url,
        "plant_status": agent.status.value,
        "plant_created_at": ts(agent.created_at),
        "plant_updated_at": ts(agent.updated_at),
        "version_hash": agent.version_hash,
        "listed": agent.status != plant.AgentStatus.RETIRED,
        "seen_generation": generation,
        "synced_at": ts(at),
    }


_PLANT_COLUMNS = (
    "name",
    "name_lc",
    "description",
    "industry_id",
    "job_role_id",
    "skills",
    "specialties",
    "specialties_lc",
    "price_per_month",
    "price_asc_key",
    "price_desc_key",
    "sandbox_url",
    "plant_status",
    "plant_created_at",
    "plant_updated_at",
    "version_hash",
    "listed",
    "synced_at",
)


async def upsert_agents(
    conn: AsyncConnection,
    agents: Sequence[plant.AgentResponse],
    *,
    generation: int,
    at: datetime,
    keep_generation: bool = False,
) -> None:
    """Write Plant's agents; ``keep_generation`` for single reads outside a listing."""
    if not agents:
        return
    stmt = upsert(conn)(catalogue).values(
        [agent_values(a, generation=generation, at=at) for a in agents]
    )
    columns = list(_PLANT_COLUMNS)
    if not keep_generation:
        columns.append("seen_generation")
    else:
        columns.remove("listed")  # only a full listing decides what is listed
    stmt = stmt.on_conflict_do_update(
        index_elements=["id"], set_={c: stmt.excluded[c] for c in columns}
    )
    await conn.execute(stmt)


async def upsert_industries(
    conn: AsyncConnection, found: Iterable[plant.IndustryResponse], *, at: datetime
) -> None:
    rows = [{"id": str(i.id), "name": i.name, "slug": i.slug, "synced_at": ts(at)} for i in found]
    if not rows:
        return
    stmt = upsert(conn)(industries).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=["id"],
        set_={
            "name": stmt.excluded.name,
            "slug": stmt.excluded.slug,
            "synced_at": stmt.excluded.synced_at,
        },
    )
    await conn.execute(stmt)


async def is_current(conn: AsyncConnection, agent: plant.AgentResponse) -> bool:
    """Whether the copy already holds this version of the agent."""
    row = (
        await conn.execute(
            select(catalogue.c.version_hash, catalogue.c.plant_status).where(
                catalogue.c.id == str(agent.id)
            )
        )
    ).first()
    return (
        row is not None
        and row.version_hash == agent.version_hash
        and row.plant_status == agent.status.value
    )


@dataclass(frozen=True, slots=True)
class SyncState:
    generation: int
    fresh_as_of: str | None
    last_attempt_at: str | None
    last_error: str | None
    agents: int


async def read_state(conn: AsyncConnection) -> SyncState:
    row = (await conn.execute(select(sync_state).where(sync_state.c.id == 1))).one()
    return SyncState(
        row.generation, row.fresh_as_of, row.last_attempt_at, row.last_error, row.agents
    )


async def begin_pass(
    conn: AsyncConnection, *, owner: str, at: datetime, lease_seconds: float, force: bool
) -> int | None:
    """Claim the next listing (its generation), unless another one holds the lease."""
    stmt = update(sync_state).where(sync_state.c.id == 1)
    if not force:
        stmt = stmt.where(
            or_(sync_state.c.lease_until.is_(None), sync_state.c.lease_until <= ts(at))
        )
    row = (
        await conn.execute(
            stmt.values(
                generation=sync_state.c.generation + 1,
                lease_owner=owner[:64],
                lease_until=ts(at + timedelta(seconds=lease_seconds)),
                last_attempt_at=ts(at),
            ).returning(sync_state.c.generation)
        )
    ).first()
    return None if row is None else int(row.generation)


async def finish_pass(
    conn: AsyncConnection, *, generation: int, started: datetime, agents: int
) -> None:
    """A listing completed: unlist what it did not see, and record how fresh the copy is."""
    await conn.execute(
        update(catalogue)
        .where(catalogue.c.seen_generation < generation, catalogue.c.listed.is_(True))
        .values(listed=False)
    )
    state = update(sync_state).where(sync_state.c.id == 1)
    await conn.execute(state.values(last_error=None, agents=agents))
    # a slower, older listing finishing late must not make the copy look older
    await conn.execute(
        state.where(
            or_(sync_state.c.fresh_as_of.is_(None), sync_state.c.fresh_as_of < ts(started))
        ).values(fresh_as_of=ts(started))
    )


async def record_failure(conn: AsyncConnection, *, error: str) -> None:
    await conn.execute(
        update(sync_state).where(sync_state.c.id == 1).values(last_error=error[:2000])
    )


# ---------------------------------------------------------------------------- the list

#: sort name -> key columns (one direction for all, so one index serves it), descending?
SORTS: dict[str, tuple[tuple[Any, ...], bool]] = {
    "rating": ((catalogue.c.rating_milli, catalogue.c.reviews_count, catalogue.c.seq), True),
    "reviews": ((catalogue.c.reviews_count, catalogue.c.seq), True),
    "price_asc": ((catalogue.c.price_asc_key, catalogue.c.seq), False),
    "price_desc": ((catalogue.c.price_desc_key, catalogue.c.seq), False),
    "name": ((catalogue.c.name_lc, catalogue.c.seq), False),
    "newest": ((catalogue.c.plant_created_at, catalogue.c.seq), True),
    "popular": ((catalogue.c.trial_signups, catalogue.c.seq), True),
}


@dataclass(frozen=True, slots=True)
class Filters:
    industry_id: str | None = None
    min_rating: float | None = None
    min_price: int | None = None
    max_price: int | None = None
    specialties: tuple[str, ...] = ()
    q: str | None = None

    def fingerprint(self, sort: str) -> str:
        return canonical_json(
            [
                sort,
                self.industry_id,
                self.min_rating,
                self.min_price,
                self.max_price,
                sorted({_tag(s) for s in self.specialties}),
                None if self.q is None else self.q.lower(),
            ]
        )


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(filters: Filters, sort: str) -> Select[Any]:
    """The filters as conditions. Only the sort's own index may drive the query (``+ 0``
    keeps a filter column from being used as an index range otherwise): marketplace filters
    match many agents, so walking the sort order and stopping at the page's end wins."""
    query = select(catalogue).where(catalogue.c.listed.is_(True))
    if filters.industry_id is not None:
        query = query.where(catalogue.c.industry_id == filters.industry_id)
    if filters.min_rating:
        # exact, in integers: sum / count >= min  <=>  sum * 1000 >= round(min * 1000) * count;
        # rating_milli (floor of the average x 1000, 0 when unrated) bounds it from below
        threshold = round(filters.min_rating * 1000)
        floor = max(1, threshold)
        milli = catalogue.c.rating_milli if sort == "rating" else catalogue.c.rating_milli + 0
        query = query.where(
            milli >= floor, catalogue.c.rating_sum * 1000 >= threshold * catalogue.c.reviews_count
        )
    if filters.min_price is not None:
        query = query.where(catalogue.c.price_per_month >= filters.min_price)
    if filters.max_price is not None:
        query = query.where(catalogue.c.price_per_month <= filters.max_price)
    if filters.specialties:
        query = query.where(
            or_(
                *(
                    catalogue.c.specialties_lc.like(_like(f"|{_tag(s)}|"), escape="\\")
                    for s in filters.specialties
                )
            )
        )
    if filters.q is not None:
        pattern = _like(filters.q.lower())
        query = query.where(
            or_(
                catalogue.c.name_lc.like(pattern, escape="\\"),
                catalogue.c.specialties_lc.like(pattern, escape="\\"),
            )
        )
    return query


async def marketplace_page(
    conn: AsyncConnection,
    filters: Filters,
    *,
    sort: str,
    after: Sequence[Any] | None,
    limit: int,
) -> tuple[list[Row[Any]], list[Any] | None]:
    """One page in ``sort`` order and the key to continue after (None on the last page)."""
    keys, descending = SORTS[sort]
    query = _filtered(filters, sort)
    if after is not None:
        position = tuple_(*keys)
        bound = tuple_(*after)
        query = query.where(position < bound if descending else position > bound)
    order = [k.desc() if descending else k.asc() for k in keys]
    rows = list(await conn.execute(query.order_by(*order).limit(limit + 1)))
    if len(rows) > limit:
        last = rows[limit - 1]
        return rows[:limit], [getattr(last, k.name) for k in keys]
    return rows, None


def sort_key_types(sort: str) -> tuple[type, ...]:
    return tuple(str if k.name in ("name_lc", "plant_created_at") else int for k in SORTS[sort][0])


@dataclass(frozen=True, slots=True)
class AgentActivityStats:
    running: int = 0
    completed_24h: int = 0
    last_active_at: str | None = None


async def activity_of(
    conn: AsyncConnection, agent_ids: Sequence[str], *, at: datetime
) -> dict[str, AgentActivityStats]:
    """Running and recently completed tasks per agent, from CP's task table (one query)."""
    if not agent_ids:
        return {}
    ids = list(agent_ids)
    mine = tasks.c.agent_id.in_(ids)
    null = literal(None, String)

    def part(kind: str, *where: Any, count: bool = True) -> Select[Any]:
        return (
            select(
                tasks.c.agent_id,
                literal(kind, String).label("kind"),
                (func.count() if count else literal(0)).label("n"),
                (func.max(tasks.c.finished_at) if not count else null).label("last"),
            )
            .where(mine, *where)
            .group_by(tasks.c.agent_id)
        )

    # one index range per part (agent, status[, finished_at]); the union is one round trip
    query = union_all(
        part("running", tasks.c.status == "running"),
        part(
            "recent",
            tasks.c.status == "completed",
            tasks.c.finished_at >= ts(at - timedelta(hours=24)),
        ),
        part("last", tasks.c.status == "completed", count=False),
        part("last", tasks.c.status == "failed", count=False),
    )
    running: dict[str, int] = {}
    recent: dict[str, int] = {}
    last: dict[str, str] = {}
    for agent_id, kind, n, finished in await conn.execute(query):
        if kind == "running":
            running[agent_id] = int(n)
        elif kind == "recent":
            recent[agent_id] = int(n)
        elif finished is not None and finished > last.get(agent_id, ""):
            last[agent_id] = finished
    return {
        agent_id: AgentActivityStats(
            running=running.get(agent_id, 0),
            completed_24h=recent.get(agent_id, 0),
            last_active_at=last.get(agent_id),
        )
        for agent_id in ids
    }


async def industry_names(conn: AsyncConnection) -> dict[str, tuple[str, str]]:
    """id -> (name, slug) of every industry CP has copied."""
    return {
        row.id: (row.name, row.slug)
        for row in await conn.execute(select(industries.c.id, industries.c.name, industries.c.slug))
    }


async def industry_by_slug(conn: AsyncConnection, slug: str) -> str | None:
    row = (await conn.execute(select(industries.c.id).where(industries.c.slug == slug))).first()
    return None if row is None else str(row.id)


def skills_of(row: Row[Any]) -> list[str]:
    found: list[str] = json.loads(row.skills)
    return found


def specialties_of(row: Row[Any]) -> list[str]:
    found: list[str] = json.loads(row.specialties)
    return found
