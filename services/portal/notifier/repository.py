"""Every query of the notifications."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.orm import Session

from services.portal.models import Account, Notification, NotificationSettings


def existing_keys(session: Session, pairs: Collection[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which (account id, source key) pairs already have their notice."""
    if not pairs:
        return set()
    rows = session.execute(select(Notification.account_id, Notification.source_key)
                           .where(tuple_(Notification.account_id, Notification.source_key).in_(list(pairs))))
    return {(account_id, key) for account_id, key in rows}


def seekers(session: Session, account_ids: Collection[int]) -> dict[int, Account]:
    """The seeker accounts among ``account_ids`` that still exist (an erased one gets nothing)."""
    if not account_ids:
        return {}
    rows = session.scalars(select(Account).where(Account.id.in_(list(account_ids)), Account.kind == "seeker",
                                                 Account.status == "active"))
    return {row.id: row for row in rows}


def seekers_of_profiles(session: Session,
                        profile_ids: Collection[int]) -> Sequence[tuple[Account, NotificationSettings | None]]:
    """The active seeker accounts behind these profiles, with their settings if they saved any."""
    if not profile_ids:
        return []
    statement = (select(Account, NotificationSettings)
                 .outerjoin(NotificationSettings, NotificationSettings.account_id == Account.id)
                 .where(Account.profile_id.in_(list(profile_ids)), Account.kind == "seeker",
                        Account.status == "active"))
    return [(account, settings) for account, settings in session.execute(statement)]


def add(session: Session, row: Notification) -> None:
    session.add(row)
    session.flush()


def listing(session: Session, account_id: int, *, limit: int) -> Sequence[Notification]:
    return session.scalars(select(Notification).where(Notification.account_id == account_id)
                           .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)).all()


def unread_count(session: Session, account_id: int) -> int:
    count = session.scalar(select(func.count()).select_from(Notification)
                           .where(Notification.account_id == account_id, Notification.read_at.is_(None)))
    return int(count or 0)


def get(session: Session, notification_id: int) -> Notification | None:
    return session.get(Notification, notification_id)


def mark_all_read(session: Session, account_id: int, now: datetime) -> None:
    session.execute(update(Notification).where(Notification.account_id == account_id,
                                               Notification.read_at.is_(None)).values(read_at=now))


def settings(session: Session, account_id: int) -> NotificationSettings | None:
    return session.get(NotificationSettings, account_id)


def save_settings(session: Session, row: NotificationSettings) -> None:
    session.merge(row)
