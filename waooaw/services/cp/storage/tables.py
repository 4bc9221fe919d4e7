"""CP's schema (SQLAlchemy Core). Migrations create it; this module describes it.

Every table is prefixed ``cp_`` (and the migration revision lives in
``cp_alembic_version``), so CP can share a PostgreSQL database with other services
without a name clash. Ids are UUID strings, timestamps fixed-width ISO-8601 UTC strings
(:mod:`..domain.values`), money whole micro-dollars, JSON columns canonical JSON text.

``cp_catalogue`` is CP's copy of Plant's agents (refreshed by :mod:`.catalogue`) next to
the aggregates CP keeps about them (rating, reviews, trial sign-ups), which CP's own writes
maintain in the same transaction as the review or trial that changes them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "VERSION_TABLE",
    "activity",
    "catalogue",
    "customers",
    "deliverables",
    "idempotency_keys",
    "industries",
    "metadata",
    "reviews",
    "sync_state",
    "tasks",
    "trials",
]

VERSION_TABLE = "cp_alembic_version"
metadata = MetaData()
ID = 36
TS = 27
CUSTOMER = 255

customers = Table(
    "cp_customers",
    metadata,
    Column("id", String(CUSTOMER), primary_key=True),
    Column("display_name", String(120)),
    Column("created_at", String(TS), nullable=False),
    Column("last_seen_at", String(TS), nullable=False),
)

industries = Table(
    "cp_industries",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("slug", String(64), nullable=False),
    Column("synced_at", String(TS), nullable=False),
    Index("ix_cp_industries_slug", "slug"),
)

catalogue = Table(
    "cp_catalogue",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(ID), nullable=False, unique=True),
    # from Plant
    Column("name", String(120), nullable=False),
    Column("name_lc", String(120), nullable=False),
    Column("description", Text),
    Column("industry_id", String(ID), nullable=False),
    Column("job_role_id", String(ID), nullable=False),
    Column("skills", Text, nullable=False),
    Column("specialties", Text, nullable=False),
    Column("specialties_lc", Text, nullable=False),  # "|tag one|tag two|", for LIKE
    Column("price_per_month", Integer),
    Column("price_asc_key", BigInteger, nullable=False),  # price, unpriced last
    Column("price_desc_key", BigInteger, nullable=False),  # -price, unpriced last
    Column("sandbox_url", Text),
    Column("plant_status", String(16), nullable=False),
    Column("plant_created_at", String(TS), nullable=False),
    Column("plant_updated_at", String(TS), nullable=False),
    Column("version_hash", String(64), nullable=False),
    Column("listed", Boolean, nullable=False),  # in Plant's last full listing, not retired
    Column("seen_generation", Integer, nullable=False),
    Column("synced_at", String(TS), nullable=False),
    # CP's own aggregates
    Column("rating_sum", Integer, nullable=False, server_default="0"),
    Column("reviews_count", Integer, nullable=False, server_default="0"),
    Column("rating_milli", Integer, nullable=False, server_default="0"),  # avg x 1000, floor
    Column("trial_signups", Integer, nullable=False, server_default="0"),
    Index("ix_cp_catalogue_rating", "listed", "rating_milli", "reviews_count", "seq"),
    Index("ix_cp_catalogue_reviews", "listed", "reviews_count", "seq"),
    Index("ix_cp_catalogue_price_asc", "listed", "price_asc_key", "seq"),
    Index("ix_cp_catalogue_price_desc", "listed", "price_desc_key", "seq"),
    Index("ix_cp_catalogue_name", "listed", "name_lc", "seq"),
    Index("ix_cp_catalogue_newest", "listed", "plant_created_at", "seq"),
    Index("ix_cp_catalogue_popular", "listed", "trial_signups", "seq"),
)

sync_state = Table(
    "cp_sync_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("generation", Integer, nullable=False),
    Column("lease_owner", String(64)),
    Column("lease_until", String(TS)),
    # start of the last listing of Plant that completed: the copy is at least this fresh
    Column("fresh_as_of", String(TS)),
    Column("last_attempt_at", String(TS)),
    Column("last_error", Text),
    Column("agents", Integer, nullable=False),
)

reviews = Table(
    "cp_reviews",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(ID), nullable=False, unique=True),
    Column("agent_id", String(ID), nullable=False),
    Column("customer_id", String(CUSTOMER), ForeignKey("cp_customers.id"), nullable=False),
    Column("rating", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("author", String(120), nullable=False),
    Column("created_at", String(TS), nullable=False),
    UniqueConstraint("customer_id", "agent_id", name="uq_cp_reviews_customer_agent"),
    CheckConstraint("rating BETWEEN 1 AND 5", name="ck_cp_reviews_rating"),
    Index("ix_cp_reviews_agent", "agent_id", "seq"),
)

trials = Table(
    "cp_trials",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(ID), nullable=False, unique=True),
    Column("customer_id", String(CUSTOMER), ForeignKey("cp_customers.id"), nullable=False),
    Column("agent_id", String(ID), nullable=False),
    Column("agent_name", String(120), nullable=False),
    Column("status", String(16), nullable=False),
    Column("trial_mode", Boolean, nullable=False),
    Column("sandbox_url", Text),
    Column("started_at", String(TS), nullable=False),
    Column("expires_at", String(TS), nullable=False),
    Column("ended_at", String(TS)),
    Column("budget_limit_micros", BigInteger, nullable=False),
    Column("spent_micros", BigInteger, nullable=False),
    Column("reserved_micros", BigInteger, nullable=False),
    Column("deliverables_count", Integer, nullable=False),
    Column("tasks_count", Integer, nullable=False),
    # one trial per customer per agent, ever: the free week cannot be restarted
    UniqueConstraint("customer_id", "agent_id", name="uq_cp_trials_customer_agent"),
    CheckConstraint(
        "status IN ('active', 'completed', 'converted', 'cancelled')", name="ck_cp_trials_status"
    ),
    CheckConstraint(
        "spent_micros + reserved_micros <= budget_limit_micros", name="ck_cp_trials_budget"
    ),
    Index("ix_cp_trials_customer", "customer_id", "seq"),
    Index("ix_cp_trials_expiry", "status", "expires_at"),
    Index("ix_cp_trials_agent", "agent_id", "status"),
)

tasks = Table(
    "cp_tasks",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(ID), nullable=False, unique=True),
    Column("trial_id", String(ID), ForeignKey("cp_trials.id"), nullable=False),
    Column("customer_id", String(CUSTOMER), nullable=False),
    Column("agent_id", String(ID), nullable=False),
    Column("status", String(16), nullable=False),
    Column("sandbox_mode", Boolean, nullable=False),
    Column("task", Text, nullable=False),
    Column("context", Text, nullable=False),
    Column("estimate_micros", BigInteger, nullable=False),
    Column("estimate_ms", Integer, nullable=False),
    Column("result", Text),
    Column("error_code", String(32)),
    Column("error_message", Text),
    Column("cost", Text),
    Column("cost_micros", BigInteger),
    Column("attempts", Integer, nullable=False),
    Column("max_attempts", Integer, nullable=False),
    Column("lease_token", String(ID)),
    Column("lease_expires_at", String(TS)),
    Column("worker_id", String(128)),
    Column("version", Integer, nullable=False),  # +1 on every status change (event ids)
    Column("deliverable_id", String(ID)),
    Column("created_at", String(TS), nullable=False),
    Column("started_at", String(TS)),
    Column("finished_at", String(TS)),
    CheckConstraint(
        "status IN ('pending', 'running', 'completed', 'failed')", name="ck_cp_tasks_status"
    ),
    Index("ix_cp_tasks_queue", "status", "seq"),
    Index("ix_cp_tasks_lease", "status", "lease_expires_at"),
    Index("ix_cp_tasks_customer", "customer_id", "seq"),
    Index("ix_cp_tasks_trial", "trial_id", "seq"),
    Index("ix_cp_tasks_agent", "agent_id", "status", "finished_at"),
)

deliverables = Table(
    "cp_deliverables",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(ID), nullable=False, unique=True),
    Column("trial_id", String(ID), ForeignKey("cp_trials.id"), nullable=False),
    Column("task_id", String(ID), ForeignKey("cp_tasks.id"), nullable=False, unique=True),
    Column("customer_id", String(CUSTOMER), nullable=False),
    Column("agent_id", String(ID), nullable=False),
    Column("title", String(120), nullable=False),
    Column("content", Text, nullable=False),
    Column("created_at", String(TS), nullable=False),
    Index("ix_cp_deliverables_trial", "trial_id", "seq"),
)

activity = Table(
    "cp_activity",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(ID), nullable=False, unique=True),
    Column("customer_id", String(CUSTOMER), nullable=False),
    Column("trial_id", String(ID), ForeignKey("cp_trials.id"), nullable=False),
    Column("agent_id", String(ID), nullable=False),
    Column("task_id", String(ID)),
    Column("kind", String(32), nullable=False),
    Column("message", Text, nullable=False),
    Column("at", String(TS), nullable=False),
    Index("ix_cp_activity_trial", "trial_id", "seq"),
)

idempotency_keys = Table(
    "cp_idempotency_keys",
    metadata,
    Column("scope", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response_body", Text, nullable=False),
    Column("created_at", String(TS), nullable=False),
)
