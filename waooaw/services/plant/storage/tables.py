"""Plant's schema (SQLAlchemy Core). Migrations create it; this module describes it.

Ids are UUID strings, timestamps fixed-width ISO-8601 UTC strings
(``2026-01-16T10:00:00.000000Z``) so that they sort and compare the same on
SQLite and PostgreSQL; JSON columns hold canonical JSON text.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "agent_skills",
    "agents",
    "amendments",
    "audit_entries",
    "audit_head",
    "governors",
    "idempotency_keys",
    "industries",
    "job_role_skills",
    "job_roles",
    "metadata",
    "skills",
]

metadata = MetaData()
ID = 36
TS = 27

industries = Table(
    "industries",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(ID), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("slug", String(64), nullable=False, unique=True),
    Column("description", Text, nullable=False),
)

governors = Table(
    "governors",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(120), nullable=False),
)

skills = Table(
    "skills",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(ID), nullable=False, unique=True),
    Column("name", String(120), nullable=False, unique=True),
    Column("category", String(32), nullable=False),
    Column("description", Text, nullable=False),
    Column("status", String(32), nullable=False),
    Column("certified_at", String(TS)),
    Column("certified_by", String(120)),
    Column("created_at", String(TS), nullable=False),
    Column("updated_at", String(TS), nullable=False),
    Index("ix_skills_status", "status", "seq"),
)

job_roles = Table(
    "job_roles",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(ID), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("description", Text, nullable=False),
    Column("industry_id", String(ID), ForeignKey("industries.id"), nullable=False),
    Column("seniority", String(16), nullable=False),
    Column("status", String(32), nullable=False),
    Column("certified_at", String(TS)),
    Column("certified_by", String(120)),
    Column("created_at", String(TS), nullable=False),
    Column("updated_at", String(TS), nullable=False),
    Index("ix_job_roles_status", "status", "seq"),
)

job_role_skills = Table(
    "job_role_skills",
    metadata,
    Column("job_role_id", String(ID), ForeignKey("job_roles.id"), primary_key=True),
    Column("skill_id", String(ID), ForeignKey("skills.id"), primary_key=True),
    Column("position", Integer, nullable=False),
)

agents = Table(
    "agents",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(ID), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("description", Text),
    Column("industry_id", String(ID), ForeignKey("industries.id"), nullable=False),
    Column("job_role_id", String(ID), ForeignKey("job_roles.id"), nullable=False),
    Column("governance_agent_id", String(64), nullable=False),
    Column("specialties", Text, nullable=False),
    Column("price_per_month", Integer),
    Column("trial_mode_sandbox_url", Text),
    Column("team_id", String(ID)),
    Column("status", String(16), nullable=False),
    Column("alignment", Text, nullable=False),
    Column("version_hash", String(64), nullable=False),
    Column("created_at", String(TS), nullable=False),
    Column("updated_at", String(TS), nullable=False),
    Index("ix_agents_industry", "industry_id", "seq"),
    Index("ix_agents_job_role", "job_role_id", "seq"),
    Index("ix_agents_status", "status", "seq"),
)

agent_skills = Table(
    "agent_skills",
    metadata,
    Column("agent_id", String(ID), ForeignKey("agents.id"), primary_key=True),
    Column("skill_id", String(ID), ForeignKey("skills.id"), primary_key=True),
    Column("position", Integer, nullable=False),
)

amendments = Table(
    "amendments",
    metadata,
    Column("agent_id", String(ID), ForeignKey("agents.id"), primary_key=True),
    Column("sequence", Integer, primary_key=True),
    Column("event", String(32), nullable=False),
    Column("actor", String(120), nullable=False),
    Column("timestamp", String(TS), nullable=False),
    Column("changes", Text, nullable=False),
    Column("version_hash", String(64), nullable=False),
)

audit_entries = Table(
    "audit_entries",
    metadata,
    Column("sequence", Integer, primary_key=True, autoincrement=False),
    Column("entity_type", String(16), nullable=False),
    Column("entity_id", String(ID), nullable=False),
    Column("event", String(32), nullable=False),
    Column("actor", String(120), nullable=False),
    Column("recorded_at", String(TS), nullable=False),
    Column("payload", Text, nullable=False),
    Column("previous_hash", String(64)),
    Column("entity_previous_hash", String(64)),
    Column("entry_hash", String(64), nullable=False),
    # which keyed hash made entry_hash (storage/audit.py): 1 HMAC-SHA256, 2 BLAKE2b
    Column("algorithm", SmallInteger, nullable=False, server_default="1"),
    Index("ix_audit_entity", "entity_id", "sequence"),
    Index("ix_audit_recorded", "recorded_at"),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("entries", Integer, nullable=False),
    Column("last_hash", String(64)),
    Column("signature", String(64), nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response_body", Text, nullable=False),
    Column("created_at", String(TS), nullable=False),
    UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),
)
