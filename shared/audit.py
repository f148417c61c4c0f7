"""The audit log: who did what to which record, written in the same transaction as the change.

Rows name the actor's account id and role, the action and the record; never the record's content, so
the log holds no personal data and outlives an erasure.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import BigInteger, DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.auth.tokens import Principal
from shared.background import utc_now


def _aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class AuditMixin:
    """Columns of the audit table; each service maps it onto its own declarative base."""

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)
    actor: Mapped[str] = mapped_column(String(128), index=True)
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int | None] = mapped_column(BigInteger, index=True, default=None)


class AuditModel(Protocol):
    id: Any
    at: Any
    actor: Any
    role: Any
    action: Any
    record_type: Any
    record_id: Any

    def __init__(self, **kwargs: Any) -> None: ...


def record(session: Session, model: type[AuditModel], principal: Principal, *, action: str, record_type: str,
           record_id: int | None) -> None:
    """Add an audit row inside the caller's transaction."""
    session.add(model(actor=principal.subject, role=principal.role, action=action, record_type=record_type,
                      record_id=record_id))


def recent(session: Session, model: type[AuditModel], *, record_type: str | None = None,
           record_id: int | None = None, actor: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Newest first, optionally for one record or one actor."""
    query = select(model)
    if record_type is not None:
        query = query.where(model.record_type == record_type)
    if record_id is not None:
        query = query.where(model.record_id == record_id)
    if actor is not None:
        query = query.where(model.actor == actor)
    rows = session.scalars(query.order_by(model.id.desc()).limit(limit)).all()
    return [{"id": r.id, "at": _aware(r.at).isoformat(), "actor": r.actor, "role": r.role, "action": r.action,
             "record_type": r.record_type, "record_id": r.record_id} for r in rows]


MAX_AUDIT_PAGE = 500


class AuditQuery(BaseModel):
    """Filters of ``GET /v1/admin/audit``: one record type, one record, one actor; newest first."""

    model_config = ConfigDict(extra="forbid")

    record_type: str | None = Field(None, min_length=1, max_length=40)
    record_id: int | None = Field(None, ge=1, le=2**63 - 1)
    actor: str | None = Field(None, min_length=1, max_length=128, description="The actor's account id")
    limit: int = Field(100, ge=1, le=MAX_AUDIT_PAGE)


class AuditEntryPublic(BaseModel):
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    record_type: str
    record_id: int | None


class AuditLogPublic(BaseModel):
    items: list[AuditEntryPublic]
