"""Initial schema, with the seeded industries and governors.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from alembic import op

from waooaw.services.plant import seeded
from waooaw.services.plant.storage import tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

INDUSTRIES = [
    (
        seeded.INDUSTRY_MARKETING,
        "Marketing",
        "marketing",
        "Content, campaigns, social media and growth marketing.",
    ),
    (
        seeded.INDUSTRY_EDUCATION,
        "Education",
        "education",
        "Tutoring, course design and learner support.",
    ),
    (
        seeded.INDUSTRY_SALES,
        "Sales",
        "sales",
        "Prospecting, outreach, qualification and CRM hygiene.",
    ),
]
GOVERNORS = [
    (seeded.GOVERNOR_MARKETING, "Marketing Governor"),
    (seeded.GOVERNOR_EDUCATION, "Education Governor"),
    (seeded.GOVERNOR_SALES, "Sales Governor"),
]


def upgrade() -> None:
    bind = op.get_bind()
    tables.metadata.create_all(bind)
    op.bulk_insert(
        tables.industries,
        [{"id": i, "name": n, "slug": s, "description": d} for i, n, s, d in INDUSTRIES],
    )
    op.bulk_insert(tables.governors, [{"id": i, "name": n} for i, n in GOVERNORS])


def downgrade() -> None:
    bind = op.get_bind()
    tables.metadata.drop_all(bind)
