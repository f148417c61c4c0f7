"""API models of feedback and of the operator endpoints."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.events.vocabulary import ActorRole, FeedbackAction


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: str | None = Field(None, min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
                                 description="client-chosen id: a retry with the same id is counted once")
    talent_id: int = Field(ge=1)
    opportunity_id: int = Field(ge=1)
    action: FeedbackAction
    actor_role: ActorRole
    position: int | None = Field(None, ge=1, le=1000, description="1-based rank in the list shown")
    score: float | None = Field(None, ge=-10.0, le=10.0, description="the match score shown")
    occurred_at: AwareDatetime | None = Field(None, description="when it happened (default: now)")


class FeedbackAccepted(BaseModel):
    """Committed to matching's database; the outbox relay publishes it to ``topic`` (at least once)."""

    event_id: str
    topic: str


class FeedbackPublic(BaseModel):
    event_id: str
    occurred_at: datetime
    talent_id: int
    opportunity_id: int
    action: FeedbackAction
    actor_role: ActorRole
    position: int | None
    score: float | None


class FeedbacksPublic(BaseModel):
    total: int
    items: list[FeedbackPublic]
