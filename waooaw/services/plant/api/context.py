"""What every Plant operation needs: the database, the audit trail, settings."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from waooaw.runtime.server import ProblemError

from ...common import idempotency
from ...common.db import Database
from ..config import PlantSettings
from ..domain.canonical import canonical_json
from ..storage.audit import AuditTrail
from ..storage.tables import idempotency_keys

__all__ = ["MIGRATIONS", "PlantContext", "not_found"]

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
M = TypeVar("M", bound=BaseModel)


def not_found(kind: str, entity_id: object) -> ProblemError:
    return ProblemError(404, f"{kind} {entity_id} does not exist")


@dataclass(slots=True)
class PlantContext:
    settings: PlantSettings
    db: Database
    trail: AuditTrail

    async def create_once(
        self,
        *,
        scope: str,
        key: str | None,
        body: BaseModel,
        model: type[M],
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
                        status_code=201,
                        body=created.model_dump_json(by_alias=True),
                    )
                    return created
            except IntegrityError as exc:
                # a concurrent request holding the same key committed first: replay it
                if attempt == 2 or "idempotency" not in str(exc.orig).lower():
                    raise
        raise AssertionError("unreachable")  # pragma: no cover


def unique_violation(exc: IntegrityError, column: str) -> bool:
    text = str(exc.orig).lower()
    return "unique" in text and column in text
