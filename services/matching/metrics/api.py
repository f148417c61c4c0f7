"""HTTP routes: feedback (seekers about their profile, enterprises about their opportunities, services) and
the operator API (operator tokens only)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from sqlalchemy.exc import InterfaceError, OperationalError

from services.matching.deps import FeedbackWriter, Operator, RuntimeDep, ServiceDep
from services.matching.metrics.deps import MetricsDep
from services.matching.metrics.figures import compute_figures, options
from services.matching.metrics.filters import BadWindowError, Filters, parse_window
from services.matching.metrics.schemas import (
    FeedbackAccepted,
    FeedbackCreate,
    FeedbacksPublic,
    FiltersPublic,
    OperatorMetricsPublic,
    PipelineSummary,
)
from shared.background import utc_now
from shared.errors import ServiceUnavailableError, UnprocessableError
from shared.events.contracts import FeedbackRecordedV1
from shared.events.vocabulary import FeedbackAction, OpportunityKind
from shared.reference.cities import UnknownCityError, normalize_city
from shared.reference.occupations import occupation_by_code
from shared.web import error_responses

FUTURE_SLACK = timedelta(minutes=5)

ERROR = {"description": "", "content": {"application/json": {"schema": {"type": "object"}}}}
feedback_router = APIRouter(prefix="/v1", tags=["feedback"], responses={
    **error_responses(401, 403, 404, 413, 429),
    503: {**ERROR, "description": "matching's database is unavailable: retry with the same event_id"}})
operator_router = APIRouter(prefix="/v1/operator", tags=["operator"], responses=error_responses(401, 403, 429))

Text = Annotated[str | None, Query(max_length=60)]


@feedback_router.post("/feedback", status_code=status.HTTP_202_ACCEPTED, response_model=FeedbackAccepted)
def record_feedback(body: FeedbackCreate, principal: FeedbackWriter, service: ServiceDep,
                    metrics: MetricsDep) -> dict[str, Any]:
    """Record what a seeker (own profile) or an enterprise (own opportunity) did with a recommendation."""
    service.authorize_feedback(talent_id=body.talent_id, opportunity_id=body.opportunity_id,
                               actor_role=body.actor_role, principal=principal)
    now = utc_now()
    if body.occurred_at is not None and body.occurred_at > now + FUTURE_SLACK:
        raise UnprocessableError("occurred_at is in the future", field="occurred_at")
    event = FeedbackRecordedV1(**body.model_dump(exclude_none=True, exclude={"occurred_at"}),
                               occurred_at=body.occurred_at or now)
    try:
        accepted = metrics.publisher.publish(event)  # committed with its outbox message: durable before the 202
    except (ServiceUnavailableError, OperationalError, InterfaceError):  # the database: 503, retry
        metrics.pipeline.feedback_published.labels("refused").inc()
        raise
    metrics.pipeline.feedback_published.labels("acknowledged").inc()
    return accepted


def _filters(window: str, field: str | None, city: str | None, kind: OpportunityKind | None,
             occupation: str | None) -> Filters:
    try:
        span = parse_window(window)
    except BadWindowError as exc:
        raise UnprocessableError(str(exc), field="window") from exc
    try:
        city = normalize_city(city) if city else None
    except UnknownCityError as exc:
        raise UnprocessableError(str(exc), field="city") from exc
    if occupation and occupation not in occupation_by_code():
        raise UnprocessableError(f"unknown CSCO 2022 occupation code {occupation!r}", field="occupation")
    return Filters(window=span, field=field or None, city=city, kind=kind, occupation=occupation or None,
                   window_label=window.strip().lower())


@operator_router.get("/metrics", response_model=OperatorMetricsPublic)
def operator_metrics(principal: Operator, metrics: MetricsDep, runtime: RuntimeDep,
                     window: Annotated[str, Query(max_length=8)] = "24h", field: Text = None,
                     city: Text = None, kind: OpportunityKind | None = None,
                     occupation: Text = None) -> OperatorMetricsPublic:
    """Volumes, quality, training, supply and demand, pipeline health: figures for the filters."""
    filters = _filters(window, field, city, kind, occupation)
    now = utc_now()
    snapshot = metrics.figures.snapshot()
    since = filters.since(now)
    figures = compute_figures(snapshot, filters, now=now, coverage_threshold=metrics.settings.coverage_threshold)
    pipeline = metrics.pipeline.summary(consumer=runtime.consumer, cache=runtime.cache,
                                        since=since.timestamp() if since else None)
    return OperatorMetricsPublic(generated_at=now.isoformat(), filters=FiltersPublic(**filters.as_dict()),
                                 volumes=figures.volumes, quality=figures.quality, training=figures.training,
                                 supply_demand=figures.supply_demand,
                                 pipeline=PipelineSummary.model_validate(pipeline), options=options(snapshot))


@operator_router.get("/feedback", response_model=FeedbacksPublic)
def recent_feedback(principal: Operator, metrics: MetricsDep, limit: Annotated[int, Query(ge=1, le=500)] = 50,
                    action: FeedbackAction | None = None) -> dict[str, Any]:
    """The latest feedback consumed, newest first."""
    feedback = [f for f in metrics.figures.snapshot().feedback if action is None or f.action == action]
    newest = sorted(feedback, key=lambda f: f.occurred_at, reverse=True)[:limit]
    return {"total": len(feedback), "items": [asdict(f) for f in newest]}
