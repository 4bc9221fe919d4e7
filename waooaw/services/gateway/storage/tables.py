"""The gateway's schema (SQLAlchemy Core). Migrations create it; this module describes it.

The audit trail's two tables are Plant's own :data:`audit_entries` and :data:`audit_head`
(the gateway appends to them with Plant's :class:`~waooaw.services.plant.storage.audit.
AuditTrail`), created in the gateway's database by its first migration. The gateway
records its revision in ``gateway_alembic_version`` so that it can share a database.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

from ...plant.storage.tables import audit_entries, audit_head

__all__ = [
    "VERSION_TABLE",
    "audit_entries",
    "audit_head",
    "budgets",
    "metadata",
    "route_generation",
    "routes",
]

VERSION_TABLE = "gateway_alembic_version"
metadata = MetaData()

routes = Table(
    "gateway_routes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("match", String(200), nullable=False),
    Column("pool", String(16), nullable=False),
    Column("version", String(40), nullable=False),
    Column("upstream_url", String(500), nullable=False),
    Column("weight", Integer, nullable=False),
    Column("previous_weight", Integer),
    Column("enabled", Boolean, nullable=False),
    Column("updated_at", String(27), nullable=False),
    UniqueConstraint("match", "pool", "version", name="uq_gateway_routes_version"),
    CheckConstraint("weight BETWEEN 0 AND 100", name="ck_gateway_routes_weight"),
)

#: one row: grows with every route change, so every process knows when to reload
route_generation = Table(
    "gateway_route_generation",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("generation", BigInteger, nullable=False),
)

budgets = Table(
    "gateway_budgets",
    metadata,
    Column("scope", String(8), primary_key=True),
    Column("subject_id", String(64), primary_key=True),
    Column("cap_micros", BigInteger, nullable=False),
    Column("spent_micros", BigInteger, nullable=False),
    Column("reserved_micros", BigInteger, nullable=False),
    Column("executions", Integer, nullable=False),
    CheckConstraint("spent_micros >= 0 AND reserved_micros >= 0", name="ck_gateway_budgets"),
)
