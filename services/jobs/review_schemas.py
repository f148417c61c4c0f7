"""API models of the operator's review of held postings."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.jobs.schemas import OpportunityPublic, ReviewStatus


class ReviewDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject"] = Field(description="approve publishes the posting; reject keeps it "
                                                               "from seekers until its enterprise edits it")
    note: str = Field(default="", max_length=1000, description="Why, for the record and the enterprise")


class ReviewFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: ReviewStatus = ReviewStatus.HELD
    offset: int = Field(default=0, ge=0, le=10**9)
    limit: int = Field(default=20, ge=1, le=100)


class ReviewsPublic(BaseModel):
    items: list[OpportunityPublic]
    total: int
    offset: int
    limit: int
