"""API models of feedback and of the operator endpoints."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from shared.events.vocabulary import ActorRole, FeedbackAction

# Facts the jobs service owns: its application events are their one source (no second write of one fact).
JOBS_ACTIONS = frozenset({FeedbackAction.APPLIED, FeedbackAction.ENROLLED, FeedbackAction.INTERVIEWED,
                          FeedbackAction.HIRED})


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: str | None = Field(None, min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
                                 description="client-chosen id: a retry with the same id is counted once")
    talent_id: int = Field(ge=1, le=2**63 - 1)  # a record id: fits a BIGINT column
    opportunity_id: int = Field(ge=1, le=2**63 - 1)
    action: FeedbackAction = Field(description="shown, clicked or dismissed (applied, enrolled, interviewed and "
                                               "hired are the jobs service's application events)")
    actor_role: ActorRole
    position: int | None = Field(None, ge=1, le=1000, description="1-based rank in the list shown")
    score: float | None = Field(None, ge=-10.0, le=10.0, description="the match score shown")
    occurred_at: AwareDatetime | None = Field(None, description="when it happened (default: now)")

    @field_validator("action")
    @classmethod
    def _not_a_jobs_fact(cls, action: FeedbackAction) -> FeedbackAction:
        if action in JOBS_ACTIONS:
            raise ValueError(f"{action.value} comes from the jobs service (apply, enrol or move an application "
                             "there); feedback takes shown, clicked and dismissed")
        return action


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


class FiltersPublic(BaseModel):
    window: str  # as given, e.g. "24h" or "all"
    field: str | None
    city: str | None
    kind: str | None
    occupation: str | None


class Volumes(BaseModel):
    profiles: int
    profiles_open_to_work: int
    new_profiles: int  # first seen in the window
    opportunities: int
    open_opportunities: int
    new_opportunities: int
    opportunities_by_kind: dict[str, int]
    recommendations_served: int
    shortlists_served: int
    feedback_events: int
    feedback_by_action: dict[str, int]


class Quality(BaseModel):
    """The funnel over impressions (the distinct pairs with any feedback in the window); rates are null
    where nothing was shown."""

    impressions: int
    clicked: int
    applied_or_enrolled: int
    interviewed: int
    hired: int
    dismissed: int
    click_through_rate: float | None
    apply_rate: float | None
    hire_rate: float | None
    dismiss_rate: float | None
    precision_at_k: dict[str, float | None]  # by k ("5", "10")
    coverage: float | None  # share of talents served a match of at least coverage_threshold
    coverage_threshold: float
    talents_served: int
    served_matches: int
    median_score: float | None


class ClassFigures(BaseModel):
    id: int
    title: str
    city: str
    mode: str | None
    seats: int
    enrolled: int  # distinct talents, all time
    fill_rate: float | None
    hires: int


class ModeFigures(BaseModel):
    classes: int
    seats: int
    enrolled: int
    fill_rate: float | None


class Training(BaseModel):
    classes: int
    seats: int
    enrolled: int
    fill_rate: float | None
    enrolments_in_window: int
    by_mode: dict[str, ModeFigures]
    order_based_hires: int
    order_based_hires_in_window: int
    order_based_committed_hires: int
    per_class: list[ClassFigures]  # most seats first


class SupplyRow(BaseModel):
    name: str  # a digital field or a city
    talents: int
    opportunities: int
    positions: int
    talents_per_position: float | None


class OccupationSupply(BaseModel):
    code: str
    name: str
    field: str | None
    opportunities: int
    positions: int
    talents: int
    talents_in_field: int | None


class ScarceSkill(BaseModel):
    skill: str
    label: str
    field: str | None
    demand: int  # open opportunities asking it
    supply: int  # open-to-work talents holding it
    gap: float  # demand / (supply + 1)


class SupplyDemand(BaseModel):
    talents: int
    positions: int
    by_field: list[SupplyRow]
    by_city: list[SupplyRow]
    by_province: list[SupplyRow]
    by_occupation: list[OccupationSupply]
    scarce_skills: list[ScarceSkill]


class Figures(BaseModel):
    volumes: Volumes
    quality: Quality
    training: Training
    supply_demand: SupplyDemand


class FilterOptions(BaseModel):
    fields: list[str]
    cities: list[str]
    kinds: list[str]
    occupations: list[str]


class SamplesSummary(BaseModel):
    count: int
    p50: float | None
    p99: float | None


class ConsumerHealth(BaseModel):
    running: bool
    caught_up: bool
    broker_reachable: bool
    last_error: str | None


class CacheFigures(BaseModel):
    hits: int
    misses: int
    errors: int
    hit_ratio: float | None


class PipelineSummary(BaseModel):
    consumer: ConsumerHealth
    lag: dict[str, int]
    lag_total: int
    events_applied: int
    dead_lettered: int
    freshness_seconds: SamplesSummary
    cache: CacheFigures
    embedding_seconds: SamplesSummary
    search_seconds: SamplesSummary


class OperatorMetricsPublic(BaseModel):
    generated_at: str  # ISO 8601, UTC
    filters: FiltersPublic
    volumes: Volumes
    quality: Quality
    training: Training
    supply_demand: SupplyDemand
    pipeline: PipelineSummary
    options: FilterOptions
