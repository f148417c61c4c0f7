"""Released contacts encrypted at rest; sessions signed out before their expiry

The phone and e-mail a seeker releases by accepting an interview invitation are stored as AES-SIV ciphertext
(longer than the values): their columns widen. The portal encrypts rows stored in clear when it starts (the
key is the service's setting, not the migration's). Signed-out sessions are refused until their tokens expire.

Revision ID: portal_0004
Revises: portal_0003
Create Date: 2026-12-02 13:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "portal_0004"
down_revision = "portal_0003"
branch_labels = None
depends_on = None

CIPHERTEXT = sa.String(length=400)


def upgrade() -> None:
    with op.batch_alter_table("invitations") as batch:
        batch.alter_column("contact_phone", type_=CIPHERTEXT, existing_type=sa.String(length=20),
                           existing_nullable=True)
        batch.alter_column("contact_email", type_=CIPHERTEXT, existing_type=sa.String(length=254),
                           existing_nullable=True)
    op.create_table("signed_out_sessions",
    sa.Column("session_id", sa.String(length=64), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),  # models: UTCDateTime over it
    sa.PrimaryKeyConstraint("session_id"),
    )
    op.create_index("ix_signed_out_sessions_expires_at", "signed_out_sessions", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_signed_out_sessions_expires_at", table_name="signed_out_sessions")
    op.drop_table("signed_out_sessions")
    # Ciphertext does not fit the old widths: a downgrade keeps no released contact.
    op.execute(sa.text("UPDATE invitations SET contact_phone = NULL, contact_email = NULL"))
    with op.batch_alter_table("invitations") as batch:
        batch.alter_column("contact_phone", type_=sa.String(length=20), existing_type=CIPHERTEXT,
                           existing_nullable=True)
        batch.alter_column("contact_email", type_=sa.String(length=254), existing_type=CIPHERTEXT,
                           existing_nullable=True)
