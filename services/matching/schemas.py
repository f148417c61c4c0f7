"""API models of the matching service."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.vocabulary import OpportunityKind

SEARCH_TEXT_MAX_CHARS = 2000


class Reason(BaseModel):
    code: str  # skill_overlap | same_city | desired_city | wanted_kind | level | hiring_commitment
    detail: str
    bonus: float


class MatchBase(BaseModel):
    id: int
    kind: str
    city: str
    score: float  # similarity + the bonuses of the reasons
    similarity: float  # dense_weight·cos_dense + lexical_weight·cos_lexical
    reasons: list[Reason]
    matched_skills: list[str]
    missing_skills: list[str]  # skills the opportunity asks for that the talent lacks


class OpportunityMatch(MatchBase):
    title: str
    organization: str
    training_mode: str | None
    hiring_commitment: bool


class TalentMatch(MatchBase):
    display_name: str
    level: str | None
    years_experience: int


class RecommendationsPublic(BaseModel):
    talent_id: int
    generation: int
    cached: bool
    items: list[OpportunityMatch]


class ShortlistPublic(BaseModel):
    opportunity_id: int
    generation: int
    cached: bool
    items: list[TalentMatch]


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=SEARCH_TEXT_MAX_CHARS)
    target: Literal["opportunities", "talents"] = "opportunities"
    k: int = Field(10, ge=1, le=100)
    kind: OpportunityKind | None = None
    city: str | None = Field(None, max_length=60)


class SearchPublic(BaseModel):
    target: Literal["opportunities", "talents"]
    generation: int
    cached: bool
    query_skills: list[str]
    items: list[OpportunityMatch] | list[TalentMatch]


class StatusPublic(BaseModel):
    model: str
    dense_weight: float
    lexical_weight: float
    dim: int
    generation: int
    index: dict[str, int]
    consumer: dict[str, Any]
    cache: dict[str, Any]
