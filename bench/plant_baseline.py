"""The overhead baseline for bench/plant.py: Plant's two agent reads, written by hand.

A minimal FastAPI app, the way one would write it without waooaw: no generated router,
no response models, no middleware. It serves

    GET /api/v1/agents/{agent_id}     one agent
    GET /api/v1/agents?limit=20       one page of agents (cursor accepted)

with the same JSON as Plant (same members, order and values; compared by bench/plant.py
before it measures), over the same database, with the same driver (SQLAlchemy async +
aiosqlite, same pool size, same connection set-up: each request reads in one transaction)
and the same tables, under uvicorn with one worker:

    .venv/bin/python bench/plant_baseline.py --database ./plant.db --port 8001

``--respond dict`` (the default) returns dicts, as FastAPI apps usually do, so FastAPI runs
them through ``jsonable_encoder`` before ``json.dumps``; ``--respond json`` returns
``JSONResponse(...)``, skipping ``jsonable_encoder``: a stricter baseline.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse
from sqlalchemy import event, select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from waooaw.services.plant.storage.tables import agent_skills, agents, amendments

__all__ = ["create_app", "main"]


def _cursor(after: int) -> str:
    raw = json.dumps({"after": after}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor: str | None) -> int | None:
    if cursor is None:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        after = data["after"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    return after if isinstance(after, int) and after >= 0 else None


async def _agents(conn: AsyncConnection, rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    ids = [r.id for r in rows]
    skills: dict[str, list[str]] = defaultdict(list)
    history: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in await conn.execute(
        select(agent_skills.c.agent_id, agent_skills.c.skill_id)
        .where(agent_skills.c.agent_id.in_(ids))
        .order_by(agent_skills.c.agent_id, agent_skills.c.position)
    ):
        skills[s.agent_id].append(s.skill_id)
    for a in await conn.execute(
        select(amendments)
        .where(amendments.c.agent_id.in_(ids))
        .order_by(amendments.c.agent_id, amendments.c.sequence)
    ):
        history[a.agent_id].append(
            {
                "sequence": a.sequence,
                "event": a.event,
                "actor": a.actor,
                "timestamp": a.timestamp,
                "changes": json.loads(a.changes),
                "version_hash": a.version_hash,
            }
        )
    return [
        {
            "id": r.id,
            "name": r.name,
            "description": r.description,
            "industry_id": r.industry_id,
            "job_role_id": r.job_role_id,
            "skills": skills[r.id],
            "governance_agent_id": r.governance_agent_id,
            "specialties": json.loads(r.specialties),
            "price_per_month": r.price_per_month,
            "trial_mode_sandbox_url": r.trial_mode_sandbox_url,
            "team_id": r.team_id,
            "status": r.status,
            "constitutional_alignment": json.loads(r.alignment),
            "amendment_history": history[r.id],
            "version_hash": r.version_hash,
            "created_at": r.created_at,
            "updated_at": r.updated_at,
        }
        for r in rows
    ]


def create_app(database: str, *, pool_size: int = 10, respond: str = "dict") -> FastAPI:
    """The app; ``respond="json"`` answers ``JSONResponse(...)`` (``json.dumps``) instead of
    returning dicts for FastAPI to pass through ``jsonable_encoder`` first."""

    def answer(content: Any) -> Any:
        return JSONResponse(content) if respond == "json" else content

    engine = create_async_engine(
        f"sqlite+aiosqlite:///{database}", pool_size=pool_size, max_overflow=20
    )

    # the same connection set-up as Plant's reader, so that both do the same database work:
    # each request reads in one transaction (one snapshot), BEGIN ... ROLLBACK
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "foreign_keys=ON",
            "busy_timeout=30000",
            "synchronous=1",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/api/v1/agents/{agent_id}")
    async def get_agent(agent_id: str) -> Any:
        async with engine.connect() as conn:
            row = (await conn.execute(select(agents).where(agents.c.id == agent_id))).first()
            if row is None:
                return JSONResponse({"status": 404, "detail": "no such agent"}, status_code=404)
            return answer((await _agents(conn, [row]))[0])

    @app.get("/api/v1/agents")
    async def list_agents(
        limit: Annotated[int, Query(ge=1, le=100)] = 20, cursor: str | None = None
    ) -> Any:
        after = _after(cursor)
        if after is None:
            return JSONResponse({"status": 422, "detail": "malformed cursor"}, status_code=422)
        async with engine.connect() as conn:
            rows = list(
                await conn.execute(
                    select(agents)
                    .where(agents.c.seq > after)
                    .order_by(agents.c.seq)
                    .limit(limit + 1)
                )
            )
            more = len(rows) > limit
            rows = rows[:limit]
            items = await _agents(conn, rows)
        return answer({"items": items, "next_cursor": _cursor(rows[-1].seq) if more else None})

    @app.get("/ready")
    async def ready() -> dict[str, str]:
        return {"status": "ready"}

    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="the SQLite file Plant serves")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--pool-size", type=int, default=10)
    parser.add_argument(
        "--respond",
        choices=("dict", "json"),
        default="dict",
        help="dict: return dicts (FastAPI's jsonable_encoder + json.dumps, the idiomatic way);"
        " json: return JSONResponse (json.dumps only)",
    )
    args = parser.parse_args()
    uvicorn.run(
        create_app(args.database, pool_size=args.pool_size, respond=args.respond),
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
