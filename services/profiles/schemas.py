"""API models of the profiles service: ``ProfileCreate / ProfileUpdate``, ``ProfilePublic`` (with contact
fields) and ``ProfileCard`` (without), ``ProfilesPublic``."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from typing import Annotated, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from shared.events.vocabulary import Education, OpportunityKind, SkillLevel
from shared.reference.cities import CityName

# [0-9], not \d: pydantic's regex engine counts full-width and other Unicode digits as \d.
PHONE_PATTERN = r"^1[3-9][0-9]{9}$"
EMAIL_PATTERN = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
ID_NUMBER_PATTERN = r"^[0-9]{17}[0-9X]$"
MAX_PAGE_SIZE = 100

H = TypeVar("H", bound=Hashable)


def _unique(values: list[H]) -> list[H]:
    return list(dict.fromkeys(values))


def _unique_ignoring_case(values: list[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for value in values:
        if value.casefold() not in seen:
            seen.add(value.casefold())
            unique.append(value)
    return unique


DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=PHONE_PATTERN)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=EMAIL_PATTERN)]
IdNumber = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=ID_NUMBER_PATTERN)]
DesiredCities = Annotated[list[CityName], Field(max_length=10), AfterValidator(_unique)]
Skill = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Skills = Annotated[list[Skill], Field(max_length=50), AfterValidator(_unique_ignoring_case)]
SkillsText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
YearsExperience = Annotated[int, Field(ge=0, le=60)]
WantedKinds = Annotated[list[OpportunityKind], AfterValidator(_unique)]


class CertificateIn(BaseModel):
    """A vocational skill level certificate, e.g. 数字技术工程师 (中级)."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    level: SkillLevel | None = None


Certificates = Annotated[list[CertificateIn], Field(max_length=20)]


class ProfileCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: DisplayName
    phone: Phone | None = None
    email: Email | None = None
    id_number: IdNumber | None = None
    city: CityName
    desired_cities: DesiredCities = Field(default_factory=list)
    education: Education | None = None
    years_experience: YearsExperience = 0
    level: SkillLevel | None = None
    skills: Skills = Field(default_factory=list)
    skills_text: SkillsText = ""
    certificates: Certificates = Field(default_factory=list)
    wanted_kinds: WantedKinds = Field(default_factory=list)
    open_to_work: bool = True


class ProfileUpdate(BaseModel):
    """Partial update: only the fields sent change; ``null`` clears an optional field."""

    model_config = ConfigDict(extra="forbid")

    display_name: DisplayName | None = None
    phone: Phone | None = None
    email: Email | None = None
    id_number: IdNumber | None = None
    city: CityName | None = None
    desired_cities: DesiredCities | None = None
    education: Education | None = None
    years_experience: YearsExperience | None = None
    level: SkillLevel | None = None
    skills: Skills | None = None
    skills_text: SkillsText | None = None
    certificates: Certificates | None = None
    wanted_kinds: WantedKinds | None = None
    open_to_work: bool | None = None

    @field_validator("display_name", "city", "desired_cities", "years_experience", "skills", "skills_text",
                     "certificates", "wanted_kinds", "open_to_work")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null; leave the field out to keep its value")
        return value


class CertificatePublic(BaseModel):
    name: str
    level: SkillLevel | None = None


class ProfileCard(BaseModel):
    """A profile without its contact fields and owner: what enterprises and services read."""

    model_config = ConfigDict(from_attributes=True, extra="forbid")

    id: int
    version: int
    display_name: str
    city: str
    desired_cities: list[str]
    education: Education | None
    years_experience: int
    level: SkillLevel | None
    skills: list[str]
    skills_text: str
    certificates: list[CertificatePublic]
    wanted_kinds: list[OpportunityKind]
    open_to_work: bool
    created_at: datetime
    updated_at: datetime


class ProfilePublic(ProfileCard):
    """A whole profile with its contact fields: what its owner and operators read."""

    owner: str | None = Field(description="The seeker account that owns it (its token subject)")
    phone: str | None
    email: str | None
    id_number: str | None


class ProfilesPublic(BaseModel):
    """A page of profiles; operators get whole profiles, services get cards without contact fields."""

    items: list[ProfilePublic | ProfileCard]
    total: int
    offset: int
    limit: int


class ProfileQuery(BaseModel):
    """Page and filters of the profile list; ``city`` is normalized like the stored cities."""

    model_config = ConfigDict(extra="forbid")

    offset: int = Field(0, ge=0, le=10**9)
    limit: int = Field(20, ge=1, le=MAX_PAGE_SIZE)
    city: CityName | None = None
    skill: Skill | None = None
    wanted_kind: OpportunityKind | None = None
    open_to_work: bool | None = None
