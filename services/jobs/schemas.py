"""API models of the jobs service: the four opportunity kinds (a union on ``kind``) and training needs."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from services.jobs.fields import (
    CHINA_TZ,
    City,
    Description,
    Label,
    Labels,
    Name,
    OccupationCode,
    OccupationCodes,
    Salary,
    distinct,
)
from services.jobs.screening import Category
from shared.events.vocabulary import Education, OpportunityKind, SkillLevel, TrainingMode


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpportunityBase(Strict):
    """Fields every kind has; ``skills`` are required skills, skills taught, focus fields or industries."""

    title: Name
    organization: Name
    city: City
    description: Description = ""
    skills: Labels = []
    level: SkillLevel | None = None
    closes_on: date | None = None
    open: bool = True


class JobPostingCreate(OpportunityBase):
    kind: Literal[OpportunityKind.JOB_POSTING]
    salary_min: Salary | None = None
    salary_max: Salary | None = None
    openings: int = Field(default=1, ge=1, le=100_000)
    education_required: Education | None = None
    occupation_code: OccupationCode | None = None

    @field_validator("salary_max")
    @classmethod
    def _max_not_below_min(cls, value: int | None, info: ValidationInfo) -> int | None:
        low = info.data.get("salary_min")
        if value is not None and low is not None and value < low:
            raise ValueError(f"salary_max ({value}) must not be below salary_min ({low})")
        return value


class TrainingClassCreate(OpportunityBase):
    kind: Literal[OpportunityKind.TRAINING_CLASS]
    training_mode: TrainingMode
    sponsor: Name
    seats: int = Field(ge=1, le=100_000)
    starts_on: date | None = None
    ends_on: date | None = None
    target_occupations: OccupationCodes = []
    hiring_commitment: bool | None = Field(
        default=None, validate_default=True,
        description="Sponsor commits to hire graduates; required true for order_based (the default there)",
    )
    committed_hires: int = Field(default=0, ge=0)

    @field_validator("ends_on")
    @classmethod
    def _ends_after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        starts = info.data.get("starts_on")
        if value is not None and starts is not None and value < starts:
            raise ValueError(f"ends_on ({value}) must not be before starts_on ({starts})")
        return value

    @field_validator("hiring_commitment")
    @classmethod
    def _order_based_commits(cls, value: bool | None, info: ValidationInfo) -> bool:
        order_based = info.data.get("training_mode") is TrainingMode.ORDER_BASED
        if value is None:
            return order_based
        if order_based and not value:
            raise ValueError("an order-based class (订单班) commits its sponsor to hire graduates: "
                             "hiring_commitment must be true")
        return value

    @field_validator("committed_hires")
    @classmethod
    def _hires_within_seats(cls, value: int, info: ValidationInfo) -> int:
        seats = info.data.get("seats")
        if seats is not None and value > seats:
            raise ValueError(f"committed_hires ({value}) must not exceed seats ({seats})")
        if value and info.data.get("hiring_commitment") is False:
            raise ValueError("committed_hires needs hiring_commitment true")
        return value


class IncubatorProgramCreate(OpportunityBase):
    kind: Literal[OpportunityKind.INCUBATOR_PROGRAM]
    support_offered: Labels = Field(default=[], description="e.g. 办公场地, 创业导师, 种子基金")
    application_deadline: date | None = None
    cohort_size: int | None = Field(default=None, ge=1, le=100_000)


class IndustrialParkCreate(OpportunityBase):
    kind: Literal[OpportunityKind.INDUSTRIAL_PARK]
    talent_services: Labels = Field(default=[], description="e.g. 人才公寓, 落户补贴, 招聘会")
    park_level: Label | None = Field(default=None, description="e.g. 国家级, 省级, 市级")
    district: Label | None = None


OpportunityCreate = Annotated[
    JobPostingCreate | TrainingClassCreate | IncubatorProgramCreate | IndustrialParkCreate,
    Field(discriminator="kind"),
]
CREATE_MODELS: dict[OpportunityKind, type[OpportunityBase]] = {
    OpportunityKind.JOB_POSTING: JobPostingCreate,
    OpportunityKind.TRAINING_CLASS: TrainingClassCreate,
    OpportunityKind.INCUBATOR_PROGRAM: IncubatorProgramCreate,
    OpportunityKind.INDUSTRIAL_PARK: IndustrialParkCreate,
}


class ReviewStatus(StrEnum):
    PUBLISHED = "published"
    HELD = "held"
    REJECTED = "rejected"


class ReviewFlag(BaseModel):
    """A requirement the Employment Promotion Law bars, as the screen found it."""

    category: Category
    phrase: str = Field(description="The exact words of the posting")
    field: str = Field(description="The field they are in (title, description, skills …)")


class ReviewPublic(BaseModel):
    """The screen's verdict: ``held`` postings wait for an operator and reach no seeker or other enterprise."""

    status: ReviewStatus
    flags: list[ReviewFlag]
    note: str | None = None
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None


class RecordFields(Strict):
    id: int
    version: int
    owner: str | None = Field(description="The enterprise account that posted it (its token subject)")
    created_at: datetime
    updated_at: datetime
    review: ReviewPublic | None = Field(default=None, description="Shown to the posting enterprise and operators")


class JobPostingPublic(JobPostingCreate, RecordFields):
    pass


class TrainingClassPublic(TrainingClassCreate, RecordFields):
    pass


class IncubatorProgramPublic(IncubatorProgramCreate, RecordFields):
    pass


class IndustrialParkPublic(IndustrialParkCreate, RecordFields):
    pass


OpportunityPublic = Annotated[
    JobPostingPublic | TrainingClassPublic | IncubatorProgramPublic | IndustrialParkPublic,
    Field(discriminator="kind"),
]


class OpportunityUpdate(Strict):
    """Partial update: only the fields sent change; they are checked together with the stored record."""

    kind: OpportunityKind | None = Field(default=None, description="If sent, must equal the stored kind")
    title: str | None = None
    organization: str | None = None
    city: str | None = None
    description: str | None = None
    skills: list[str] | None = None
    level: SkillLevel | None = None
    closes_on: date | None = None
    open: bool | None = None
    salary_min: int | None = None
    salary_max: int | None = None
    openings: int | None = None
    education_required: Education | None = None
    occupation_code: str | None = None
    training_mode: TrainingMode | None = None
    sponsor: str | None = None
    seats: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    target_occupations: list[str] | None = None
    hiring_commitment: bool | None = None
    committed_hires: int | None = None
    support_offered: list[str] | None = None
    application_deadline: date | None = None
    cohort_size: int | None = None
    talent_services: list[str] | None = None
    park_level: str | None = None
    district: str | None = None

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class OpportunityFilter(Strict):
    kind: OpportunityKind | None = None
    city: City | None = None
    training_mode: TrainingMode | None = None
    organization: Name | None = Field(default=None, description="Part of the organization's name")
    open: bool | None = None
    offset: int = Field(default=0, ge=0, le=10**9)  # past this, SQLite integers overflow
    limit: int = Field(default=20, ge=1, le=100)


class OpportunitiesPublic(BaseModel):
    items: list[OpportunityPublic]
    total: int
    offset: int
    limit: int


class TrainingNeedCreate(Strict):
    """A custom training need: the service opens a training class for it at once."""

    enterprise: Name
    title: Name | None = Field(default=None, description='Default: "<enterprise>数字技能订制班"')
    skills: Annotated[list[Label], Field(min_length=1, max_length=50), AfterValidator(distinct)]
    headcount: int = Field(ge=1, le=100_000)
    city: City
    deadline: date
    description: Description = ""
    target_occupations: OccupationCodes = []
    training_mode: TrainingMode = TrainingMode.CUSTOM

    @field_validator("deadline")
    @classmethod
    def _not_in_past(cls, value: date) -> date:
        today = datetime.now(CHINA_TZ).date()
        if value < today:
            raise ValueError(f"deadline ({value}) must not be in the past (today is {today})")
        return value


class TrainingNeedPublic(BaseModel):
    id: int
    owner: str | None = Field(description="The enterprise account that posted it (its token subject)")
    enterprise: str
    title: str
    skills: list[str]
    headcount: int
    city: str
    deadline: date
    description: str
    target_occupations: list[str]
    training_mode: TrainingMode
    status: str
    training_class_id: int | None
    created_at: datetime
    review: ReviewPublic | None = Field(default=None, description="Shown to the posting enterprise and operators")


class TrainingNeedCreated(BaseModel):
    need: TrainingNeedPublic
    training_class: TrainingClassPublic
