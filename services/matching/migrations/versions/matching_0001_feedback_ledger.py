"""Feedback ledger: the feedback matching accepted (one row per event_id) and its transactional outbox.

Revision ID: matching_0001
Revises: -
Create Date: 2026-12-02 09:26:33.736435
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "matching_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("feedback",
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
    sa.Column("event_id", sa.String(length=64), nullable=False),
    sa.Column("talent_id", sa.BigInteger(), nullable=False),
    sa.Column("opportunity_id", sa.BigInteger(), nullable=False),
    sa.Column("action", sa.String(length=20), nullable=False),
    sa.Column("payload", sa.Text(), nullable=False),
    sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sqlite_autoincrement=True
    )
    op.create_index("ix_feedback_event_id", "feedback", ["event_id"], unique=True)
    op.create_index("ix_feedback_opportunity_id", "feedback", ["opportunity_id"], unique=False)
    op.create_index("ix_feedback_talent_id", "feedback", ["talent_id"], unique=False)
    op.create_table("outbox",
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
    sa.Column("topic", sa.String(length=200), nullable=False),
    sa.Column("key", sa.String(length=200), nullable=False),
    sa.Column("payload", sa.Text(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint("id")
    )
    op.create_index("ix_outbox_published_at", "outbox", ["published_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_published_at", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_feedback_talent_id", table_name="feedback")
    op.drop_index("ix_feedback_opportunity_id", table_name="feedback")
    op.drop_index("ix_feedback_event_id", table_name="feedback")
    op.drop_table("feedback")
