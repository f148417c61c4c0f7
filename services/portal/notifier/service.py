"""Notifications: stored once per source event, listed, marked read; each seeker's settings. No HTTP here."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from services.portal.models import Notification, NotificationSettings
from services.portal.notifier import repository
from services.portal.notifier.planning import Notice, SeekerChoice
from shared.db import transaction
from shared.errors import NotFoundError, UnprocessableError


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Stored:
    """A notice just stored, with what a sender needs: the account's login (an e-mail for SMTP)."""

    id: int
    account_id: int
    login: str
    kind: str
    params: dict[str, Any]
    link: str
    created_at: datetime


@dataclass(frozen=True)
class Choices:
    threshold: float
    new_match_enabled: bool


class NotificationService:
    def __init__(self, *, session_factory: sessionmaker[Session], default_threshold: float) -> None:
        self._sessions = session_factory
        self.default_threshold = default_threshold

    # the consumer's side --------------------------------------------------------------------------
    def seekers_of_profiles(self, profile_ids: Collection[int]) -> dict[int, SeekerChoice]:
        """The seeker behind each profile id that has one, with their threshold and switch."""
        with self._sessions() as session:
            found = repository.seekers_of_profiles(session, profile_ids)
            return {account.profile_id: SeekerChoice(
                account_id=account.id,
                threshold=settings.match_threshold if settings is not None else self.default_threshold,
                new_match_enabled=settings.new_match_enabled if settings is not None else True)
                for account, settings in found if account.profile_id is not None}

    def store(self, notices: Sequence[Notice]) -> list[Stored]:
        """Store the notices not stored before (same account and source key), in one transaction; the new
        ones come back. Notices of accounts that are gone or are not seekers are dropped."""
        with transaction(self._sessions) as session:
            wanted = {(n.account_id, n.source_key): n for n in notices}  # a batch may repeat an event
            held = repository.existing_keys(session, list(wanted))
            accounts = repository.seekers(session, {n.account_id for n in wanted.values()})
            now = _now()
            stored: list[Stored] = []
            for pair, notice in wanted.items():
                account = accounts.get(notice.account_id)
                if pair in held or account is None:
                    continue
                row = Notification(account_id=notice.account_id, kind=notice.kind, params=notice.params,
                                   link=notice.link, source_key=notice.source_key, created_at=now)
                repository.add(session, row)
                stored.append(Stored(id=row.id, account_id=account.id, login=account.login, kind=row.kind,
                                     params=row.params, link=row.link, created_at=now))
            return stored

    # the pages' side ------------------------------------------------------------------------------
    def listing(self, account_id: int, *, limit: int = 200) -> Sequence[Notification]:
        """The account's notices, newest first."""
        with self._sessions() as session:
            return repository.listing(session, account_id, limit=limit)

    def unread_count(self, account_id: int) -> int:
        with self._sessions() as session:
            return repository.unread_count(session, account_id)

    def mark_read(self, account_id: int, notification_id: int) -> None:
        """404 for another account's notice, exactly as for an unknown id."""
        with transaction(self._sessions) as session:
            row = repository.get(session, notification_id)
            if row is None or row.account_id != account_id:
                raise NotFoundError(f"notification {notification_id} not found")
            if row.read_at is None:
                row.read_at = _now()

    def mark_all_read(self, account_id: int) -> None:
        with transaction(self._sessions) as session:
            repository.mark_all_read(session, account_id, _now())

    def choices(self, account_id: int) -> Choices:
        with self._sessions() as session:
            row = repository.settings(session, account_id)
            if row is None:
                return Choices(threshold=self.default_threshold, new_match_enabled=True)
            return Choices(threshold=row.match_threshold, new_match_enabled=row.new_match_enabled)

    def save_choices(self, account_id: int, *, threshold: float, new_match_enabled: bool) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise UnprocessableError("match_threshold must be between 0 and 1", field="match_threshold")
        with transaction(self._sessions) as session:
            repository.save_settings(session, NotificationSettings(
                account_id=account_id, match_threshold=threshold, new_match_enabled=new_match_enabled,
                updated_at=_now()))
