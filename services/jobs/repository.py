"""Every query of the jobs service."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from services.jobs.models import Opportunity, TrainingNeed
from shared.background import utc_now


def add_opportunity(session: Session, row: Opportunity) -> Opportunity:
    """Insert ``row`` and flush, so its id and version are known."""
    session.add(row)
    session.flush()
    return row


def get_opportunity(session: Session, opportunity_id: int, *, for_update: bool = False) -> Opportunity | None:
    statement = select(Opportunity).where(Opportunity.id == opportunity_id)
    if for_update:
        statement = statement.with_for_update()
    return session.scalars(statement).one_or_none()


def update_opportunity(session: Session, row: Opportunity, columns: dict[str, Any]) -> Opportunity:
    """Write new values and flush: the mapper bumps ``version`` and refuses a concurrent change."""
    for name, value in columns.items():
        setattr(row, name, value)
    row.updated_at = utc_now()
    session.flush()
    return row


def delete_opportunity(session: Session, row: Opportunity) -> None:
    session.delete(row)
    session.flush()


def _conditions(*, kind: str | None, city: str | None, training_mode: str | None, organization: str | None,
                open_only: bool | None, review_status: str | None,
                or_owner: str | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if review_status is not None:
        status = Opportunity.review_status == review_status
        conditions.append(status if or_owner is None else or_(status, Opportunity.owner == or_owner))
    if kind is not None:
        conditions.append(Opportunity.kind == kind)
    if city is not None:
        conditions.append(Opportunity.city == city)
    if training_mode is not None:
        conditions.append(Opportunity.attributes["training_mode"].as_string() == training_mode)
    if organization is not None:
        conditions.append(Opportunity.organization.contains(organization, autoescape=True))
    if open_only is not None:
        conditions.append(Opportunity.open.is_(open_only))
    return conditions


def list_opportunities(session: Session, *, offset: int, limit: int, kind: str | None = None,
                       city: str | None = None, training_mode: str | None = None, organization: str | None = None,
                       open_only: bool | None = None, review_status: str | None = None,
                       or_owner: str | None = None) -> tuple[Sequence[Opportunity], int]:
    """One page in id order and the number of all matching rows (``organization``: part of the name;
    ``review_status``: only rows in it, and any row of ``or_owner`` if given)."""
    conditions = _conditions(kind=kind, city=city, training_mode=training_mode, organization=organization,
                             open_only=open_only, review_status=review_status, or_owner=or_owner)
    total = session.scalar(select(func.count()).select_from(Opportunity).where(*conditions)) or 0
    rows = session.scalars(
        select(Opportunity).where(*conditions).order_by(Opportunity.id).offset(offset).limit(limit)
    ).all()
    return rows, int(total)


def add_training_need(session: Session, row: TrainingNeed) -> TrainingNeed:
    session.add(row)
    session.flush()
    return row


def get_training_need(session: Session, need_id: int) -> TrainingNeed | None:
    return session.get(TrainingNeed, need_id)


def share_review_with_needs(session: Session, training_class: Opportunity) -> None:
    """A training need shares the review state of the class it opened."""
    session.execute(update(TrainingNeed).where(TrainingNeed.training_class_id == training_class.id).values(
        review_status=training_class.review_status, review_flags=training_class.review_flags,
        reviewed_by=training_class.reviewed_by, reviewed_at=training_class.reviewed_at,
        review_note=training_class.review_note))
