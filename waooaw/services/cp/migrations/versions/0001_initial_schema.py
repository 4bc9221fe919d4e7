"""Initial schema: customers, the Plant catalogue copy, reviews, trials, tasks,
deliverables, activity, idempotency keys and the catalogue sync state.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cp_catalogue",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_lc", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("industry_id", sa.String(length=36), nullable=False),
        sa.Column("job_role_id", sa.String(length=36), nullable=False),
        sa.Column("skills", sa.Text(), nullable=False),
        sa.Column("specialties", sa.Text(), nullable=False),
        sa.Column("specialties_lc", sa.Text(), nullable=False),
        sa.Column("price_per_month", sa.Integer(), nullable=True),
        sa.Column("price_asc_key", sa.BigInteger(), nullable=False),
        sa.Column("price_desc_key", sa.BigInteger(), nullable=False),
        sa.Column("sandbox_url", sa.Text(), nullable=True),
        sa.Column("plant_status", sa.String(length=16), nullable=False),
        sa.Column("plant_created_at", sa.String(length=27), nullable=False),
        sa.Column("plant_updated_at", sa.String(length=27), nullable=False),
        sa.Column("version_hash", sa.String(length=64), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("seen_generation", sa.Integer(), nullable=False),
        sa.Column("synced_at", sa.String(length=27), nullable=False),
        sa.Column("rating_sum", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reviews_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rating_milli", sa.Integer(), server_default="0", nullable=False),
        sa.Column("trial_signups", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("id"),
    )
    op.create_index("ix_cp_catalogue_name", "cp_catalogue", ["listed", "name_lc", "seq"])
    op.create_index("ix_cp_catalogue_newest", "cp_catalogue", ["listed", "plant_created_at", "seq"])
    op.create_index("ix_cp_catalogue_popular", "cp_catalogue", ["listed", "trial_signups", "seq"])
    op.create_index("ix_cp_catalogue_price_asc", "cp_catalogue", ["listed", "price_asc_key", "seq"])
    op.create_index(
        "ix_cp_catalogue_price_desc", "cp_catalogue", ["listed", "price_desc_key", "seq"]
    )
    op.create_index(
        "ix_cp_catalogue_rating", "cp_catalogue", ["listed", "rating_milli", "reviews_count", "seq"]
    )
    op.create_index("ix_cp_catalogue_reviews", "cp_catalogue", ["listed", "reviews_count", "seq"])

    op.create_table(
        "cp_customers",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.String(length=27), nullable=False),
        sa.Column("last_seen_at", sa.String(length=27), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "cp_idempotency_keys",
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=27), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key"),
    )
    op.create_table(
        "cp_industries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("synced_at", sa.String(length=27), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cp_industries_slug", "cp_industries", ["slug"])

    op.create_table(
        "cp_sync_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.String(length=27), nullable=True),
        sa.Column("fresh_as_of", sa.String(length=27), nullable=True),
        sa.Column("last_attempt_at", sa.String(length=27), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("agents", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "cp_reviews",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("agent_id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.String(length=27), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="ck_cp_reviews_rating"),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["cp_customers.id"],
        ),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("customer_id", "agent_id", name="uq_cp_reviews_customer_agent"),
        sa.UniqueConstraint("id"),
    )
    op.create_index("ix_cp_reviews_agent", "cp_reviews", ["agent_id", "seq"])

    op.create_table(
        "cp_trials",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=False),
        sa.Column("agent_id", sa.String(length=36), nullable=False),
        sa.Column("agent_name", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("trial_mode", sa.Boolean(), nullable=False),
        sa.Column("sandbox_url", sa.Text(), nullable=True),
        sa.Column("started_at", sa.String(length=27), nullable=False),
        sa.Column("expires_at", sa.String(length=27), nullable=False),
        sa.Column("ended_at", sa.String(length=27), nullable=True),
        sa.Column("budget_limit_micros", sa.BigInteger(), nullable=False),
        sa.Column("spent_micros", sa.BigInteger(), nullable=False),
        sa.Column("reserved_micros", sa.BigInteger(), nullable=False),
        sa.Column("deliverables_count", sa.Integer(), nullable=False),
        sa.Column("tasks_count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'completed', 'converted', 'cancelled')",
            name="ck_cp_trials_status",
        ),
        sa.CheckConstraint(
            "spent_micros + reserved_micros <= budget_limit_micros", name="ck_cp_trials_budget"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["cp_customers.id"],
        ),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("customer_id", "agent_id", name="uq_cp_trials_customer_agent"),
        sa.UniqueConstraint("id"),
    )
    op.create_index("ix_cp_trials_agent", "cp_trials", ["agent_id", "status"])
    op.create_index("ix_cp_trials_customer", "cp_trials", ["customer_id", "seq"])
    op.create_index("ix_cp_trials_expiry", "cp_trials", ["status", "expires_at"])

    op.create_table(
        "cp_activity",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=False),
        sa.Column("trial_id", sa.String(length=36), nullable=False),
        sa.Column("agent_id", sa.String(length=36), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("at", sa.String(length=27), nullable=False),
        sa.ForeignKeyConstraint(
            ["trial_id"],
            ["cp_trials.id"],
        ),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("id"),
    )
    op.create_index("ix_cp_activity_trial", "cp_activity", ["trial_id", "seq"])

    op.create_table(
        "cp_tasks",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("trial_id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=False),
        sa.Column("agent_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sandbox_mode", sa.Boolean(), nullable=False),
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("context", sa.Text(), nullable=False),
        sa.Column("estimate_micros", sa.BigInteger(), nullable=False),
        sa.Column("estimate_ms", sa.Integer(), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("cost", sa.Text(), nullable=True),
        sa.Column("cost_micros", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("lease_token", sa.String(length=36), nullable=True),
        sa.Column("lease_expires_at", sa.String(length=27), nullable=True),
        sa.Column("worker_id", sa.String(length=128), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deliverable_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.String(length=27), nullable=False),
        sa.Column("started_at", sa.String(length=27), nullable=True),
        sa.Column("finished_at", sa.String(length=27), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'running', 'completed', 'failed')", name="ck_cp_tasks_status"
        ),
        sa.ForeignKeyConstraint(
            ["trial_id"],
            ["cp_trials.id"],
        ),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("id"),
    )
    op.create_index("ix_cp_tasks_agent", "cp_tasks", ["agent_id", "status", "finished_at"])
    op.create_index("ix_cp_tasks_customer", "cp_tasks", ["customer_id", "seq"])
    op.create_index("ix_cp_tasks_lease", "cp_tasks", ["status", "lease_expires_at"])
    op.create_index("ix_cp_tasks_queue", "cp_tasks", ["status", "seq"])
    op.create_index("ix_cp_tasks_trial", "cp_tasks", ["trial_id", "seq"])

    op.create_table(
        "cp_deliverables",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("trial_id", sa.String(length=36), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=False),
        sa.Column("agent_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=27), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["cp_tasks.id"],
        ),
        sa.ForeignKeyConstraint(
            ["trial_id"],
            ["cp_trials.id"],
        ),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("id"),
        sa.UniqueConstraint("task_id"),
    )
    op.create_index("ix_cp_deliverables_trial", "cp_deliverables", ["trial_id", "seq"])
    op.bulk_insert(
        sa.table(
            "cp_sync_state",
            sa.column("id", sa.Integer()),
            sa.column("generation", sa.Integer()),
            sa.column("agents", sa.Integer()),
        ),
        [{"id": 1, "generation": 0, "agents": 0}],
    )


def downgrade() -> None:
    op.drop_table("cp_deliverables")
    op.drop_table("cp_tasks")
    op.drop_table("cp_activity")
    op.drop_table("cp_trials")
    op.drop_table("cp_reviews")
    op.drop_table("cp_sync_state")
    op.drop_table("cp_industries")
    op.drop_table("cp_idempotency_keys")
    op.drop_table("cp_customers")
    op.drop_table("cp_catalogue")
