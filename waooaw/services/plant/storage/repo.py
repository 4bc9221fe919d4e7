"""Reading and writing Plant's entities (keyword-only functions over a connection).

Storage speaks in storage records (rows, :class:`AgentRecord`, :class:`JobRoleRecord`,
:class:`References`), never in the contract's models: ``api/views.py`` maps records to
responses.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, cast, func, insert, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from ...common.values import canonical_json, sha256_hex
from .tables import (
    agent_skills,
    agents,
    amendments,
    governors,
    industries,
    job_role_skills,
    job_roles,
    skills,
)

__all__ = [
    "AgentRecord",
    "AmendmentRecord",
    "JobRoleRecord",
    "References",
    "agent_content",
    "append_amendment",
    "existing_ids",
    "fetch_agent",
    "fetch_agents",
    "fetch_job_roles",
    "insert_agent",
    "page",
    "references",
    "required_skills",
    "version_hash",
]


@dataclass(frozen=True, slots=True)
class AmendmentRecord:
    sequence: int
    event: str
    actor: str
    timestamp: str
    changes: dict[str, Any]
    version_hash: str


@dataclass(frozen=True, slots=True)
class AgentRecord:
    """An agent as stored: its row, its skills in order and its amendment history."""

    id: str
    name: str
    description: str | None
    industry_id: str
    job_role_id: str
    skills: list[str]
    governance_agent_id: str
    specialties: list[str]
    price_per_month: int | None
    trial_mode_sandbox_url: str | None
    team_id: str | None
    status: str
    alignment: dict[str, Any]
    amendments: list[AmendmentRecord]
    version_hash: str
    created_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class JobRoleRecord:
    row: Row[Any]
    required_skills: list[str]


async def page(
    conn: AsyncConnection, query: Select[Any], seq_column: Any, *, after: int, limit: int
) -> tuple[list[Row[Any]], int | None]:
    """One page ordered by ``seq_column`` and the position to continue after (or None)."""
    rows = list(
        await conn.execute(query.where(seq_column > after).order_by(seq_column).limit(limit + 1))
    )
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].seq
    return rows, None


async def fetch_job_roles(conn: AsyncConnection, rows: Sequence[Row[Any]]) -> list[JobRoleRecord]:
    ids = [r.id for r in rows]
    required: dict[str, list[str]] = defaultdict(list)
    if ids:
        for link in await conn.execute(
            select(job_role_skills.c.job_role_id, job_role_skills.c.skill_id)
            .where(job_role_skills.c.job_role_id.in_(ids))
            .order_by(job_role_skills.c.job_role_id, job_role_skills.c.position)
        ):
            required[link.job_role_id].append(link.skill_id)
    return [JobRoleRecord(r, required[r.id]) for r in rows]


def agent_content(
    *,
    agent_id: str,
    name: str,
    description: str | None,
    industry_id: str,
    job_role_id: str,
    skills: Sequence[str],
    governance_agent_id: str,
    specialties: Sequence[str],
    price_per_month: int | None,
    trial_mode_sandbox_url: str | None,
    team_id: str | None,
    status: str,
) -> dict[str, Any]:
    """The content an agent's version_hash covers."""
    return {
        "id": agent_id,
        "name": name,
        "description": description,
        "industry_id": industry_id,
        "job_role_id": job_role_id,
        "skills": list(skills),
        "governance_agent_id": governance_agent_id,
        "specialties": list(specialties),
        "price_per_month": price_per_month,
        "trial_mode_sandbox_url": trial_mode_sandbox_url,
        "team_id": team_id,
        "status": status,
    }


def version_hash(content: dict[str, Any]) -> str:
    return sha256_hex(canonical_json(content))


async def agent_skill_ids(conn: AsyncConnection, agent_ids: Sequence[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    if agent_ids:
        for link in await conn.execute(
            select(agent_skills.c.agent_id, agent_skills.c.skill_id)
            .where(agent_skills.c.agent_id.in_(agent_ids))
            .order_by(agent_skills.c.agent_id, agent_skills.c.position)
        ):
            found[link.agent_id].append(link.skill_id)
    return found


async def agent_amendments(
    conn: AsyncConnection, agent_ids: Sequence[str]
) -> dict[str, list[AmendmentRecord]]:
    found: dict[str, list[AmendmentRecord]] = defaultdict(list)
    if agent_ids:
        for a in await conn.execute(
            select(amendments)
            .where(amendments.c.agent_id.in_(agent_ids))
            .order_by(amendments.c.agent_id, amendments.c.sequence)
        ):
            found[a.agent_id].append(
                AmendmentRecord(
                    a.sequence, a.event, a.actor, a.timestamp, json.loads(a.changes), a.version_hash
                )
            )
    return found


def _agent(row: Row[Any], skill_ids: list[str], history: list[AmendmentRecord]) -> AgentRecord:
    return AgentRecord(
        id=row.id,
        name=row.name,
        description=row.description,
        industry_id=row.industry_id,
        job_role_id=row.job_role_id,
        skills=skill_ids,
        governance_agent_id=row.governance_agent_id,
        specialties=json.loads(row.specialties),
        price_per_month=row.price_per_month,
        trial_mode_sandbox_url=row.trial_mode_sandbox_url,
        team_id=row.team_id,
        status=row.status,
        alignment=json.loads(row.alignment),
        amendments=history,
        version_hash=row.version_hash,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def fetch_agents(conn: AsyncConnection, rows: Sequence[Row[Any]]) -> list[AgentRecord]:
    """The agents of these rows, with their skills and amendment history (two queries)."""
    ids = [r.id for r in rows]
    skills_of = await agent_skill_ids(conn, ids)
    history = await agent_amendments(conn, ids)
    return [_agent(r, skills_of[r.id], history[r.id]) for r in rows]


def _json_list(
    dialect: str,
    item: ColumnElement[Any],
    where: ColumnElement[bool],
    order: Any,
    *,
    json_items: bool = False,
) -> Any:
    """A correlated subquery: ``item`` of the matching rows, in ``order``, as JSON text.

    ``json_items``: ``item`` is itself JSON (an array), to nest rather than quote.
    """
    if dialect == "postgresql":
        aggregated = func.json_agg(aggregate_order_by(item, order))
        return select(func.coalesce(cast(aggregated, Text), "[]")).where(where).scalar_subquery()
    ordered = select(item.label("item")).where(where).order_by(order).correlate(agents).subquery()
    # SQLite forgets that a value from a subquery is JSON: json() says so again
    element = func.json(ordered.c.item) if json_items else ordered.c.item
    return select(func.json_group_array(element)).scalar_subquery()


async def fetch_agent(conn: AsyncConnection, agent_id: str) -> AgentRecord | None:
    """One agent with its skills and amendment history, in one query."""
    dialect = conn.dialect.name
    array = func.json_build_array if dialect == "postgresql" else func.json_array
    skills_json = _json_list(
        dialect,
        agent_skills.c.skill_id,
        agent_skills.c.agent_id == agents.c.id,
        agent_skills.c.position,
    )
    history_json = _json_list(
        dialect,
        array(
            amendments.c.sequence,
            amendments.c.event,
            amendments.c.actor,
            amendments.c.timestamp,
            amendments.c.changes,
            amendments.c.version_hash,
        ),
        amendments.c.agent_id == agents.c.id,
        amendments.c.sequence,
        json_items=True,
    )
    row = (
        await conn.execute(
            select(
                agents, skills_json.label("skills_json"), history_json.label("history_json")
            ).where(agents.c.id == agent_id)
        )
    ).first()
    if row is None:
        return None
    history = [
        AmendmentRecord(sequence, event, actor, at, json.loads(changes), digest)
        for sequence, event, actor, at, changes, digest in json.loads(row.history_json)
    ]
    return _agent(row, json.loads(row.skills_json), history)


async def existing_ids(
    conn: AsyncConnection, table: Any, ids: Sequence[str]
) -> dict[str, Row[Any]]:
    if not ids:
        return {}
    return {r.id: r for r in await conn.execute(select(table).where(table.c.id.in_(list(ids))))}


async def required_skills(conn: AsyncConnection, job_role_id: str) -> list[str]:
    return [
        r.skill_id
        for r in await conn.execute(
            select(job_role_skills.c.skill_id)
            .where(job_role_skills.c.job_role_id == job_role_id)
            .order_by(job_role_skills.c.position)
        )
    ]


# -- creating an agent ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class References:
    """What an agent being created refers to, as the database has it."""

    industry_exists: bool
    job_role: Row[Any] | None
    required_skill_ids: list[str]
    skill_status: dict[str, str]  # skill id -> status, for the skills that exist
    governor_exists: bool

    def missing(self, *, industry_id: str, job_role_id: str, skill_ids: Sequence[str]) -> list[str]:
        """The referenced entities that do not exist, named for a 404."""
        found = [] if self.industry_exists else [f"industry {industry_id}"]
        if self.job_role is None:
            found.append(f"job role {job_role_id}")
        found.extend(f"skill {s}" for s in skill_ids if s not in self.skill_status)
        return found


async def references(
    conn: AsyncConnection,
    *,
    industry_id: str,
    job_role_id: str,
    skill_ids: Sequence[str],
    governor_id: str | None,
) -> References:
    """The facts creation decides on; ``governor_id`` None: no governor to look up."""
    industry = (
        await conn.execute(select(industries.c.id).where(industries.c.id == industry_id))
    ).first()
    role = (await conn.execute(select(job_roles).where(job_roles.c.id == job_role_id))).first()
    status = {
        r.id: r.status
        for r in await conn.execute(
            select(skills.c.id, skills.c.status).where(skills.c.id.in_(list(skill_ids)))
        )
    }
    governor = (
        governor_id is not None
        and (
            await conn.execute(select(governors.c.id).where(governors.c.id == governor_id))
        ).first()
        is not None
    )
    return References(
        industry_exists=industry is not None,
        job_role=role,
        required_skill_ids=[] if role is None else await required_skills(conn, job_role_id),
        skill_status=status,
        governor_exists=governor,
    )


async def insert_agent(conn: AsyncConnection, agent: AgentRecord) -> None:
    """Write a new agent's row and skills (its amendments: :func:`append_amendment`)."""
    await conn.execute(
        insert(agents).values(
            id=agent.id,
            name=agent.name,
            description=agent.description,
            industry_id=agent.industry_id,
            job_role_id=agent.job_role_id,
            governance_agent_id=agent.governance_agent_id,
            specialties=canonical_json(agent.specialties),
            price_per_month=agent.price_per_month,
            trial_mode_sandbox_url=agent.trial_mode_sandbox_url,
            team_id=agent.team_id,
            status=agent.status,
            alignment=canonical_json(agent.alignment),
            version_hash=agent.version_hash,
            created_at=agent.created_at,
            updated_at=agent.updated_at,
        )
    )
    await conn.execute(
        insert(agent_skills),
        [{"agent_id": agent.id, "skill_id": s, "position": i} for i, s in enumerate(agent.skills)],
    )


async def append_amendment(conn: AsyncConnection, agent_id: str, entry: AmendmentRecord) -> None:
    await conn.execute(
        insert(amendments).values(
            agent_id=agent_id,
            sequence=entry.sequence,
            event=entry.event,
            actor=entry.actor,
            timestamp=entry.timestamp,
            changes=canonical_json(entry.changes),
            version_hash=entry.version_hash,
        )
    )
