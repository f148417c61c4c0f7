"""Every query of the jobs service."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from services.jobs.models import Opportunity, TrainingNeed
from services.jobs.schemas import OpportunityFilter
from shared.background import utc_now


def add_opportunity(session: Session, columns: dict[str, Any]) -> Opportunity:
    """Insert a row and flush, so its id and version are known."""
    row = Opportunity(**columns)
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


def _conditions(query: OpportunityFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.kind is not None:
        conditions.append(Opportunity.kind == query.kind.value)
    if query.city is not None:
        conditions.append(Opportunity.city == query.city)
    if query.training_mode is not None:
        conditions.append(Opportunity.attributes["training_mode"].as_string() == query.training_mode.value)
    if query.organization is not None:
        conditions.append(Opportunity.organization.contains(query.organization, autoescape=True))
    if query.open is not None:
        conditions.append(Opportunity.open.is_(query.open))
    return conditions


def list_opportunities(session: Session, query: OpportunityFilter) -> tuple[Sequence[Opportunity], int]:
    """One page in id order and the number of all matching rows."""
    conditions = _conditions(query)
    total = session.scalar(select(func.count()).select_from(Opportunity).where(*conditions)) or 0
    rows = session.scalars(
        select(Opportunity).where(*conditions).order_by(Opportunity.id).offset(query.offset).limit(query.limit)
    ).all()
    return rows, int(total)


def add_training_need(session: Session, columns: dict[str, Any]) -> TrainingNeed:
    row = TrainingNeed(**columns)
    session.add(row)
    session.flush()
    return row


def get_training_need(session: Session, need_id: int) -> TrainingNeed | None:
    return session.get(TrainingNeed, need_id)
