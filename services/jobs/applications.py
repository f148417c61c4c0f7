"""Applications and enrolments: who may do what, the status pipeline and a class's seats.

Each change commits the row, its history row, its ``application.changed`` event (outbox) and its audit entry
together; a re-publish sends the whole history again, so the figures count every step after a lost log.
A seeker applies (job postings), enrols (training classes: a full class puts them on its waiting list)
or expresses interest (incubators, parks); the enterprise that owns the opportunity moves the
application along the pipeline; the seeker may withdraw. A seat freed in a class goes to the longest
waiting seeker in the same transaction.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from services.jobs import application_queries as queries
from services.jobs import repository as repo
from services.jobs.application_schemas import (
    ApplicationCreate,
    ApplicationFilter,
    ApplicationMove,
    ApplicationPublic,
    ApplicationsPublic,
    SeatsPublic,
)
from services.jobs.models import Application, ApplicationStatusChange, AuditEntry, Opportunity, OutboxMessage
from services.jobs.profiles_client import ProfileOwnership
from services.jobs.reviews import PUBLISHED, check_visible
from shared import audit
from shared.admin import check_republisher
from shared.auth import Principal
from shared.background import utc_now
from shared.errors import ConflictError, ForbiddenError, NotFoundError
from shared.events.contracts import ApplicationChangedV1, ApplicationSnapshot, ApplicationStatus
from shared.events.vocabulary import OpportunityKind
from shared.outbox import enqueue
from shared.writes import Notifier, Writer

APPLICATION = "application"
S = ApplicationStatus
# The owning enterprise's moves; anything else is 409. A waitlisted seeker is promoted, never moved by hand
# to enrolled, so the seat count stays the one rule.
ENTERPRISE_MOVES: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    S.RECEIVED: frozenset({S.INTERVIEWING, S.OFFERED, S.REJECTED}),
    S.INTERVIEWING: frozenset({S.OFFERED, S.REJECTED}),
    S.OFFERED: frozenset({S.HIRED, S.REJECTED}),
    S.ENROLLED: frozenset({S.HIRED, S.REJECTED}),  # hired: e.g. an order-based class's commitment met
    S.WAITLISTED: frozenset({S.REJECTED}),
}
WITHDRAWABLE = frozenset({S.RECEIVED, S.INTERVIEWING, S.OFFERED, S.ENROLLED, S.WAITLISTED})


def public_of(row: Application) -> ApplicationPublic:
    return ApplicationPublic(id=row.id, opportunity_id=row.opportunity_id,
                             opportunity_kind=OpportunityKind(row.opportunity_kind),
                             opportunity_owner=row.opportunity_owner, seeker=row.seeker, profile_id=row.talent_id,
                             status=ApplicationStatus(row.status), note=row.note, version=row.version,
                             created_at=row.created_at, updated_at=row.updated_at)


def check_readable(viewer: Principal, row: Application) -> None:
    """The seeker, the enterprise owning the opportunity and operators; anyone else is told it does not
    exist (404), like an unknown id."""
    if viewer.role == "operator" or (viewer.role == "seeker" and viewer.owns(row.seeker)):
        return
    if viewer.role == "enterprise" and viewer.owns(row.opportunity_owner):
        return
    raise NotFoundError(f"application {row.id} not found")


def next_status(actor: Principal, row: Application, wanted: ApplicationStatus) -> ApplicationStatus:
    """``wanted`` if ``actor`` may move ``row`` there; 403 for the wrong party, 409 for an illegal move."""
    current = ApplicationStatus(row.status)
    if wanted == S.WITHDRAWN:
        if actor.role != "seeker" or not actor.owns(row.seeker):
            raise ForbiddenError("only the seeker who applied withdraws an application", field="status",
                                 location="body")
        if current not in WITHDRAWABLE:
            raise ConflictError(f"application {row.id} is {current.value}: it can no longer be withdrawn",
                                field="status")
        return wanted
    if actor.role != "enterprise" or not actor.owns(row.opportunity_owner):
        raise ForbiddenError(f"only the enterprise that posted opportunity {row.opportunity_id} moves its "
                             "applications", field="status", location="body")
    if wanted not in ENTERPRISE_MOVES.get(current, frozenset()):
        allowed = ", ".join(sorted(m.value for m in ENTERPRISE_MOVES.get(current, frozenset()))) or "none"
        raise ConflictError(f"application {row.id} is {current.value}: it cannot move to {wanted.value} "
                            f"(allowed: {allowed})", field="status")
    return wanted


def _accepting(row: Opportunity, today: date) -> bool:
    return row.open and (row.closes_on is None or row.closes_on >= today)


def _seats(row: Opportunity) -> int:
    seats = (row.attributes or {}).get("seats")
    return seats if isinstance(seats, int) else 0


class ApplicationService:
    def __init__(self, *, sessions: sessionmaker[Session], relay: Notifier, topic: str,
                 profiles: ProfileOwnership) -> None:
        self._writer = Writer(sessions, relay=relay)
        self._sessions = sessions
        self._topic = topic
        self._profiles = profiles

    def _emit(self, session: Session, row: Application, *, version: int, status: ApplicationStatus,
              at: datetime) -> None:
        # SQLite hands timestamps back without their zone (they were written in UTC): the replay of a change
        # must carry the very instant the first event did.
        at = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
        enqueue(session, OutboxMessage, topic=self._topic, event=ApplicationChangedV1(
            record_id=row.id, record_version=version, owner_id=row.seeker, occurred_at=at.astimezone(UTC),
            application=ApplicationSnapshot(opportunity_id=row.opportunity_id,
                                            opportunity_kind=OpportunityKind(row.opportunity_kind),
                                            talent_id=row.talent_id, status=status)))

    def _changed(self, session: Session, row: Application, *, previous: str | None, actor: Principal) -> None:
        """The row's new status as a history row and as its event, both at ``row.updated_at``: a re-publish
        then sends an event the figures cannot tell from the first one."""
        session.add(ApplicationStatusChange(application_id=row.id, version=row.version, from_status=previous,
                                            to_status=row.status, actor=actor.subject, at=row.updated_at))
        self._emit(session, row, version=row.version, status=ApplicationStatus(row.status), at=row.updated_at)

    @staticmethod
    def _published(opportunity: Opportunity | None, opportunity_id: int) -> Opportunity:
        if opportunity is None or opportunity.review_status != PUBLISHED:  # held: alike to unknown
            raise NotFoundError(f"opportunity {opportunity_id} not found")
        return opportunity

    @staticmethod
    def _audit(session: Session, actor: Principal, action: str, record_id: int | None) -> None:
        audit.record(session, AuditEntry, actor, action=action, record_type=APPLICATION, record_id=record_id)

    def apply(self, opportunity_id: int, data: ApplicationCreate, *, actor: Principal,
              token: str) -> ApplicationPublic:
        """Apply, enrol or express interest, by the opportunity's kind (seekers only, with their own profile:
        profiles is asked with the seeker's ``token`` before anything is written)."""
        if actor.role != "seeker":
            raise ForbiddenError("only a seeker applies, enrols or expresses interest")
        with self._sessions() as session:  # an unknown or held posting is 404 before profiles is asked
            self._published(repo.get_opportunity(session, opportunity_id), opportunity_id)
        self._profiles.check_owned(data.profile_id, token=token)

        def unit(session: Session) -> ApplicationPublic:
            # Locked: enrolments in one class are counted one at a time (PostgreSQL; SQLite has one writer).
            opportunity = self._published(repo.get_opportunity(session, opportunity_id, for_update=True),
                                          opportunity_id)
            if not _accepting(opportunity, utc_now().date()):
                raise ConflictError(f"opportunity {opportunity_id} is closed")
            held = queries.of_seeker(session, opportunity_id, actor.subject)
            if held is not None:
                raise ConflictError(f"you already applied to opportunity {opportunity_id} "
                                    f"(application {held.id}, {held.status})")
            kind = OpportunityKind(opportunity.kind)
            status = S.RECEIVED
            if kind == OpportunityKind.TRAINING_CLASS:
                taken = queries.count_status(session, opportunity_id, S.ENROLLED)
                status = S.ENROLLED if taken < _seats(opportunity) else S.WAITLISTED
            now = utc_now()
            row = queries.add(session, Application(
                opportunity_id=opportunity_id, opportunity_kind=kind.value, opportunity_owner=opportunity.owner,
                seeker=actor.subject, talent_id=data.profile_id, status=status.value, note=data.note,
                created_at=now, updated_at=now))
            self._changed(session, row, previous=None, actor=actor)
            self._audit(session, actor, "create", row.id)
            return public_of(row)

        try:
            return self._writer.run(unit, conflict=f"you already applied to opportunity {opportunity_id}")
        except IntegrityError as exc:  # the same seeker's concurrent apply committed first (unique constraint)
            raise ConflictError(f"you already applied to opportunity {opportunity_id}") from exc

    def move(self, application_id: int, data: ApplicationMove, *, actor: Principal,
             expected_version: int | None = None) -> ApplicationPublic:
        """Move along the pipeline (409 on an illegal move or when ``If-Match`` names another version)."""

        def unit(session: Session) -> ApplicationPublic:
            row = queries.get(session, application_id, for_update=True)
            if row is None:
                raise NotFoundError(f"application {application_id} not found")
            check_readable(actor, row)
            status = next_status(actor, row, data.status)
            if expected_version is not None and expected_version != row.version:
                raise ConflictError(f"If-Match: application {row.id} is at version {row.version}, "
                                    f"not {expected_version}")
            previous = row.status
            freed = previous == S.ENROLLED.value and status in (S.REJECTED, S.WITHDRAWN)
            row.status = status.value
            row.updated_at = utc_now()
            session.flush()
            self._changed(session, row, previous=previous, actor=actor)
            self._audit(session, actor, status.value, row.id)
            if freed:
                self._promote(session, row.opportunity_id, actor)
            return public_of(row)

        return self._writer.run(unit, retry=expected_version is None,
                                conflict=f"application {application_id} was changed concurrently; read it again")

    def _promote(self, session: Session, opportunity_id: int, actor: Principal) -> None:
        waiting = queries.first_waitlisted(session, opportunity_id)
        if waiting is None:
            return
        waiting.status = S.ENROLLED.value
        waiting.updated_at = utc_now()
        session.flush()
        self._changed(session, waiting, previous=S.WAITLISTED.value, actor=actor)
        self._audit(session, actor, "promote", waiting.id)

    def republish(self, *, actor: Principal) -> int:
        """Enqueue every status change again, each as first published (version, status, time), so a consumer
        that lost the log counts each step once again (the figures key them by application and version)."""
        check_republisher(actor)

        def unit(session: Session) -> int:
            count = 0
            for change, row in queries.history(session):
                self._emit(session, row, version=change.version, status=ApplicationStatus(change.to_status),
                           at=change.at)
                count += 1
            self._audit(session, actor, "republish", None)
            return count

        return self._writer.run(unit)

    def get(self, application_id: int, *, viewer: Principal) -> ApplicationPublic:
        with self._sessions() as session:
            row = queries.get(session, application_id)
            if row is None:
                raise NotFoundError(f"application {application_id} not found")
            check_readable(viewer, row)
            return public_of(row)

    def search(self, query: ApplicationFilter, *, viewer: Principal) -> ApplicationsPublic:
        """A seeker sees their own, an enterprise those for its opportunities, operators all (``mine``
        narrows nothing for them: they own no applications)."""
        seeker = viewer.subject if viewer.role == "seeker" else None
        owner = viewer.subject if viewer.role == "enterprise" else None
        with self._sessions() as session:
            rows, total = queries.listing(session, offset=query.offset, limit=query.limit, seeker=seeker,
                                          opportunity_owner=owner, opportunity_id=query.opportunity_id,
                                          status=query.status)
            return ApplicationsPublic(items=[public_of(r) for r in rows], total=total, offset=query.offset,
                                      limit=query.limit)

    def seats(self, opportunity_id: int, *, viewer: Principal) -> SeatsPublic:
        with self._sessions() as session:
            opportunity = repo.get_opportunity(session, opportunity_id)
            if opportunity is None:
                raise NotFoundError(f"opportunity {opportunity_id} not found")
            check_visible(viewer, opportunity)
            if opportunity.kind != OpportunityKind.TRAINING_CLASS.value:
                raise NotFoundError(f"opportunity {opportunity_id} is a {opportunity.kind}: it has no seats")
            seats = _seats(opportunity)
            enrolled = queries.count_status(session, opportunity_id, S.ENROLLED)
            return SeatsPublic(opportunity_id=opportunity_id, seats=seats, enrolled=enrolled,
                               left=max(seats - enrolled, 0),
                               waitlisted=queries.count_status(session, opportunity_id, S.WAITLISTED))
