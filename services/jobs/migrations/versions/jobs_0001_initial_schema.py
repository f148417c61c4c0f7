"""Initial schema: opportunities, training needs, the transactional outbox and the audit log

The tables as the release before migrations created them (metadata.create_all).

Revision ID: jobs_0001
Revises: -
Create Date: 2026-12-02 09:05:23.130031
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "jobs_0001"
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
    op.create_table("opportunities",
    sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
    sa.Column("kind", sa.String(length=32), nullable=False),
    sa.Column("title", sa.String(length=120), nullable=False),
    sa.Column("organization", sa.String(length=120), nullable=False),
    sa.Column("city", sa.String(length=40), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("skills", sa.JSON(), nullable=False),
    sa.Column("level", sa.String(length=16), nullable=True),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("owner", sa.String(length=128), nullable=True),
    sa.Column("open", sa.Boolean(), nullable=False),
    sa.Column("closes_on", sa.Date(), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("attributes", sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sqlite_autoincrement=True
    )
    op.create_index("ix_opportunities_city", "opportunities", ["city"], unique=False)
    op.create_index("ix_opportunities_kind", "opportunities", ["kind"], unique=False)
    op.create_index("ix_opportunities_organization", "opportunities", ["organization"], unique=False)
    op.create_index("ix_opportunities_owner", "opportunities", ["owner"], unique=False)
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
    op.create_table("training_needs",
    sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
    sa.Column("enterprise", sa.String(length=120), nullable=False),
    sa.Column("owner", sa.String(length=128), nullable=True),
    sa.Column("title", sa.String(length=120), nullable=False),
    sa.Column("skills", sa.JSON(), nullable=False),
    sa.Column("headcount", sa.Integer(), nullable=False),
    sa.Column("city", sa.String(length=40), nullable=False),
    sa.Column("deadline", sa.Date(), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("target_occupations", sa.JSON(), nullable=False),
    sa.Column("training_mode", sa.String(length=16), nullable=False),
    sa.Column("status", sa.String(length=16), nullable=False),
    sa.Column("training_class_id", sa.Integer(), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["training_class_id"], ["opportunities.id"], ondelete="SET NULL"),
    sa.PrimaryKeyConstraint("id"),
    sqlite_autoincrement=True
    )
    op.create_index("ix_training_needs_enterprise", "training_needs", ["enterprise"], unique=False)
    op.create_index("ix_training_needs_owner", "training_needs", ["owner"], unique=False)
    op.create_index("ix_training_needs_training_class_id", "training_needs", ["training_class_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_training_needs_training_class_id", table_name="training_needs")
    op.drop_index("ix_training_needs_owner", table_name="training_needs")
    op.drop_index("ix_training_needs_enterprise", table_name="training_needs")
    op.drop_table("training_needs")
    op.drop_index("ix_outbox_published_at", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_opportunities_owner", table_name="opportunities")
    op.drop_index("ix_opportunities_organization", table_name="opportunities")
    op.drop_index("ix_opportunities_kind", table_name="opportunities")
    op.drop_index("ix_opportunities_city", table_name="opportunities")
    op.drop_table("opportunities")
    op.drop_index("ix_audit_log_record_id", table_name="audit_log")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_index("ix_audit_log_actor", table_name="audit_log")
    op.drop_table("audit_log")
