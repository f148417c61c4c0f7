"""Outbox rows keep the W3C traceparent of the request that wrote them (nullable: tracing may be off).

Revision ID: matching_0002
Revises: matching_0001
Create Date: 2026-12-02 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "matching_0002"
down_revision = "matching_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database adopted from before migrations was made by ``create_all`` and may hold the column already.
    if "traceparent" in {column["name"] for column in sa.inspect(op.get_bind()).get_columns("outbox")}:
        return
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("traceparent", sa.String(length=100), server_default=sa.text("NULL"),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("traceparent")
