"""Postings the screen flags are held for an operator: who sees them, the verdict of a write, the decision.

A held or rejected posting reaches no seeker, no other enterprise and no matching (no upsert event); its
owner and operators read it with the flags. An operator's approval publishes it through the outbox.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from services.jobs import repository as repo
from services.jobs.mapping import public_of, snapshot_of
from services.jobs.models import AuditEntry, Opportunity, OutboxMessage, ReviewMixin
from services.jobs.review_schemas import ReviewDecision, ReviewFilter, ReviewsPublic
from services.jobs.schemas import OpportunityCreate, OpportunityPublic, ReviewStatus
from services.jobs.screening import screen
from shared import audit
from shared.auth import Principal
from shared.background import utc_now
from shared.errors import ConflictError, ForbiddenError, NotFoundError
from shared.events.contracts import EventBase, OpportunityDeletedV1, OpportunityUpsertedV1
from shared.outbox import enqueue
from shared.writes import Notifier, Writer

PUBLISHED, HELD, REJECTED = ReviewStatus.PUBLISHED.value, ReviewStatus.HELD.value, ReviewStatus.REJECTED.value
# Free-text fields of an opportunity a requirement can be written in (besides title, description, skills).
_LIST_FIELDS = ("support_offered", "talent_services")

Flags = list[dict[str, str]]


def flags_of(data: OpportunityCreate) -> Flags:
    """What the screen finds in an opportunity's text, as stored in ``review_flags``."""
    fields: dict[str, str | list[str] | None] = {"title": data.title, "description": data.description,
                                                 "skills": list(data.skills)}
    for name in _LIST_FIELDS:
        value = getattr(data, name, None)
        if value:
            fields[name] = list(value)
    return [{"category": f.category.value, "phrase": f.phrase, "field": f.field} for f in screen(fields)]


def _keys(flags: Flags) -> set[tuple[str, str]]:
    return {(flag["category"], flag["phrase"]) for flag in flags}


def screened(row: ReviewMixin | None, flags: Flags) -> dict[str, Any]:
    """The review columns after a write: no flags publish; flags an operator already approved on this row
    keep it published; any other flag holds it (again) and clears the last decision."""
    if not flags:
        return {"review_status": PUBLISHED, "review_flags": [], "reviewed_by": None, "reviewed_at": None,
                "review_note": None}
    if (row is not None and row.review_status == PUBLISHED and row.reviewed_by is not None
            and _keys(flags) <= _keys(row.review_flags)):
        return {}
    return {"review_status": HELD, "review_flags": flags, "reviewed_by": None, "reviewed_at": None,
            "review_note": None}


def sees_review(viewer: Principal, row: Opportunity) -> bool:
    """The posting enterprise and operators are told the screen's verdict."""
    return viewer.role == "operator" or (viewer.role == "enterprise" and viewer.owns(row.owner))


def check_visible(viewer: Principal, row: Opportunity) -> None:
    """A held or rejected posting does not exist for seekers, services and other enterprises (404)."""
    if row.review_status != PUBLISHED and not sees_review(viewer, row):
        raise NotFoundError(f"opportunity {row.id} not found")


def withdrawal(row: Opportunity) -> OpportunityDeletedV1:
    """The event that makes matching drop a posting now held, at its current version (an approval's
    upsert carries a later one and wins)."""
    return OpportunityDeletedV1(record_id=row.id, record_version=row.version, owner_id=row.owner or "")


def upserted(row: Opportunity) -> OpportunityUpsertedV1:
    return OpportunityUpsertedV1(record_id=row.id, record_version=row.version, owner_id=row.owner or "",
                                 opportunity=snapshot_of(row))


def publication(row: Opportunity) -> EventBase:
    """The event that carries a row's current state to matching: its upsert if published, else a delete."""
    return upserted(row) if row.review_status == PUBLISHED else withdrawal(row)


def check_operator(actor: Principal) -> None:
    if actor.role != "operator":
        raise ForbiddenError("only an operator reviews postings")


class ReviewService:
    """The operator's queue of held postings and the decision on each."""

    def __init__(self, *, sessions: sessionmaker[Session], relay: Notifier, topic: str) -> None:
        self._writer = Writer(sessions, relay=relay)
        self._sessions = sessions
        self._topic = topic

    def queue(self, query: ReviewFilter, *, viewer: Principal) -> ReviewsPublic:
        """Postings in one review status (held by default), oldest first."""
        check_operator(viewer)
        with self._sessions() as session:
            rows, total = repo.list_opportunities(session, offset=query.offset, limit=query.limit,
                                                  review_status=query.status.value)
            return ReviewsPublic(items=[public_of(row, with_review=True) for row in rows], total=total,
                                 offset=query.offset, limit=query.limit)

    def decide(self, opportunity_id: int, decision: ReviewDecision, *, actor: Principal,
               expected_version: int | None = None) -> OpportunityPublic:
        """Approve (publish through the outbox) or reject a held posting; 409 if it is not held."""
        check_operator(actor)

        def unit(session: Session) -> OpportunityPublic:
            row = repo.get_opportunity(session, opportunity_id, for_update=True)
            if row is None:
                raise NotFoundError(f"opportunity {opportunity_id} not found")
            if expected_version is not None and expected_version != row.version:
                raise ConflictError(f"If-Match: opportunity {row.id} is at version {row.version}, "
                                    f"not {expected_version}")
            if row.review_status != HELD:
                raise ConflictError(f"opportunity {row.id} is {row.review_status}, not held for review",
                                    field="decision")
            status = PUBLISHED if decision.decision == "approve" else REJECTED
            repo.update_opportunity(session, row, {"review_status": status, "reviewed_by": actor.subject,
                                                   "reviewed_at": utc_now(), "review_note": decision.note or None})
            repo.share_review_with_needs(session, row)
            if status == PUBLISHED:
                enqueue(session, OutboxMessage, topic=self._topic, event=upserted(row))
            audit.record(session, AuditEntry, actor, action=decision.decision, record_type="opportunity",
                         record_id=row.id)
            return public_of(row, with_review=True)

        return self._writer.run(unit, retry=expected_version is None,
                                conflict=f"opportunity {opportunity_id} was changed concurrently; read it again")
