"""Record which keyed hash made each audit entry; entries already written are HMAC-SHA256.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # 0001 creates the tables from the current metadata, so a fresh database has it already
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("audit_entries")}
    if "algorithm" not in columns:
        op.add_column(
            "audit_entries",
            sa.Column("algorithm", sa.SmallInteger(), nullable=False, server_default="1"),
        )


def downgrade() -> None:
    # entries hashed with BLAKE2b cannot be told apart without the column
    present = op.get_bind().execute(
        sa.text("SELECT COUNT(*) FROM audit_entries WHERE algorithm <> 1")
    )
    if present.scalar():
        raise RuntimeError("audit entries hashed with BLAKE2b exist; cannot downgrade below 0003")
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_column("algorithm")
