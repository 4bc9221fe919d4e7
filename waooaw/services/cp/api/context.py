"""What every CP operation needs: settings, the database, Plant, the catalogue copy, the
executor and the clock; and the customer behind a token."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from waooaw.runtime.security import Principal, Unauthenticated

from ...common.db import Database
from ..catalogue import Catalogue
from ..config import CpSettings
from ..executor import Executor
from ..plant import PlantGateway

__all__ = ["MIGRATIONS", "Caller", "CpContext"]

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


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
