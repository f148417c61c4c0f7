"""Review state of opportunities and training needs: the screen's status and flags, the operator and time.

Existing rows were published before the screen existed; they stay published (the server default).

Revision ID: jobs_0005
Revises: jobs_0004
Create Date: 2026-12-02 12:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "jobs_0005"
down_revision = "jobs_0004"
branch_labels = None
depends_on = None

TABLES = ("opportunities", "training_needs")


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch: SQLite's batch mode rebuilds the table from reflection, which drops
    # AUTOINCREMENT, and a deleted posting's id would then be handed to the next one.
    for table in TABLES:
        op.add_column(table, sa.Column("review_status", sa.String(length=16), nullable=False,
                                       server_default="published"))
        op.add_column(table, sa.Column("review_flags", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        op.add_column(table, sa.Column("reviewed_by", sa.String(length=128), nullable=True))
        op.add_column(table, sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        op.add_column(table, sa.Column("review_note", sa.Text(), nullable=True))
        op.create_index(f"ix_{table}_review_status", table, ["review_status"], unique=False)


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_review_status", table_name=table)
        with op.batch_alter_table(table, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
            for column in ("review_note", "reviewed_at", "reviewed_by", "review_flags", "review_status"):
                batch_op.drop_column(column)
