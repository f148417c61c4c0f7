"""Versioned event contracts between the services, decoded by one discriminated union.

Events carry only what matching needs: never a phone number, e-mail or ID number.
Every event names the record (``record_id``) and its version (``record_version``):
consumers ignore a version older than the one they hold, so replays are harmless.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from shared.background import utc_now
from shared.events.vocabulary import (
    ActorRole,
    Education,
    FeedbackAction,
    OpportunityKind,
    SkillLevel,
    TrainingMode,
)


class Contract(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Certificate(Contract):
    name: str = Field(max_length=120)
    level: SkillLevel | None = None


class ProfileSnapshot(Contract):
    """The matching-relevant view of a talent profile (no contact data)."""

    display_name: str
    city: str
    desired_cities: list[str] = []
    education: Education | None = None
    years_experience: int = 0
    level: SkillLevel | None = None
    skills: list[str] = []
    skills_text: str = ""
    certificates: list[Certificate] = []
    wanted_kinds: list[OpportunityKind] = []
    open_to_work: bool = True


class OpportunitySnapshot(Contract):
    """The matching-relevant view of any of the four opportunity kinds."""

    kind: OpportunityKind
    title: str
    organization: str
    city: str
    description: str = ""
    skills: list[str] = []
    level: SkillLevel | None = None
    training_mode: TrainingMode | None = None
    hiring_commitment: bool = False
    seats: int | None = None
    open: bool = True
    closes_on: date | None = None
    details: dict[str, Any] = {}


def _event_id() -> str:
    return uuid.uuid4().hex



class EventBase(Contract):
    event_id: str = Field(default_factory=_event_id)
    occurred_at: datetime = Field(default_factory=utc_now)
    record_id: int
    record_version: int = Field(ge=1)
    owner_id: str = ""


class ProfileUpsertedV1(EventBase):
    type: Literal["profile.upserted"] = "profile.upserted"
    schema_version: Literal[1] = 1
    profile: ProfileSnapshot


class ProfileDeletedV1(EventBase):
    type: Literal["profile.deleted"] = "profile.deleted"
    schema_version: Literal[1] = 1


class OpportunityUpsertedV1(EventBase):
    type: Literal["opportunity.upserted"] = "opportunity.upserted"
    schema_version: Literal[1] = 1
    opportunity: OpportunitySnapshot


class OpportunityDeletedV1(EventBase):
    type: Literal["opportunity.deleted"] = "opportunity.deleted"
    schema_version: Literal[1] = 1


class FeedbackRecordedV1(Contract):
    """What a seeker or an enterprise did with one recommended (talent, opportunity) pair.

    A fact, not a record: it has no version and is never updated. ``event_id`` names it, so a
    client that retries after a timeout (same ``event_id``) is counted once.
    """

    type: Literal["feedback.recorded"] = "feedback.recorded"
    schema_version: Literal[1] = 1
    event_id: str = Field(default_factory=_event_id, min_length=1, max_length=64)
    occurred_at: AwareDatetime = Field(default_factory=utc_now)
    talent_id: int = Field(ge=1)
    opportunity_id: int = Field(ge=1)
    action: FeedbackAction
    actor_role: ActorRole
    position: int | None = Field(None, ge=1, le=1000)  # 1-based rank in the list that was shown
    score: float | None = Field(None, ge=-10.0, le=10.0)  # the match score shown with it


class ApplicationStatus(StrEnum):
    """Where an application or enrolment stands; the jobs service owns the allowed moves."""

    RECEIVED = "received"  # applied to a job posting, or interest in an incubator or park
    ENROLLED = "enrolled"  # took a seat in a training class
    WAITLISTED = "waitlisted"  # the class was full: on its waiting list, promoted when a seat frees
    INTERVIEWING = "interviewing"
    OFFERED = "offered"
    HIRED = "hired"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # by the seeker


class ApplicationSnapshot(Contract):
    """An application as the figures need it: who (the profile), what, and where it stands."""

    opportunity_id: int = Field(ge=1)
    opportunity_kind: OpportunityKind
    talent_id: int = Field(ge=1)
    status: ApplicationStatus


class ApplicationChangedV1(EventBase):
    """An application was made or moved (``record_version`` 1: made). Not compacted: every move is a fact
    the figures count (applied, enrolled, interviewed, hired); they are the one source of those facts."""

    type: Literal["application.changed"] = "application.changed"
    schema_version: Literal[1] = 1
    application: ApplicationSnapshot


ProfileEvent = ProfileUpsertedV1 | ProfileDeletedV1
OpportunityEvent = OpportunityUpsertedV1 | OpportunityDeletedV1
RecordEvent = ProfileEvent | OpportunityEvent


class OccupationTag(Contract):
    """A CSCO 2022 occupation a text was tagged with."""

    code: str = Field(max_length=20)
    name: str = Field(max_length=100)
    score: float
    digital: bool
    field: str | None = None


class RecordEmbeddedV1(Contract):
    """A record event with the dense vector of its text, computed once by an embedding worker so that
    index replicas never run the model (scale-out, ``MATCHING_ROLE``).

    ``dense`` is the base64 of little-endian float32 values (empty for deletes and when the dense
    channel is off); ``encoder`` names the model and runtime that made it, and a replica configured
    with another one refuses the event.
    """

    type: Literal["record.embedded"] = "record.embedded"
    schema_version: Literal[1] = 1
    encoder: str = Field(max_length=200)
    dense: str = ""
    event: Annotated[RecordEvent, Field(discriminator="type")]
    # What the worker derived from the text at ingest (canonical skills, occupations), so replicas
    # skip the tagging as well as the model.
    skills: list[str] = []
    occupations: list[OccupationTag] = []


Event = Annotated[
    ProfileUpsertedV1 | ProfileDeletedV1 | OpportunityUpsertedV1 | OpportunityDeletedV1 | FeedbackRecordedV1
    | RecordEmbeddedV1 | ApplicationChangedV1,
    Field(discriminator="type"),
]

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
MAX_EVENT_BYTES = 512 * 1024


class EventDecodeError(ValueError):
    """An event that cannot be accepted: bad JSON, unknown type or version, or too large."""


def encode_event(event: BaseModel) -> bytes:
    return event.model_dump_json().encode("utf-8")


def decode_event(raw: bytes | None) -> Event:
    """Decode and validate one event; raise ``EventDecodeError`` with the reason."""
    if raw is None:
        raise EventDecodeError("empty message (tombstone) is not an event")
    if len(raw) > MAX_EVENT_BYTES:
        raise EventDecodeError(f"event of {len(raw)} bytes is over the limit of {MAX_EVENT_BYTES}")
    try:
        return EVENT_ADAPTER.validate_json(raw)
    except ValueError as exc:  # pydantic.ValidationError subclasses ValueError
        raise EventDecodeError(str(exc)[:2000]) from exc
