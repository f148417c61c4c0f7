"""Domain logic of the jobs service: each write commits its record and its event together."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from services.jobs import repository as repo
from services.jobs.mapping import (
    COMMON_FIELDS,
    KIND_FIELDS,
    columns_of,
    need_public_of,
    public_of,
    stored_fields,
    unprocessable,
    validate_opportunity,
)
from services.jobs.models import AuditEntry, Opportunity, OutboxMessage, TrainingNeed
from services.jobs.reviews import (
    PUBLISHED,
    check_visible,
    flags_of,
    publication,
    screened,
    sees_review,
    upserted,
    withdrawal,
)
from services.jobs.schemas import (
    OpportunitiesPublic,
    OpportunityCreate,
    OpportunityFilter,
    OpportunityPublic,
    OpportunityUpdate,
    TrainingClassCreate,
    TrainingClassPublic,
    TrainingNeedCreate,
    TrainingNeedCreated,
    TrainingNeedPublic,
)
from shared import audit
from shared.admin import check_republisher, read_audit
from shared.audit import AuditQuery
from shared.auth import Principal
from shared.background import utc_now
from shared.db import iter_rows
from shared.errors import ConflictError, ForbiddenError, NotFoundError, UnprocessableError
from shared.events.contracts import EventBase, OpportunityDeletedV1
from shared.events.vocabulary import TRAINING_MODE_LABELS, OpportunityKind
from shared.outbox import enqueue
from shared.writes import Notifier, Writer

OPPORTUNITY = "opportunity"
TRAINING_NEED = "training_need"


def check_enterprise(actor: Principal) -> str:
    """The organization an enterprise account posts for (its token's ``org``); 403 for other roles or none."""
    if actor.role != "enterprise":
        raise ForbiddenError("only an enterprise account posts opportunities and training needs")
    if not actor.org:
        raise ForbiddenError("this enterprise account is bound to no organization (its token has no org "
                             "claim); it cannot post", field="organization", location="body")
    return actor.org


def check_organization(actor: Principal, organization: str, *, field: str = "organization") -> None:
    """An enterprise posts only under the organization its account is bound to."""
    if organization != check_enterprise(actor):
        raise ForbiddenError(f"{field}: this account posts for {actor.org!r} only", field=field, location="body")


def check_writable(actor: Principal, row: Opportunity, *, deleting: bool = False) -> None:
    """The posting enterprise changes its opportunity; an operator may also delete one."""
    if deleting and actor.role == "operator":
        return
    if actor.role != "enterprise" or not actor.owns(row.owner):
        raise ForbiddenError(f"opportunity {row.id} belongs to another account")


def check_need_readable(viewer: Principal, row: TrainingNeed) -> None:
    """The posting enterprise, operators and services read a training need (services only once published);
    another enterprise is told it does not exist (404), like an unknown id."""
    if viewer.role == "operator" or (viewer.role == "service" and row.review_status == PUBLISHED):
        return
    if viewer.role != "enterprise" or not viewer.owns(row.owner):
        raise NotFoundError(f"training need {row.id} not found")


class OpportunityService:
    """Opportunities and training needs; events go to the outbox in the writing transaction."""

    def __init__(self, *, sessions: sessionmaker[Session], relay: Notifier, topic: str) -> None:
        self._writer = Writer(sessions, relay=relay)
        self._sessions = sessions
        self._topic = topic

    def _emit(self, session: Session, event: EventBase) -> None:
        enqueue(session, OutboxMessage, topic=self._topic, event=event)

    def _emit_upsert(self, session: Session, row: Opportunity) -> None:
        """Matching hears of a posting only once it is published (a held one waits for an operator)."""
        if row.review_status == PUBLISHED:
            self._emit(session, upserted(row))

    @staticmethod
    def _audit(session: Session, actor: Principal, action: str, record_type: str, record_id: int | None) -> None:
        audit.record(session, AuditEntry, actor, action=action, record_type=record_type, record_id=record_id)

    @staticmethod
    def _existing(session: Session, opportunity_id: int, *, for_update: bool = False) -> Opportunity:
        row = repo.get_opportunity(session, opportunity_id, for_update=for_update)
        if row is None:
            raise NotFoundError(f"opportunity {opportunity_id} not found")
        return row

    @staticmethod
    def _check_version(row: Opportunity, expected: int | None) -> None:
        if expected is not None and expected != row.version:
            raise ConflictError(f"If-Match: opportunity {row.id} is at version {row.version}, not {expected}")

    @staticmethod
    def _conflict(opportunity_id: int) -> str:
        return f"opportunity {opportunity_id} was changed concurrently; read it again and retry"

    def create(self, data: OpportunityCreate, *, owner: Principal) -> OpportunityPublic:
        """Store a new opportunity of ``owner`` (an enterprise, under its organization) at version 1."""
        check_organization(owner, data.organization)

        def unit(session: Session) -> OpportunityPublic:
            row = repo.add_opportunity(session, Opportunity(**columns_of(data), owner=owner.subject,
                                                            **screened(None, flags_of(data))))
            self._emit_upsert(session, row)
            self._audit(session, owner, "create", OPPORTUNITY, row.id)
            return public_of(row, with_review=True)

        return self._writer.run(unit)

    def republish(self, *, actor: Principal) -> int:
        """Enqueue the current state of every opportunity again, so a consumer that lost the log converges."""
        check_republisher(actor)

        def unit(session: Session) -> int:
            count = 0
            for row in iter_rows(session, Opportunity):
                self._emit(session, publication(row))
                count += 1
            self._audit(session, actor, "republish", OPPORTUNITY, None)
            return count

        return self._writer.run(unit)

    def audit_log(self, *, viewer: Principal, query: AuditQuery) -> Sequence[dict[str, Any]]:
        """The newest audit rows, for operators."""
        return read_audit(self._sessions, AuditEntry, viewer=viewer, query=query)

    def get(self, opportunity_id: int, *, viewer: Principal) -> OpportunityPublic:
        """One opportunity; a held or rejected one only for its enterprise and operators (else 404)."""
        with self._sessions() as session:
            row = self._existing(session, opportunity_id)
            check_visible(viewer, row)
            return public_of(row, with_review=sees_review(viewer, row))

    def search(self, query: OpportunityFilter, *, viewer: Principal) -> OpportunitiesPublic:
        """Published opportunities, and the viewer's own in any review status (operators: all)."""
        own = viewer.subject if viewer.role == "enterprise" else None
        with self._sessions() as session:
            rows, total = repo.list_opportunities(
                session, offset=query.offset, limit=query.limit, kind=query.kind.value if query.kind else None,
                city=query.city, training_mode=query.training_mode.value if query.training_mode else None,
                organization=query.organization, open_only=query.open,
                review_status=None if viewer.role == "operator" else PUBLISHED, or_owner=own)
            return OpportunitiesPublic(items=[public_of(r, with_review=sees_review(viewer, r)) for r in rows],
                                       total=total, offset=query.offset, limit=query.limit)

    def update(self, opportunity_id: int, patch: OpportunityUpdate, *, actor: Principal,
               expected_version: int | None = None) -> OpportunityPublic:
        """Apply the sent fields; the merged record is validated as a whole against its stored kind."""
        sent = patch.changes()

        def unit(session: Session) -> OpportunityPublic:
            changes = dict(sent)
            row = self._existing(session, opportunity_id, for_update=True)
            check_writable(actor, row)
            self._check_version(row, expected_version)
            kind = OpportunityKind(row.kind)
            sent_kind = changes.pop("kind", None)
            if sent_kind is not None and sent_kind != kind:
                raise ConflictError(f"the kind of opportunity {row.id} is {kind.value} and cannot change; "
                                    f"delete it and create a {sent_kind.value} instead", field="kind")
            foreign = sorted(set(changes) - COMMON_FIELDS - KIND_FIELDS[kind])
            if foreign:
                raise UnprocessableError(f"{foreign[0]}: not a field of a {kind.value}", field=foreign[0])
            current = stored_fields(row)
            merged = validate_opportunity({**current, **changes})
            if "organization" in changes:
                check_organization(actor, merged.organization)
            if merged == validate_opportunity(current):
                return public_of(row, with_review=True)  # nothing changed: no new version, no event
            was_published = row.review_status == PUBLISHED
            repo.update_opportunity(session, row, {**columns_of(merged), **screened(row, flags_of(merged))})
            if row.review_status == PUBLISHED:
                self._emit_upsert(session, row)
            elif was_published:
                self._emit(session, withdrawal(row))  # held now: matching drops it until an operator approves
            repo.share_review_with_needs(session, row)
            self._audit(session, actor, "update", OPPORTUNITY, row.id)
            return public_of(row, with_review=True)

        return self._writer.run(unit, retry=expected_version is None, conflict=self._conflict(opportunity_id))

    def delete(self, opportunity_id: int, *, actor: Principal, expected_version: int | None = None) -> None:
        """Remove the row; its delete event carries the next version so it wins over every upsert."""

        def unit(session: Session) -> None:
            row = self._existing(session, opportunity_id, for_update=True)
            check_writable(actor, row, deleting=True)
            self._check_version(row, expected_version)
            event = OpportunityDeletedV1(record_id=row.id, record_version=row.version + 1, owner_id=row.owner or "")
            repo.delete_opportunity(session, row)
            self._emit(session, event)
            self._audit(session, actor, "delete", OPPORTUNITY, event.record_id)

        self._writer.run(unit, retry=expected_version is None, conflict=self._conflict(opportunity_id))

    def create_training_need(self, need: TrainingNeedCreate, *, owner: Principal) -> TrainingNeedCreated:
        """Store the need and open a training class for it (seats = headcount) in one transaction."""
        check_organization(owner, need.enterprise, field="enterprise")
        label = TRAINING_MODE_LABELS[need.training_mode]
        title = need.title or f"{need.enterprise[:110]}数字技能{label}"
        description = need.description or (
            f"{need.enterprise}提出的{label}培训需求：{'、'.join(need.skills)}，"
            f"计划培养{need.headcount}人，报名截至{need.deadline.isoformat()}。"
        )
        try:
            training_class = TrainingClassCreate(
                kind=OpportunityKind.TRAINING_CLASS, title=title, organization=need.enterprise,
                city=need.city, description=description, skills=need.skills, closes_on=need.deadline,
                open=True, training_mode=need.training_mode, sponsor=need.enterprise, seats=need.headcount,
                target_occupations=need.target_occupations,
            )
        except ValidationError as exc:
            raise unprocessable(exc) from exc

        def unit(session: Session) -> TrainingNeedCreated:
            review = screened(None, flags_of(training_class))  # the class carries the need's text
            class_row = repo.add_opportunity(session, Opportunity(**columns_of(training_class), owner=owner.subject,
                                                                  **review))
            need_row = repo.add_training_need(session, TrainingNeed(
                **need.model_dump(mode="json", exclude={"title", "deadline"}),
                title=title, deadline=need.deadline, status="open", training_class_id=class_row.id,
                owner=owner.subject, created_at=utc_now(), **review))
            self._emit_upsert(session, class_row)
            self._audit(session, owner, "create", OPPORTUNITY, class_row.id)
            self._audit(session, owner, "create", TRAINING_NEED, need_row.id)
            created_class = public_of(class_row, with_review=True)
            if not isinstance(created_class, TrainingClassPublic):
                raise TypeError(f"opportunity {class_row.id} is not a training class")
            return TrainingNeedCreated(need=need_public_of(need_row, with_review=True), training_class=created_class)

        return self._writer.run(unit)

    def get_training_need(self, need_id: int, *, viewer: Principal) -> TrainingNeedPublic:
        with self._sessions() as session:
            row = repo.get_training_need(session, need_id)
            if row is None:
                raise NotFoundError(f"training need {need_id} not found")
            check_need_readable(viewer, row)
            return need_public_of(row, with_review=viewer.role != "service")
