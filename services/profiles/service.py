"""Use cases of talent profiles: each write commits the row and its event together, then wakes the relay."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from services.profiles import repository
from services.profiles.crypto import ContactCipher
from services.profiles.models import OutboxMessage, Profile
from services.profiles.schemas import (
    ProfileCreate,
    ProfilePublic,
    ProfileQuery,
    ProfilesPublic,
    ProfileUpdate,
)
from shared.db import iter_rows, transaction
from shared.errors import ConflictError, NotFoundError
from shared.events.contracts import EventBase, ProfileDeletedV1, ProfileSnapshot, ProfileUpsertedV1
from shared.outbox import enqueue

CONCURRENT_WRITE_ATTEMPTS = 5  # SQLite has no row locks: writers racing on one row retry instead
T = TypeVar("T")


def _now() -> datetime:
    return datetime.now(UTC)


def to_snapshot(profile: Profile) -> ProfileSnapshot:
    """The matching-relevant view of a stored profile: everything but the contact data."""
    return ProfileSnapshot(
        display_name=profile.display_name,
        city=profile.city,
        desired_cities=profile.desired_cities,
        education=profile.education,
        years_experience=profile.years_experience,
        level=profile.level,
        skills=profile.skills,
        skills_text=profile.skills_text,
        certificates=profile.certificates,
        wanted_kinds=profile.wanted_kinds,
        open_to_work=profile.open_to_work,
    )


class ProfileService:
    """Creates, reads, changes and deletes profiles; raises ``shared.errors`` for the HTTP layer."""

    def __init__(self, *, session_factory: sessionmaker[Session], topic: str,
                 notify: Callable[[], None], cipher: ContactCipher) -> None:
        self._sessions = session_factory
        self._cipher = cipher
        self._topic = topic
        self._notify = notify

    def create(self, data: ProfileCreate) -> ProfilePublic:
        """Store a new profile at version 1 and enqueue its upserted event."""
        now = _now()
        with transaction(self._sessions) as session:
            values = self._cipher.encrypt_fields(data.model_dump(mode="json"))
            profile = repository.add(session, Profile(**values, created_at=now, updated_at=now))
            self._enqueue_upserted(session, profile)
            result = self._public(profile)
        self._notify()
        return result

    def get(self, profile_id: int) -> ProfilePublic:
        with self._sessions() as session:
            profile = repository.get(session, profile_id)
            if profile is None:
                raise NotFoundError(f"profile {profile_id} not found")
            return self._public(profile)

    def list(self, query: ProfileQuery) -> ProfilesPublic:
        with self._sessions() as session:
            rows, total = repository.page(
                session, offset=query.offset, limit=query.limit, city=query.city, skill=query.skill,
                wanted_kind=query.wanted_kind, open_to_work=query.open_to_work,
            )
            items = [self._public(row) for row in rows]
        return ProfilesPublic(items=items, total=total, offset=query.offset, limit=query.limit)

    def update(self, profile_id: int, changes: ProfileUpdate, *,
               expected_version: int | None = None) -> ProfilePublic:
        """Apply the fields sent; a change bumps the version and enqueues an event, a no-op does neither."""
        values = self._cipher.encrypt_fields(changes.model_dump(mode="json", exclude_unset=True))
        result, changed = self._write(
            profile_id, lambda: self._update_once(profile_id, values, expected_version),
            retry=expected_version is None,
        )
        if changed:
            self._notify()
        return result

    def delete(self, profile_id: int, *, expected_version: int | None = None) -> None:
        """Remove the profile and enqueue its deleted event at the next version."""
        self._write(profile_id, lambda: self._delete_once(profile_id, expected_version),
                    retry=expected_version is None)
        self._notify()

    def republish(self) -> int:
        """Enqueue the current state of every profile again, so a consumer that lost the log converges."""
        count = 0
        with transaction(self._sessions) as session:
            for profile in iter_rows(session, Profile):
                self._enqueue_upserted(session, profile)
                count += 1
        self._notify()
        return count

    def _update_once(self, profile_id: int, values: dict[str, Any],
                     expected_version: int | None) -> tuple[ProfilePublic, bool]:
        with transaction(self._sessions) as session:
            profile = self._get_for_write(session, profile_id, expected_version)
            changed = {name: value for name, value in values.items() if getattr(profile, name) != value}
            if changed:
                for name, value in changed.items():
                    setattr(profile, name, value)
                profile.updated_at = _now()
                session.flush()  # the UPDATE checks and bumps the version
                self._enqueue_upserted(session, profile)
            return self._public(profile), bool(changed)

    def _delete_once(self, profile_id: int, expected_version: int | None) -> None:
        with transaction(self._sessions) as session:
            profile = self._get_for_write(session, profile_id, expected_version)
            last_version = profile.version
            repository.remove(session, profile)
            self._enqueue(session, ProfileDeletedV1(record_id=profile_id, record_version=last_version + 1))

    @staticmethod
    def _write(profile_id: int, unit: Callable[[], T], *, retry: bool) -> T:
        """Run ``unit``; if another write changed the row meanwhile, retry unless If-Match named a version."""
        attempt = 1
        while True:
            try:
                return unit()
            except StaleDataError as exc:
                if not retry or attempt >= CONCURRENT_WRITE_ATTEMPTS:
                    raise ConflictError(f"profile {profile_id} was changed concurrently; "
                                        "read it and retry") from exc
                attempt += 1

    def _get_for_write(self, session: Session, profile_id: int, expected_version: int | None) -> Profile:
        profile = repository.get(session, profile_id, for_update=True)
        if profile is None:
            raise NotFoundError(f"profile {profile_id} not found")
        if expected_version is not None and profile.version != expected_version:
            raise ConflictError(f"profile {profile_id} is at version {profile.version}, "
                                f"not the version {expected_version} named in If-Match")
        return profile

    def _public(self, profile: Profile) -> ProfilePublic:
        """The API view of a stored profile, its contact fields decrypted."""
        columns = {column.key: getattr(profile, column.key) for column in Profile.__table__.columns}
        return ProfilePublic.model_validate(self._cipher.decrypt_fields(columns))

    def _enqueue_upserted(self, session: Session, profile: Profile) -> None:
        self._enqueue(session, ProfileUpsertedV1(record_id=profile.id, record_version=profile.version,
                                                 profile=to_snapshot(profile)))

    def _enqueue(self, session: Session, event: EventBase) -> None:
        enqueue(session, OutboxMessage, topic=self._topic, event=event)
