"""API models of the matching service."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.matching.domain.language import Language
from services.matching.domain.occupations import OccupationMatch
from services.matching.domain.results import OccupationPublic, OpportunityMatch, TalentMatch, TrainingPath
from shared.events.vocabulary import OpportunityKind

SEARCH_TEXT_MAX_CHARS = 2000
NORMALIZE_MAX_TITLES = 1000
NORMALIZE_MAX_TOP = 20
TITLE_MAX_CHARS = 200


class RecommendationsPublic(BaseModel):
    talent_id: int
    generation: int
    cached: bool
    items: list[OpportunityMatch]
    language: Language = Field(description="the language of the reasons")
    widened: bool = Field(description="kinds beyond the talent's wanted ones were allowed (widen or kind)")
    note: str | None = Field(None, description="why fewer than k items: no other candidate showed evidence of fit")


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
    language: Language | None = Field(None, description="language of the reasons; default: the text's")


class SearchPublic(BaseModel):
    target: Literal["opportunities", "talents"]
    generation: int
    cached: bool
    query_skills: list[str]
    items: list[OpportunityMatch] | list[TalentMatch]


class SkillGapTarget(BaseModel):
    kind: Literal["opportunity", "occupation"]
    opportunity_id: int | None
    title: str  # the opportunity's title or the occupation's name
    occupation: OccupationPublic | None
    based_on: int  # opportunities the requirements were read from (1 for an opportunity)


class SkillDemand(BaseModel):
    skill: str
    share: float  # weighted share of the target's postings asking for it (1.0 for one opportunity)


class SkillGapPublic(BaseModel):
    talent_id: int
    generation: int
    cached: bool
    target: SkillGapTarget
    required_skills: list[str]  # most demanded first
    demand: list[SkillDemand]
    matched_skills: list[str]
    missing_skills: list[str]
    readiness: float  # share of the required skills the talent has, 0..1
    classes: list[TrainingPath]  # order-based with a hiring commitment first, then coverage, then city


class NormalizeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    titles: list[Annotated[str, StringConstraints(max_length=TITLE_MAX_CHARS)]] = Field(
        min_length=1, max_length=NORMALIZE_MAX_TITLES)
    top: int = Field(3, ge=1, le=NORMALIZE_MAX_TOP)


class OccupationMatchPublic(BaseModel):
    code: str
    name: str
    score: float  # 0..1; 1.0 for an exact name or alias
    digital: bool

    @classmethod
    def of(cls, match: OccupationMatch) -> OccupationMatchPublic:
        return cls(code=match.code, name=match.name, score=round(match.score, 4), digital=match.digital)


class NormalizedTitle(BaseModel):
    input: str
    matches: list[OccupationMatchPublic]  # best first; empty for a blank or noise-only title


class NormalizePublic(BaseModel):
    results: list[NormalizedTitle]  # one per title, in input order


class CacheStatus(BaseModel):
    available: bool  # False while Redis is unreachable: answers are served uncached
    hits: int
    local_hits: int  # hits answered from this process's near cache
    misses: int
    errors: int


class StatusPublic(BaseModel):
    model: str
    dense_weight: float
    lexical_weight: float
    dim: int
    generation: int
    index: dict[str, int]
    consumer: dict[str, Any]
    cache: CacheStatus
