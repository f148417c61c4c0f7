"""API models of applications and enrolments (``/v1/opportunities/{id}/applications``, ``/v1/applications``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.contracts import ApplicationStatus
from shared.events.vocabulary import OpportunityKind

MAX_NOTE_CHARS = 500


class ApplicationCreate(BaseModel):
    """``profile_id``: the seeker's own talent profile, the one matching ranked (the figures count by it)."""

    model_config = ConfigDict(extra="forbid")

    profile_id: int = Field(ge=1, le=2**31 - 1)
    note: str = Field(default="", max_length=MAX_NOTE_CHARS)


class ApplicationMove(BaseModel):
    """A move by the owning enterprise (``interviewing``, ``offered``, ``hired``, ``rejected``) or the
    seeker's ``withdrawn``."""

    model_config = ConfigDict(extra="forbid")

    status: Literal[ApplicationStatus.INTERVIEWING, ApplicationStatus.OFFERED, ApplicationStatus.HIRED,
                    ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN]


class ApplicationPublic(BaseModel):
    id: int
    opportunity_id: int
    opportunity_kind: OpportunityKind
    opportunity_owner: str | None
    seeker: str
    profile_id: int
    status: ApplicationStatus
    note: str
    version: int
    created_at: datetime
    updated_at: datetime


class ApplicationsPublic(BaseModel):
    items: list[ApplicationPublic]
    total: int
    offset: int
    limit: int


class ApplicationFilter(BaseModel):
    """``mine``: only the caller's own (a seeker's applications; an enterprise's applicants)."""

    model_config = ConfigDict(extra="forbid")

    mine: bool = False
    opportunity_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    status: ApplicationStatus | None = None
    offset: int = Field(default=0, ge=0, le=1_000_000)
    limit: int = Field(default=50, ge=1, le=200)


class SeatsPublic(BaseModel):
    """A training class's seats: taken by enrolments, left, and the waiting list's length."""

    opportunity_id: int
    seats: int
    enrolled: int
    left: int
    waitlisted: int
