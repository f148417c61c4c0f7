"""Use cases of talent profiles: each write commits the row and its event together, then wakes the relay."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from services.profiles import repository
from services.profiles.models import AuditEntry, OutboxMessage, Profile
from services.profiles.schemas import (
    ProfileCard,
    ProfileCreate,
    ProfilePublic,
    ProfileQuery,
    ProfilesPublic,
    ProfileUpdate,
)
from shared import audit
from shared.admin import check_republisher, read_audit
from shared.audit import AuditQuery
from shared.auth import Principal
from shared.background import utc_now
from shared.crypto import ContactCipher
from shared.db import iter_rows
from shared.errors import ConflictError, ForbiddenError, NotFoundError
from shared.events.contracts import EventBase, ProfileDeletedV1, ProfileSnapshot, ProfileUpsertedV1
from shared.outbox import enqueue
from shared.writes import Notifier, Writer

RECORD_TYPE = "profile"



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


def sees_contact_fields(viewer: Principal, profile: Profile) -> bool:
    """Contact data goes to the profile's owner and to operators only."""
    return viewer.role == "operator" or (viewer.role == "seeker" and viewer.owns(profile.owner))


def not_found(profile_id: int) -> NotFoundError:
    """The one answer for a profile that does not exist and for one the caller may not know exists."""
    return NotFoundError(f"profile {profile_id} not found")


def check_readable(viewer: Principal, profile: Profile) -> None:
    """Seekers read their own profile; enterprises read profiles open to work; operators and services all.

    Anyone else's profile is answered like an unknown one (404), so ids cannot be probed for existence.
    """
    if viewer.role == "seeker" and not viewer.owns(profile.owner):
        raise not_found(profile.id)
    if viewer.role == "enterprise" and not profile.open_to_work:
        raise not_found(profile.id)


def check_writable(actor: Principal, profile: Profile, *, erasure: bool = False) -> None:
    """Only the owner changes a profile; an operator may also delete one (erasure on request)."""
    if erasure and actor.role == "operator":
        return
    if actor.role == "seeker" and not actor.owns(profile.owner):
        raise not_found(profile.id)
    if actor.role != "seeker":
        raise ForbiddenError(f"a {actor.role} token may not change a profile")


class ProfileService:
    """Creates, reads, changes and deletes profiles on behalf of a principal; raises ``shared.errors``."""

    def __init__(self, *, sessions: sessionmaker[Session], relay: Notifier, topic: str,
                 cipher: ContactCipher) -> None:
        self._writer = Writer(sessions, relay=relay)
        self._sessions = sessions
        self._cipher = cipher
        self._topic = topic

    def create(self, data: ProfileCreate, *, owner: Principal) -> ProfilePublic:
        """Store ``owner``'s profile at version 1 and enqueue its upserted event; one per account (409)."""
        if owner.role != "seeker":
            raise ForbiddenError("only a seeker account creates a profile")
        values = self._cipher.encrypt_fields(data.model_dump(mode="json"))

        def unit(session: Session) -> ProfilePublic:
            existing = repository.get_by_owner(session, owner.subject)
            if existing is not None:
                raise ConflictError(f"this account already has profile {existing.id}; change it with PATCH")
            now = utc_now()
            profile = repository.add(session, Profile(**values, owner=owner.subject, created_at=now, updated_at=now))
            self._enqueue_upserted(session, profile)
            self._audit(session, owner, "create", profile.id)
            return self._public(profile)

        try:
            return self._writer.run(unit)
        except IntegrityError as exc:  # a concurrent first create of the same account
            raise ConflictError("this account already has a profile; change it with PATCH") from exc

    def get(self, profile_id: int, *, viewer: Principal) -> ProfilePublic | ProfileCard:
        """One profile as ``viewer`` may see it (404 unknown or not visible to this account)."""
        with self._sessions() as session:
            profile = repository.get(session, profile_id)
            if profile is None:
                raise not_found(profile_id)
            check_readable(viewer, profile)
            return self._view(profile, viewer)

    def list(self, query: ProfileQuery, *, viewer: Principal) -> ProfilesPublic:
        """A page of profiles for operators (whole) and services (cards); other roles get 403."""
        if viewer.role not in ("operator", "service"):
            raise ForbiddenError("only operators and services list profiles")
        with self._sessions() as session:
            rows, total = repository.page(
                session, offset=query.offset, limit=query.limit, city=query.city, skill=query.skill,
                wanted_kind=query.wanted_kind, open_to_work=query.open_to_work,
            )
            items = [self._view(row, viewer) for row in rows]
        return ProfilesPublic(items=items, total=total, offset=query.offset, limit=query.limit)

    def update(self, profile_id: int, changes: ProfileUpdate, *, actor: Principal,
               expected_version: int | None = None) -> ProfilePublic:
        """Apply the fields sent; a change bumps the version and enqueues an event, a no-op does neither."""
        values = self._cipher.encrypt_fields(changes.model_dump(mode="json", exclude_unset=True))

        def unit(session: Session) -> ProfilePublic:
            profile = self._get_for_write(session, profile_id, actor, expected_version)
            changed = {name: value for name, value in values.items() if getattr(profile, name) != value}
            if changed:
                for name, value in changed.items():
                    setattr(profile, name, value)
                profile.updated_at = utc_now()
                session.flush()  # the UPDATE checks and bumps the version
                self._enqueue_upserted(session, profile)
                self._audit(session, actor, "update", profile.id)
            return self._public(profile)

        return self._writer.run(unit, retry=expected_version is None, conflict=self._conflict(profile_id))

    def delete(self, profile_id: int, *, actor: Principal, expected_version: int | None = None) -> None:
        """Remove the profile and enqueue its deleted event at the next version."""

        def unit(session: Session) -> None:
            profile = self._get_for_write(session, profile_id, actor, expected_version, erasure=True)
            last_version, owner = profile.version, profile.owner
            repository.remove(session, profile)
            self._enqueue(session, ProfileDeletedV1(record_id=profile_id, record_version=last_version + 1,
                                                    owner_id=owner or ""))
            self._audit(session, actor, "delete", profile_id)

        self._writer.run(unit, retry=expected_version is None, conflict=self._conflict(profile_id))

    def republish(self, *, actor: Principal) -> int:
        """Enqueue the current state of every profile again, so a consumer that lost the log converges."""
        check_republisher(actor)

        def unit(session: Session) -> int:
            count = 0
            for profile in iter_rows(session, Profile):
                self._enqueue_upserted(session, profile)
                count += 1
            self._audit(session, actor, "republish", None)
            return count

        return self._writer.run(unit)

    def audit_log(self, *, viewer: Principal, query: AuditQuery) -> Sequence[dict[str, Any]]:
        """The newest audit rows, for operators."""
        return read_audit(self._sessions, AuditEntry, viewer=viewer, query=query)

    @staticmethod
    def _conflict(profile_id: int) -> str:
        return f"profile {profile_id} was changed concurrently; read it and retry"

    @staticmethod
    def _get_for_write(session: Session, profile_id: int, actor: Principal, expected_version: int | None, *,
                       erasure: bool = False) -> Profile:
        profile = repository.get(session, profile_id, for_update=True)
        if profile is None:
            raise not_found(profile_id)
        check_writable(actor, profile, erasure=erasure)
        if expected_version is not None and profile.version != expected_version:
            raise ConflictError(f"profile {profile_id} is at version {profile.version}, "
                                f"not the version {expected_version} named in If-Match")
        return profile

    def _view(self, profile: Profile, viewer: Principal) -> ProfilePublic | ProfileCard:
        if sees_contact_fields(viewer, profile):
            return self._public(profile)
        return ProfileCard.model_validate(profile)

    def _public(self, profile: Profile) -> ProfilePublic:
        """The owner's view of a stored profile, its contact fields decrypted."""
        columns = {column.key: getattr(profile, column.key) for column in Profile.__table__.columns}
        return ProfilePublic.model_validate(self._cipher.decrypt_fields(columns))

    @staticmethod
    def _audit(session: Session, actor: Principal, action: str, profile_id: int | None) -> None:
        audit.record(session, AuditEntry, actor, action=action, record_type=RECORD_TYPE, record_id=profile_id)

    def _enqueue_upserted(self, session: Session, profile: Profile) -> None:
        self._enqueue(session, ProfileUpsertedV1(record_id=profile.id, record_version=profile.version,
                                                 owner_id=profile.owner or "", profile=to_snapshot(profile)))

    def _enqueue(self, session: Session, event: EventBase) -> None:
        enqueue(session, OutboxMessage, topic=self._topic, event=event)
