"""Initial schema: accounts, consents, login throttling, reset codes and the feedback sent

The tables as the release before migrations created them (metadata.create_all).

Revision ID: portal_0001
Revises: -
Create Date: 2026-12-02 10:38:48.981399
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# The ids: BIGINT, but INTEGER on SQLite, where only INTEGER PRIMARY KEY autoincrements.
RECORD_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "portal_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("accounts",
    sa.Column("id", RECORD_ID, autoincrement=True, nullable=False),
    sa.Column("kind", sa.String(length=12), nullable=False),
    sa.Column("login", sa.String(length=254), nullable=False),
    sa.Column("password_hash", sa.String(length=200), nullable=False),
    sa.Column("status", sa.String(length=12), nullable=False),
    sa.Column("display_name", sa.String(length=60), nullable=False),
    sa.Column("organization", sa.String(length=200), nullable=True),
    sa.Column("credit_code", sa.String(length=18), nullable=True),
    sa.Column("profile_id", sa.BigInteger(), nullable=True),
    sa.Column("reviewed_by", sa.String(length=128), nullable=True),
    # models.UTCDateTime: a TypeDecorator over this type, converting in Python only
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("credit_code"),
    sqlite_autoincrement=True,  # the id is the token subject: never reused
    )
    op.create_index("ix_accounts_login", "accounts", ["login"], unique=True)
    op.create_index("ix_accounts_status", "accounts", ["status"], unique=False)
    op.create_table("login_throttle",
    sa.Column("key", sa.String(length=300), nullable=False),
    sa.Column("failures", sa.Integer(), nullable=False),
    sa.Column("window_started", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("key"),
    )
    op.create_table("consents",
    sa.Column("id", RECORD_ID, autoincrement=True, nullable=False),
    sa.Column("account_id", RECORD_ID, nullable=False),
    sa.Column("purpose", sa.String(length=40), nullable=False),
    sa.Column("wording_version", sa.String(length=20), nullable=False),
    sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_consents_account_id", "consents", ["account_id"], unique=False)
    op.create_table("feedback_sent",
    sa.Column("id", RECORD_ID, autoincrement=True, nullable=False),
    sa.Column("account_id", RECORD_ID, nullable=False),
    sa.Column("talent_id", sa.BigInteger(), nullable=False),
    sa.Column("opportunity_id", sa.BigInteger(), nullable=False),
    sa.Column("action", sa.String(length=20), nullable=False),
    sa.Column("detail", sa.Text(), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_feedback_sent_account_id", "feedback_sent", ["account_id"], unique=False)
    op.create_table("reset_codes",
    sa.Column("id", RECORD_ID, autoincrement=True, nullable=False),
    sa.Column("account_id", RECORD_ID, nullable=False),
    sa.Column("code_hash", sa.String(length=200), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used", sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reset_codes_account_id", "reset_codes", ["account_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_reset_codes_account_id", table_name="reset_codes")
    op.drop_table("reset_codes")
    op.drop_index("ix_feedback_sent_account_id", table_name="feedback_sent")
    op.drop_table("feedback_sent")
    op.drop_index("ix_consents_account_id", table_name="consents")
    op.drop_table("consents")
    op.drop_table("login_throttle")
    op.drop_index("ix_accounts_status", table_name="accounts")
    op.drop_index("ix_accounts_login", table_name="accounts")
    op.drop_table("accounts")
