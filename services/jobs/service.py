"""Domain logic of the jobs service: each write commits its record and its event together."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from services.jobs import repository as repo
from services.jobs.mapping import (
    COMMON_FIELDS,
    KIND_FIELDS,
    columns_of,
    need_public_of,
    public_of,
    snapshot_of,
    stored_fields,
    unprocessable,
    validate_opportunity,
)
from services.jobs.models import Opportunity, OutboxMessage
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
from shared.db import iter_rows, transaction
from shared.errors import ConflictError, NotFoundError, UnprocessableError
from shared.events.contracts import EventBase, OpportunityDeletedV1, OpportunityUpsertedV1
from shared.events.vocabulary import TRAINING_MODE_LABELS, OpportunityKind
from shared.outbox import enqueue


class Notifier(Protocol):
    def notify(self) -> None: ...


class OpportunityService:
    """Opportunities and training needs; events go to the outbox in the writing transaction."""

    def __init__(self, *, sessions: sessionmaker[Session], relay: Notifier, topic: str) -> None:
        self._sessions = sessions
        self._relay = relay
        self._topic = topic

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """One write transaction; the relay is woken once it committed."""
        try:
            with transaction(self._sessions) as session:
                yield session
        except StaleDataError as exc:
            raise ConflictError("the opportunity was changed concurrently; read it again and retry") from exc
        self._relay.notify()

    def _emit(self, session: Session, event: EventBase) -> None:
        enqueue(session, OutboxMessage, topic=self._topic, event=event)

    def _emit_upsert(self, session: Session, row: Opportunity) -> None:
        self._emit(session, OpportunityUpsertedV1(record_id=row.id, record_version=row.version,
                                                  opportunity=snapshot_of(row)))

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

    def create(self, data: OpportunityCreate) -> OpportunityPublic:
        """Store a new opportunity at version 1."""
        with self._write() as session:
            row = repo.add_opportunity(session, columns_of(data))
            self._emit_upsert(session, row)
        return public_of(row)

    def republish(self) -> int:
        """Enqueue the current state of every opportunity again, so a consumer that lost the log converges."""
        count = 0
        with self._write() as session:
            for row in iter_rows(session, Opportunity):
                self._emit_upsert(session, row)
                count += 1
        return count

    def get(self, opportunity_id: int) -> OpportunityPublic:
        with self._sessions() as session:
            return public_of(self._existing(session, opportunity_id))

    def search(self, query: OpportunityFilter) -> OpportunitiesPublic:
        with self._sessions() as session:
            rows, total = repo.list_opportunities(session, query)
            return OpportunitiesPublic(items=[public_of(r) for r in rows], total=total,
                                       offset=query.offset, limit=query.limit)

    def update(self, opportunity_id: int, patch: OpportunityUpdate, *,
               expected_version: int | None = None) -> OpportunityPublic:
        """Apply the sent fields; the merged record is validated as a whole against its stored kind."""
        changes = patch.changes()
        with self._write() as session:
            row = self._existing(session, opportunity_id, for_update=True)
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
            if merged == validate_opportunity(current):
                return public_of(row)  # nothing changed: no new version, no event
            repo.update_opportunity(session, row, columns_of(merged))
            self._emit_upsert(session, row)
        return public_of(row)

    def delete(self, opportunity_id: int, *, expected_version: int | None = None) -> None:
        """Remove the row; its delete event carries the next version so it wins over every upsert."""
        with self._write() as session:
            row = self._existing(session, opportunity_id, for_update=True)
            self._check_version(row, expected_version)
            event = OpportunityDeletedV1(record_id=row.id, record_version=row.version + 1)
            repo.delete_opportunity(session, row)
            self._emit(session, event)

    def create_training_need(self, need: TrainingNeedCreate) -> TrainingNeedCreated:
        """Store the need and open a training class for it (seats = headcount) in one transaction."""
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
        with self._write() as session:
            class_row = repo.add_opportunity(session, columns_of(training_class))
            need_row = repo.add_training_need(session, {
                **need.model_dump(mode="json", exclude={"title", "deadline"}),
                "title": title, "deadline": need.deadline, "status": "open",
                "training_class_id": class_row.id,
            })
            self._emit_upsert(session, class_row)
        created_class = public_of(class_row)
        if not isinstance(created_class, TrainingClassPublic):
            raise TypeError(f"opportunity {class_row.id} is not a training class")
        return TrainingNeedCreated(need=need_public_of(need_row), training_class=created_class)

    def get_training_need(self, need_id: int) -> TrainingNeedPublic:
        with self._sessions() as session:
            row = repo.get_training_need(session, need_id)
            if row is None:
                raise NotFoundError(f"training need {need_id} not found")
            return need_public_of(row)
