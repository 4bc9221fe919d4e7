"""What every Plant operation needs: the database, the audit trail, settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...common.db import Database
from ..config import PlantSettings
from ..storage.audit import AuditTrail

__all__ = ["MIGRATIONS", "PlantContext"]

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


@dataclass(slots=True)
class PlantContext:
    settings: PlantSettings
    db: Database
    trail: AuditTrail
