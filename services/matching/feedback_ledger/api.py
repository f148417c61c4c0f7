"""``POST /v1/admin/republish`` on matching: every accepted feedback event goes to the broker again."""

from __future__ import annotations

from fastapi import APIRouter, status

from services.matching.deps import OperatorOrService
from services.matching.metrics.deps import MetricsDep
from shared.web import error_responses

admin_router = APIRouter(prefix="/v1/admin", tags=["admin"], responses=error_responses(401, 403, 429))


@admin_router.post("/republish", status_code=status.HTTP_202_ACCEPTED)
def republish_feedback(principal: OperatorOrService, metrics: MetricsDep) -> dict[str, int]:
    """Queue every accepted feedback event for the broker again (after it lost its log); replays count once."""
    return {"enqueued": metrics.publisher.republish()}
