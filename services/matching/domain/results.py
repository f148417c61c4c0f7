"""What ranking and skill gaps produce, item by item: the typed pieces of matching's answers (the API
models in ``schemas.py`` wrap them in lists)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class Reason(BaseModel):
    # skill_overlap | same_occupation | same_field | same_city | desired_city | wanted_kind | level
    # | hiring_commitment | similar_text
    code: str
    detail: str
    bonus: float


class OccupationPublic(BaseModel):
    """A CSCO 2022 occupation; ``field`` is the digital field of the record (or of the occupation)."""

    code: str  # e.g. "2-02-38-03"
    name: str
    digital: bool  # a digital occupation (marked "S") in CSCO 2022
    field: str | None  # e.g. "大数据"


class MatchBase(BaseModel):
    id: int
    kind: str
    city: str
    score: float  # similarity + the bonuses of the reasons
    similarity: float  # dense_weight·cos_dense + lexical_weight·cos_lexical
    reasons: list[Reason]
    matched_skills: list[str]
    missing_skills: list[str]  # skills the opportunity asks for that the talent lacks
    occupation: OccupationPublic | None  # the item's primary occupation (tagged at ingest)


class OpportunityMatch(MatchBase):
    title: str
    organization: str
    training_mode: str | None
    hiring_commitment: bool


class TalentMatch(MatchBase):
    display_name: str
    level: str | None
    years_experience: int


class TrainingPath(BaseModel):
    id: int
    title: str
    organization: str
    city: str
    training_mode: str | None
    hiring_commitment: bool
    closes: list[str]  # missing skills the class teaches
    coverage: float  # share of the missing skills it closes, 0..1
    location: Literal["same_city", "desired_city", "elsewhere"]
    occupation: OccupationPublic | None
