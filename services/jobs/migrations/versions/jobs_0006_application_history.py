"""Each application's status changes, so a re-publish sends every step of the pipeline again.

Applications made before this revision get one row each: their current status at their current version
(their earlier steps were never kept), with no actor.

Revision ID: jobs_0006
Revises: jobs_0005
Create Date: 2026-12-02 12:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "jobs_0006"
down_revision = "jobs_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("application_status_changes",
    sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
    sa.Column("application_id", sa.Integer(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("from_status", sa.String(length=16), nullable=True),
    sa.Column("to_status", sa.String(length=16), nullable=False),
    sa.Column("actor", sa.String(length=128), nullable=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["application_id"], ["applications.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id"),
    sqlite_autoincrement=True
    )
    op.create_index("ix_application_status_changes_application_id", "application_status_changes",
                    ["application_id"], unique=False)
    op.execute("INSERT INTO application_status_changes (application_id, version, from_status, to_status, actor, at) "
               "SELECT id, version, NULL, status, NULL, updated_at FROM applications ORDER BY id")


def downgrade() -> None:
    op.drop_index("ix_application_status_changes_application_id", table_name="application_status_changes")
    op.drop_table("application_status_changes")
