"""Routes, route generation, budgets, and the audit trail's tables (Plant's, reused).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from waooaw.services.gateway.storage import tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    tables.metadata.create_all(bind)
    # the audit trail is Plant's code and schema; the gateway keeps its own chain of it
    tables.audit_entries.create(bind)
    tables.audit_head.create(bind)
    bind.execute(
        sa.text(
            "INSERT INTO audit_head (id, entries, last_hash, signature) VALUES (1, 0, NULL, '')"
        )
    )
    bind.execute(sa.text("INSERT INTO gateway_route_generation (id, generation) VALUES (1, 0)"))


def downgrade() -> None:
    bind = op.get_bind()
    tables.audit_head.drop(bind)
    tables.audit_entries.drop(bind)
    tables.metadata.drop_all(bind)
