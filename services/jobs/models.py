"""Tables of the jobs service: opportunities, training needs, applications and their history, the outbox and
the audit log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.audit import AuditMixin
from shared.background import utc_now
from shared.outbox import OutboxMixin

# The account (token subject) that created a record; NULL only in rows written before accounts existed,
# which only operators can manage.
OWNER_CHARS = 128


class Base(DeclarativeBase):
    pass


class ReviewMixin:
    """The screen's verdict (migration jobs_0005): a posting stating a requirement the Employment Promotion
    Law bars is ``held`` until an operator approves (``published``) or rejects it; only published rows
    reach seekers, other enterprises and matching."""

    review_status: Mapped[str] = mapped_column(String(16), default="published", index=True)
    review_flags: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    reviewed_by: Mapped[str | None] = mapped_column(String(OWNER_CHARS), default=None)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    review_note: Mapped[str | None] = mapped_column(Text, default=None)


class Opportunity(ReviewMixin, Base):
    """Any of the four kinds; the fields only one kind has live in ``attributes`` (JSON-safe values)."""

    __tablename__ = "opportunities"
    # ids are never reused: they key a compacted topic. The (open, kind) index serves the seekers' list,
    # open opportunities of one kind (migration jobs_0002).
    __table_args__ = (Index("ix_opportunities_open_kind", "open", "kind"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(String(120))
    organization: Mapped[str] = mapped_column(String(120), index=True)
    city: Mapped[str] = mapped_column(String(40), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    level: Mapped[str | None] = mapped_column(String(16), default=None)
    version: Mapped[int] = mapped_column(Integer)
    owner: Mapped[str | None] = mapped_column(String(OWNER_CHARS), index=True, default=None)
    open: Mapped[bool] = mapped_column(Boolean, default=True)
    closes_on: Mapped[date | None] = mapped_column(Date, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    # SQLAlchemy sets version 1 on insert, adds 1 on each update and refuses to write over a newer row.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read once by the mapper


class TrainingNeed(ReviewMixin, Base):
    """A custom training need an enterprise posted; it opens a training class for enrolment."""

    __tablename__ = "training_needs"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    enterprise: Mapped[str] = mapped_column(String(120), index=True)
    owner: Mapped[str | None] = mapped_column(String(OWNER_CHARS), index=True, default=None)
    title: Mapped[str] = mapped_column(String(120))
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    headcount: Mapped[int] = mapped_column(Integer)
    city: Mapped[str] = mapped_column(String(40))
    deadline: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    target_occupations: Mapped[list[str]] = mapped_column(JSON, default=list)
    training_mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open")
    training_class_id: Mapped[int | None] = mapped_column(
        ForeignKey("opportunities.id", ondelete="SET NULL"), index=True, default=None
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Application(Base):
    """A seeker's application to a posting, enrolment in a class or interest in an incubator or park.

    The opportunity's kind and owner are copied in: they never change, and the enterprise must still
    see (and the figures still attribute) its applicants after the opportunity is deleted.
    """

    __tablename__ = "applications"
    # One per seeker and opportunity (migration jobs_0003); ``position`` orders a class's waiting list.
    __table_args__ = (UniqueConstraint("opportunity_id", "seeker", name="uq_applications_opportunity_seeker"),
                      Index("ix_applications_opportunity_status", "opportunity_id", "status"),
                      {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    opportunity_id: Mapped[int] = mapped_column(Integer)
    opportunity_kind: Mapped[str] = mapped_column(String(32))
    opportunity_owner: Mapped[str | None] = mapped_column(String(OWNER_CHARS), index=True, default=None)
    seeker: Mapped[str] = mapped_column(String(OWNER_CHARS), index=True)
    talent_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read once by the mapper


class ApplicationStatusChange(Base):
    """One move of an application (``from_status`` None: it was made), written with the move itself.

    The events are a copy of these rows: a re-publish after a lost broker log sends every one again
    (``version`` and ``at`` as first sent), so the figures count each step of the pipeline, not only where
    the application stands now. ``actor`` is the account that moved it (None: recorded before jobs_0006).
    """

    __tablename__ = "application_status_changes"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    from_status: Mapped[str | None] = mapped_column(String(16), default=None)
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str | None] = mapped_column(String(OWNER_CHARS), default=None)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutboxMessage(OutboxMixin, Base):
    __tablename__ = "outbox"


class AuditEntry(AuditMixin, Base):
    __tablename__ = "audit_log"
