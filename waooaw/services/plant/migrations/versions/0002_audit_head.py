"""Create the audit head row up front, so concurrent first appends lock it instead of racing.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    present = bind.execute(sa.text("SELECT COUNT(*) FROM audit_head WHERE id = 1")).scalar()
    if not present:
        bind.execute(
            sa.text(
                "INSERT INTO audit_head (id, entries, last_hash, signature) VALUES (1, 0, NULL, '')"
            )
        )


def downgrade() -> None:
    op.get_bind().execute(sa.text("DELETE FROM audit_head WHERE id = 1 AND entries = 0"))
