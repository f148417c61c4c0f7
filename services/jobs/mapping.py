"""Conversions between API models, table rows and the event snapshot, each written once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from services.jobs.models import Opportunity, ReviewMixin, TrainingNeed
from services.jobs.schemas import (
    CREATE_MODELS,
    OpportunityBase,
    OpportunityCreate,
    OpportunityPublic,
    ReviewPublic,
    TrainingNeedPublic,
)
from shared.errors import UnprocessableError
from shared.events.contracts import OpportunitySnapshot
from shared.events.vocabulary import OpportunityKind, SkillLevel, TrainingMode

CREATE_ADAPTER: TypeAdapter[OpportunityCreate] = TypeAdapter(OpportunityCreate)
PUBLIC_ADAPTER: TypeAdapter[OpportunityPublic] = TypeAdapter(OpportunityPublic)
COMMON_FIELDS = frozenset(OpportunityBase.model_fields)
KIND_FIELDS: dict[OpportunityKind, frozenset[str]] = {
    kind: frozenset(model.model_fields) - COMMON_FIELDS - {"kind"} for kind, model in CREATE_MODELS.items()
}
_KIND_VALUES = frozenset(k.value for k in OpportunityKind)


def unprocessable(exc: ValidationError) -> UnprocessableError:
    """The first validation error as a domain error naming its field (without the union's tag)."""
    error = exc.errors()[0]
    loc = [str(part) for part in error["loc"]]
    if len(loc) > 1 and loc[0] in _KIND_VALUES:
        loc = loc[1:]
    path = ".".join(loc) or "body"
    return UnprocessableError(f"{path}: {error['msg']}", field=loc[0] if loc else None)


def validate_opportunity(data: dict[str, Any]) -> OpportunityCreate:
    try:
        return CREATE_ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise unprocessable(exc) from exc


def columns_of(data: OpportunityCreate) -> dict[str, Any]:
    """Table columns of a validated opportunity; the kind's own fields go, JSON-safe, to ``attributes``."""
    return {
        **data.model_dump(include=set(COMMON_FIELDS)),
        "kind": data.kind.value,
        "level": data.level.value if data.level else None,
        "attributes": data.model_dump(mode="json", include=set(KIND_FIELDS[data.kind])),
    }


def stored_fields(row: Opportunity) -> dict[str, Any]:
    """The row as the create model's input (kind, common fields and kind-specific ones)."""
    return {
        "kind": row.kind,
        "title": row.title,
        "organization": row.organization,
        "city": row.city,
        "description": row.description,
        "skills": list(row.skills),
        "level": row.level,
        "closes_on": row.closes_on,
        "open": row.open,
        **row.attributes,
    }


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def review_of(row: ReviewMixin) -> ReviewPublic:
    return ReviewPublic.model_validate({
        "status": row.review_status, "flags": row.review_flags or [], "note": row.review_note,
        "reviewed_by": row.reviewed_by, "reviewed_at": as_utc(row.reviewed_at) if row.reviewed_at else None,
    })


def public_of(row: Opportunity, *, with_review: bool = False) -> OpportunityPublic:
    """The API view; ``with_review`` for the posting enterprise and operators only."""
    return PUBLIC_ADAPTER.validate_python({
        **stored_fields(row),
        "id": row.id,
        "version": row.version,
        "owner": row.owner,
        "created_at": as_utc(row.created_at),
        "updated_at": as_utc(row.updated_at),
        "review": review_of(row) if with_review else None,
    })


def snapshot_of(row: Opportunity) -> OpportunitySnapshot:
    """The matching-relevant view carried by ``opportunity.upserted`` events."""
    details = dict(row.attributes)
    return OpportunitySnapshot(
        kind=OpportunityKind(row.kind),
        title=row.title,
        organization=row.organization,
        city=row.city,
        description=row.description,
        skills=list(row.skills),
        level=SkillLevel(row.level) if row.level else None,
        training_mode=details.get("training_mode"),
        hiring_commitment=bool(details.get("hiring_commitment", False)),
        seats=details.get("seats"),
        open=row.open,
        closes_on=row.closes_on,
        details=details,
    )


def need_public_of(row: TrainingNeed, *, with_review: bool = False) -> TrainingNeedPublic:
    return TrainingNeedPublic(
        id=row.id,
        owner=row.owner,
        enterprise=row.enterprise,
        title=row.title,
        skills=list(row.skills),
        headcount=row.headcount,
        city=row.city,
        deadline=row.deadline,
        description=row.description,
        target_occupations=list(row.target_occupations),
        training_mode=TrainingMode(row.training_mode),
        status=row.status,
        training_class_id=row.training_class_id,
        created_at=as_utc(row.created_at),
        review=review_of(row) if with_review else None,
    )
