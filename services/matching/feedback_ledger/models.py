"""Tables of matching's database: the feedback it accepted and the transactional outbox that publishes it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.outbox import OutboxMixin


def _now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class FeedbackRow(Base):
    """One accepted feedback event, as accepted: ``payload`` is the encoded event, re-published verbatim."""

    __tablename__ = "feedback"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True, index=True)  # a retry is stored once
    talent_id: Mapped[int] = mapped_column(BigInteger, index=True)  # an erasure finds its rows
    opportunity_id: Mapped[int] = mapped_column(BigInteger, index=True)
    action: Mapped[str] = mapped_column(String(20))
    payload: Mapped[str] = mapped_column(Text)
    accepted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class OutboxMessage(OutboxMixin, Base):
    __tablename__ = "outbox"
