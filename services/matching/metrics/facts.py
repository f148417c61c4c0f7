"""What the figures keep of each event and each served list: small immutable facts.

Every fact is derived from its event (no clock), so the figures are a pure function of the events
consumed. Digital fields come from the canonical skills and from the CSCO occupation codes a publisher
gave (``details.occupation_code`` of a job posting, ``details.target_occupations`` of a training class).
Occupations are those codes plus the ones the index tagged the record's document with, where its
documents carry tags (a deterministic function of the same event).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from shared.events.contracts import (
    ApplicationChangedV1,
    ApplicationStatus,
    FeedbackRecordedV1,
    OpportunitySnapshot,
    ProfileSnapshot,
)
from shared.events.vocabulary import ActorRole, FeedbackAction, OpportunityKind, TrainingMode
from shared.reference.occupations import digital_field
from shared.reference.skills import extract_skills, skill_index

Operation = Literal["recommendations", "shortlist"]
# The application statuses that are funnel facts, and who acted. Applications (jobs' events) are the one
# source of these: offered, rejected, waitlisted and withdrawn are not funnel steps.
APPLICATION_ACTIONS: dict[ApplicationStatus, tuple[FeedbackAction, ActorRole]] = {
    ApplicationStatus.RECEIVED: (FeedbackAction.APPLIED, ActorRole.SEEKER),
    ApplicationStatus.ENROLLED: (FeedbackAction.ENROLLED, ActorRole.SEEKER),
    ApplicationStatus.INTERVIEWING: (FeedbackAction.INTERVIEWED, ActorRole.ENTERPRISE),
    ApplicationStatus.HIRED: (FeedbackAction.HIRED, ActorRole.ENTERPRISE),
}


def as_utc(moment: datetime) -> datetime:
    """Events written by older producers may carry naive datetimes: they are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def fields_of(skills: Iterable[str], occupations: Iterable[str] = ()) -> frozenset[str]:
    """The digital fields of canonical skill ids and occupation codes."""
    index = skill_index()
    found = {index[s].field for s in skills if s in index}
    found |= {f for f in (digital_field(code) for code in occupations) if f}
    return frozenset(found)


def _occupations(details: dict[str, Any]) -> frozenset[str]:
    codes: list[Any] = [details.get("occupation_code"), *(details.get("target_occupations") or ())]
    return frozenset(c for c in codes if isinstance(c, str) and c)


def _positive_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


@dataclass(frozen=True)
class TalentFacts:
    id: int
    version: int
    city: str
    fields: frozenset[str]
    skills: frozenset[str]  # canonical skill ids
    wanted_kinds: frozenset[OpportunityKind]  # empty: any kind
    open_to_work: bool
    first_seen: datetime  # occurred_at of the oldest version consumed
    occupations: frozenset[str] = frozenset()  # CSCO codes tagged by the index


@dataclass(frozen=True)
class OpportunityFacts:
    id: int
    version: int
    kind: OpportunityKind
    title: str
    city: str
    fields: frozenset[str]
    occupations: frozenset[str]  # CSCO codes: the publisher's, then the index's tags
    skills: frozenset[str]
    open: bool
    closes_on: date | None
    training_mode: TrainingMode | None
    seats: int | None
    openings: int | None
    committed_hires: int | None
    first_seen: datetime

    def accepting(self, today: date) -> bool:
        return self.open and (self.closes_on is None or self.closes_on >= today)

    @property
    def positions(self) -> int:
        """What it can take: openings of a posting (1 if unsaid), seats of a class, 1 for the others."""
        if self.kind == OpportunityKind.JOB_POSTING:
            return 1 if self.openings is None else self.openings
        if self.kind == OpportunityKind.TRAINING_CLASS:
            return self.seats or 0
        return 1


def talent_facts(record_id: int, version: int, profile: ProfileSnapshot, occurred_at: datetime) -> TalentFacts:
    certificates = [c.name for c in profile.certificates]
    skills = frozenset(extract_skills(profile.skills, certificates, profile.skills_text))
    return TalentFacts(id=record_id, version=version, city=profile.city, fields=fields_of(skills), skills=skills,
                       wanted_kinds=frozenset(profile.wanted_kinds), open_to_work=profile.open_to_work,
                       first_seen=as_utc(occurred_at))


def opportunity_facts(record_id: int, version: int, opportunity: OpportunitySnapshot,
                      occurred_at: datetime) -> OpportunityFacts:
    skills = frozenset(extract_skills(opportunity.skills, opportunity.title, opportunity.description))
    occupations = _occupations(opportunity.details)
    return OpportunityFacts(
        id=record_id, version=version, kind=opportunity.kind, title=opportunity.title, city=opportunity.city,
        fields=fields_of(skills, occupations), occupations=occupations, skills=skills, open=opportunity.open,
        closes_on=opportunity.closes_on, training_mode=opportunity.training_mode, seats=opportunity.seats,
        openings=_positive_int(opportunity.details.get("openings")),
        committed_hires=_positive_int(opportunity.details.get("committed_hires")),
        first_seen=as_utc(occurred_at),
    )


@dataclass(frozen=True)
class FeedbackFacts:
    event_id: str
    occurred_at: datetime
    talent_id: int
    opportunity_id: int
    action: FeedbackAction
    actor_role: ActorRole
    position: int | None
    score: float | None

    @classmethod
    def of(cls, event: FeedbackRecordedV1) -> FeedbackFacts:
        return cls(event_id=event.event_id, occurred_at=as_utc(event.occurred_at), talent_id=event.talent_id,
                   opportunity_id=event.opportunity_id, action=event.action, actor_role=event.actor_role,
                   position=event.position, score=event.score)


def application_fact(event: ApplicationChangedV1) -> FeedbackFacts | None:
    """The funnel fact of one application change, or None when its status is not a funnel step. Named by
    the application and its version, so a replayed change is counted once."""
    found = APPLICATION_ACTIONS.get(event.application.status)
    if found is None:
        return None
    action, role = found
    return FeedbackFacts(event_id=f"application:{event.record_id}:{event.record_version}",
                         occurred_at=as_utc(event.occurred_at), talent_id=event.application.talent_id,
                         opportunity_id=event.application.opportunity_id, action=action, actor_role=role,
                         position=None, score=None)


@dataclass(frozen=True)
class ServedMatch:
    talent_id: int
    opportunity_id: int
    score: float


@dataclass(frozen=True)
class ServedList:
    """One answered recommendations or shortlist request (counted per replica: not an event)."""

    at: datetime
    operation: Operation
    subject_id: int  # the talent (recommendations) or the opportunity (shortlist)
    matches: tuple[ServedMatch, ...]
    cached: bool
