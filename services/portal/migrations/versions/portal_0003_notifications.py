"""Notifications of seekers and their settings

In-app notices computed from the applications and opportunities topics, unique per account and source
event (replays never notify twice), and each seeker's match threshold and new-match switch.

Revision ID: portal_0003
Revises: portal_0002
Create Date: 2026-12-02 12:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# The ids: BIGINT, but INTEGER on SQLite, where only INTEGER PRIMARY KEY autoincrements.
RECORD_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "portal_0003"
down_revision = "portal_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("notifications",
    sa.Column("id", RECORD_ID, autoincrement=True, nullable=False),
    sa.Column("account_id", RECORD_ID, nullable=False),
    sa.Column("kind", sa.String(length=20), nullable=False),
    sa.Column("params", sa.JSON(), nullable=False),
    sa.Column("link", sa.String(length=300), nullable=False),
    sa.Column("source_key", sa.String(length=120), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("account_id", "source_key", name="uq_notifications_source"),
    )
    op.create_index("ix_notifications_account_id", "notifications", ["account_id"], unique=False)
    op.create_table("notification_settings",
    sa.Column("account_id", RECORD_ID, nullable=False),
    sa.Column("match_threshold", sa.Float(), nullable=False),
    sa.Column("new_match_enabled", sa.Boolean(), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("account_id"),
    )


def downgrade() -> None:
    op.drop_table("notification_settings")
    op.drop_index("ix_notifications_account_id", table_name="notifications")
    op.drop_table("notifications")
