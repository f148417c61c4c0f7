"""Initial schema: the profiles, the transactional outbox and the audit log

The tables as the release before migrations created them (metadata.create_all).

Revision ID: profiles_0001
Revises: -
Create Date: 2026-12-02 09:05:22.203296
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# The list columns: JSONB on PostgreSQL, where the list filters use jsonb functions.
JSON_LIST = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "profiles_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("audit_log",
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(length=128), nullable=False),
    sa.Column("role", sa.String(length=20), nullable=False),
    sa.Column("action", sa.String(length=40), nullable=False),
    sa.Column("record_type", sa.String(length=40), nullable=False),
    sa.Column("record_id", sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint("id")
    )
    op.create_index("ix_audit_log_actor", "audit_log", ["actor"], unique=False)
    op.create_index("ix_audit_log_at", "audit_log", ["at"], unique=False)
    op.create_index("ix_audit_log_record_id", "audit_log", ["record_id"], unique=False)
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
    op.create_table("profiles",
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("owner", sa.String(length=128), nullable=True),
    sa.Column("display_name", sa.String(length=60), nullable=False),
    sa.Column("phone", sa.String(length=200), nullable=True),
    sa.Column("email", sa.String(length=600), nullable=True),
    sa.Column("id_number", sa.String(length=200), nullable=True),
    sa.Column("city", sa.String(length=60), nullable=False),
    sa.Column("desired_cities", JSON_LIST, nullable=False),
    sa.Column("education", sa.String(length=20), nullable=True),
    sa.Column("years_experience", sa.Integer(), nullable=False),
    sa.Column("level", sa.String(length=20), nullable=True),
    sa.Column("skills", JSON_LIST, nullable=False),
    sa.Column("skills_text", sa.Text(), nullable=False),
    sa.Column("certificates", JSON_LIST, nullable=False),
    sa.Column("wanted_kinds", JSON_LIST, nullable=False),
    sa.Column("open_to_work", sa.Boolean(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sqlite_autoincrement=True
    )
    op.create_index("ix_profiles_city", "profiles", ["city"], unique=False)
    op.create_index("ix_profiles_open_to_work", "profiles", ["open_to_work"], unique=False)
    op.create_index("ix_profiles_owner", "profiles", ["owner"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_profiles_owner", table_name="profiles")
    op.drop_index("ix_profiles_open_to_work", table_name="profiles")
    op.drop_index("ix_profiles_city", table_name="profiles")
    op.drop_table("profiles")
    op.drop_index("ix_outbox_published_at", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_audit_log_record_id", table_name="audit_log")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_index("ix_audit_log_actor", table_name="audit_log")
    op.drop_table("audit_log")
