"""Index for the seekers' list: open opportunities, optionally of one kind, in id order.

Revision ID: jobs_0002
Revises: jobs_0001
Create Date: 2026-12-02 09:05:45.163277
"""

from __future__ import annotations

from alembic import op

revision = "jobs_0002"
down_revision = "jobs_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_opportunities_open_kind", "opportunities", ["open", "kind"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_opportunities_open_kind", table_name="opportunities")
