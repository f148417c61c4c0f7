"""Applications and enrolments: one row per seeker and opportunity, with its status and version.

Revision ID: jobs_0004
Revises: jobs_0003
Create Date: 2026-12-02 10:55:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "jobs_0004"
down_revision = "jobs_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("applications",
    sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
    sa.Column("opportunity_id", sa.Integer(), nullable=False),
    sa.Column("opportunity_kind", sa.String(length=32), nullable=False),
    sa.Column("opportunity_owner", sa.String(length=128), nullable=True),
    sa.Column("seeker", sa.String(length=128), nullable=False),
    sa.Column("talent_id", sa.Integer(), nullable=False),
    sa.Column("status", sa.String(length=16), nullable=False),
    sa.Column("note", sa.Text(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("opportunity_id", "seeker", name="uq_applications_opportunity_seeker"),
    sqlite_autoincrement=True
    )
    op.create_index("ix_applications_opportunity_owner", "applications", ["opportunity_owner"], unique=False)
    op.create_index("ix_applications_seeker", "applications", ["seeker"], unique=False)
    op.create_index("ix_applications_opportunity_status", "applications", ["opportunity_id", "status"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_applications_opportunity_status", table_name="applications")
    op.drop_index("ix_applications_seeker", table_name="applications")
    op.drop_index("ix_applications_opportunity_owner", table_name="applications")
    op.drop_table("applications")
