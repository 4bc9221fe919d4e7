"""Initial schema, with the seeded industries and governors.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from alembic import op

from waooaw.services.plant.storage import tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

INDUSTRIES = [
    (
        "1d0f5c2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f",
        "Marketing",
        "marketing",
        "Content, campaigns, social media and growth marketing.",
    ),
    (
        "2e1a6d3f-4b5c-4d6e-9f70-8b9c0d1e2f30",
        "Education",
        "education",
        "Tutoring, course design and learner support.",
    ),
    (
        "3f2b7e40-5c6d-4e7f-a081-9c0d1e2f3041",
        "Sales",
        "sales",
        "Prospecting, outreach, qualification and CRM hygiene.",
    ),
]
GOVERNORS = [
    ("7c9e6679-7425-40de-944b-e07fc1f90ae7", "Marketing Governor"),
    ("8d0f7780-8536-41ef-a55c-f18fd2f01bf8", "Education Governor"),
    ("9e108891-9647-42f0-b66d-029ae3012c09", "Sales Governor"),
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
