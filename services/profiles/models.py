"""Tables of the profiles service: the profiles, the transactional outbox and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.audit import AuditMixin
from shared.db import RecordId, UTCDateTime
from shared.outbox import OutboxMixin

JsonList = JSON().with_variant(JSONB(), "postgresql")  # JSONB: the list filters use jsonb functions


class Base(DeclarativeBase):
    pass


class Profile(Base):
    """A talent profile; ``version`` is bumped by SQLAlchemy on every UPDATE (optimistic locking)."""

    __tablename__ = "profiles"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids of deleted profiles are never reused

    id: Mapped[int] = mapped_column(RecordId, primary_key=True, autoincrement=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # The seeker account (token subject) that created it: one profile per account. NULL only in rows
    # written before accounts existed, which only operators can manage.
    owner: Mapped[str | None] = mapped_column(String(128), unique=True, index=True, default=None)
    display_name: Mapped[str] = mapped_column(String(60))
    # Contact data, encrypted at rest (shared.crypto): the columns hold ciphertext.
    phone: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(600))
    id_number: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(60), index=True)
    desired_cities: Mapped[list[str]] = mapped_column(JsonList, default=list)
    education: Mapped[str | None] = mapped_column(String(20))
    years_experience: Mapped[int] = mapped_column(Integer, default=0)
    level: Mapped[str | None] = mapped_column(String(20))
    skills: Mapped[list[str]] = mapped_column(JsonList, default=list)
    skills_text: Mapped[str] = mapped_column(Text, default="")
    certificates: Mapped[list[dict[str, Any]]] = mapped_column(JsonList, default=list)
    wanted_kinds: Mapped[list[str]] = mapped_column(JsonList, default=list)
    open_to_work: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read once, when mapped


class OutboxMessage(OutboxMixin, Base):
    __tablename__ = "outbox"


class AuditEntry(AuditMixin, Base):
    __tablename__ = "audit_log"
