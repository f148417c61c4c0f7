"""Interview invitations of shortlisted talents

An enterprise invites a talent on its shortlist; the seeker accepts (one proposed time, released contact),
declines, or the enterprise withdraws it. At most one live invitation per opportunity and talent.

Revision ID: portal_0002
Revises: portal_0001
Create Date: 2026-12-02 12:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# The ids: BIGINT, but INTEGER on SQLite, where only INTEGER PRIMARY KEY autoincrements.
RECORD_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "portal_0002"
down_revision = "portal_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("invitations",
    sa.Column("id", RECORD_ID, autoincrement=True, nullable=False),
    sa.Column("enterprise_account_id", RECORD_ID, nullable=False),
    sa.Column("organization", sa.String(length=200), nullable=False),
    sa.Column("opportunity_id", sa.BigInteger(), nullable=False),
    sa.Column("opportunity_title", sa.String(length=200), nullable=False),
    sa.Column("talent_id", sa.BigInteger(), nullable=False),
    sa.Column("talent_name", sa.String(length=60), nullable=False),
    sa.Column("message", sa.Text(), nullable=False),
    sa.Column("mode", sa.String(length=10), nullable=False),
    sa.Column("place", sa.String(length=200), nullable=False),
    # models.UTCDateTime: a TypeDecorator over this type, converting in Python only
    sa.Column("time_1", sa.DateTime(timezone=True), nullable=False),
    sa.Column("time_2", sa.DateTime(timezone=True), nullable=True),
    sa.Column("time_3", sa.DateTime(timezone=True), nullable=True),
    sa.Column("status", sa.String(length=12), nullable=False),
    # true while sent or accepted, NULL once closed: the unique key below then holds one live invitation
    sa.Column("live", sa.Boolean(), nullable=True),
    sa.Column("chosen_time", sa.DateTime(timezone=True), nullable=True),
    sa.Column("decline_reason", sa.String(length=300), nullable=False),
    sa.Column("contact_name", sa.String(length=60), nullable=True),
    sa.Column("contact_phone", sa.String(length=20), nullable=True),
    sa.Column("contact_email", sa.String(length=254), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(["enterprise_account_id"], ["accounts.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("opportunity_id", "talent_id", "live", name="uq_invitations_live"),
    )
    op.create_index("ix_invitations_enterprise_account_id", "invitations", ["enterprise_account_id"], unique=False)
    op.create_index("ix_invitations_talent_id", "invitations", ["talent_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_invitations_talent_id", table_name="invitations")
    op.drop_index("ix_invitations_enterprise_account_id", table_name="invitations")
    op.drop_table("invitations")
