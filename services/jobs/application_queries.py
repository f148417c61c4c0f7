"""Every query on applications."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from services.jobs.models import Application, ApplicationStatusChange
from shared.events.contracts import ApplicationStatus


def add(session: Session, row: Application) -> Application:
    session.add(row)
    session.flush()
    return row


def get(session: Session, application_id: int, *, for_update: bool = False) -> Application | None:
    statement = select(Application).where(Application.id == application_id)
    if for_update:
        statement = statement.with_for_update()
    return session.scalars(statement).one_or_none()


def of_seeker(session: Session, opportunity_id: int, seeker: str) -> Application | None:
    return session.scalars(select(Application).where(Application.opportunity_id == opportunity_id,
                                                     Application.seeker == seeker)).one_or_none()


def count_status(session: Session, opportunity_id: int, status: ApplicationStatus) -> int:
    return int(session.scalar(select(func.count()).select_from(Application).where(
        Application.opportunity_id == opportunity_id, Application.status == status.value)) or 0)


def first_waitlisted(session: Session, opportunity_id: int) -> Application | None:
    """The longest-waiting seeker of a class (ids grow with time: first come, first promoted)."""
    return session.scalars(select(Application).where(
        Application.opportunity_id == opportunity_id, Application.status == ApplicationStatus.WAITLISTED.value,
    ).order_by(Application.id).limit(1).with_for_update()).one_or_none()


def listing(session: Session, *, offset: int, limit: int, seeker: str | None = None,
            opportunity_owner: str | None = None, opportunity_id: int | None = None,
            status: ApplicationStatus | None = None) -> tuple[Sequence[Application], int]:
    """A page in id order and the number of all matching rows; each argument given narrows the set."""
    conditions: list[ColumnElement[bool]] = []
    if seeker is not None:
        conditions.append(Application.seeker == seeker)
    if opportunity_owner is not None:
        conditions.append(Application.opportunity_owner == opportunity_owner)
    if opportunity_id is not None:
        conditions.append(Application.opportunity_id == opportunity_id)
    if status is not None:
        conditions.append(Application.status == status.value)
    total = session.scalar(select(func.count()).select_from(Application).where(*conditions)) or 0
    rows = session.scalars(select(Application).where(*conditions).order_by(Application.id)
                           .offset(offset).limit(limit)).all()
    return rows, int(total)


def history(session: Session, *, batch_size: int = 1000) -> Iterator[tuple[ApplicationStatusChange, Application]]:
    """Every status change with its application, in the order they were written (a batch at a time)."""
    last = 0
    while True:
        batch = session.execute(select(ApplicationStatusChange, Application)
                                .join(Application, Application.id == ApplicationStatusChange.application_id)
                                .where(ApplicationStatusChange.id > last)
                                .order_by(ApplicationStatusChange.id).limit(batch_size)).tuples().all()
        if not batch:
            return
        yield from batch
        last = batch[-1][0].id


def changes_of(session: Session, application_id: int) -> Sequence[ApplicationStatusChange]:
    return session.scalars(select(ApplicationStatusChange).where(
        ApplicationStatusChange.application_id == application_id).order_by(ApplicationStatusChange.id)).all()
