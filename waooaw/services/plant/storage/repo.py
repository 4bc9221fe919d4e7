"""Reading and writing Plant's entities (keyword-only functions over a connection)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from waooaw.generated.plant import models

from ..domain.canonical import canonical_json, parse_ts, sha256_hex
from .tables import (
    agent_skills,
    amendments,
    governors,
    job_role_skills,
)

__all__ = [
    "agent_content",
    "fetch_agents",
    "fetch_job_roles",
    "industry_model",
    "page",
    "skill_model",
    "version_hash",
]


def _dt(value: str | None) -> Any:
    return None if value is None else parse_ts(value)


def industry_model(row: Row[Any]) -> models.IndustryResponse:
    return models.IndustryResponse.model_validate(
        {"id": row.id, "name": row.name, "slug": row.slug, "description": row.description}
    )


def skill_model(row: Row[Any]) -> models.SkillResponse:
    return models.SkillResponse.model_validate(
        {
            "id": row.id,
            "name": row.name,
            "category": row.category,
            "description": row.description,
            "status": row.status,
            "certified_at": _dt(row.certified_at),
            "certified_by": row.certified_by,
            "created_at": _dt(row.created_at),
            "updated_at": _dt(row.updated_at),
        }
    )


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


async def fetch_job_roles(
    conn: AsyncConnection, rows: Sequence[Row[Any]]
) -> list[models.JobRoleResponse]:
    ids = [r.id for r in rows]
    required: dict[str, list[str]] = defaultdict(list)
    if ids:
        for link in await conn.execute(
            select(job_role_skills.c.job_role_id, job_role_skills.c.skill_id)
            .where(job_role_skills.c.job_role_id.in_(ids))
            .order_by(job_role_skills.c.job_role_id, job_role_skills.c.position)
        ):
            required[link.job_role_id].append(link.skill_id)
    return [
        models.JobRoleResponse.model_validate(
            {
                "id": r.id,
                "name": r.name,
                "description": r.description,
                "industry_id": r.industry_id,
                "required_skills": required[r.id],
                "seniority": r.seniority,
                "status": r.status,
                "certified_at": _dt(r.certified_at),
                "certified_by": r.certified_by,
                "created_at": _dt(r.created_at),
                "updated_at": _dt(r.updated_at),
            }
        )
        for r in rows
    ]


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
) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if agent_ids:
        for a in await conn.execute(
            select(amendments)
            .where(amendments.c.agent_id.in_(agent_ids))
            .order_by(amendments.c.agent_id, amendments.c.sequence)
        ):
            found[a.agent_id].append(
                {
                    "sequence": a.sequence,
                    "event": a.event,
                    "actor": a.actor,
                    "timestamp": parse_ts(a.timestamp),
                    "changes": json.loads(a.changes),
                    "version_hash": a.version_hash,
                }
            )
    return found


async def fetch_agents(
    conn: AsyncConnection, rows: Sequence[Row[Any]]
) -> list[models.AgentResponse]:
    ids = [r.id for r in rows]
    skills_of = await agent_skill_ids(conn, ids)
    history = await agent_amendments(conn, ids)
    return [
        models.AgentResponse.model_validate(
            {
                "id": r.id,
                "name": r.name,
                "description": r.description,
                "industry_id": r.industry_id,
                "job_role_id": r.job_role_id,
                "skills": skills_of[r.id],
                "governance_agent_id": r.governance_agent_id,
                "specialties": json.loads(r.specialties),
                "price_per_month": r.price_per_month,
                "trial_mode_sandbox_url": r.trial_mode_sandbox_url,
                "team_id": r.team_id,
                "status": r.status,
                "constitutional_alignment": json.loads(r.alignment),
                "amendment_history": history[r.id],
                "version_hash": r.version_hash,
                "created_at": parse_ts(r.created_at),
                "updated_at": parse_ts(r.updated_at),
            }
        )
        for r in rows
    ]


async def existing_ids(
    conn: AsyncConnection, table: Any, ids: Sequence[str]
) -> dict[str, Row[Any]]:
    if not ids:
        return {}
    return {r.id: r for r in await conn.execute(select(table).where(table.c.id.in_(list(ids))))}


async def governor_exists(conn: AsyncConnection, governor_id: str) -> bool:
    return bool(
        (
            await conn.execute(
                select(func.count()).select_from(governors).where(governors.c.id == governor_id)
            )
        ).scalar()
    )


async def required_skills(conn: AsyncConnection, job_role_id: str) -> list[str]:
    return [
        r.skill_id
        for r in await conn.execute(
            select(job_role_skills.c.skill_id)
            .where(job_role_skills.c.job_role_id == job_role_id)
            .order_by(job_role_skills.c.position)
        )
    ]
