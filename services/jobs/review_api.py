"""HTTP routes of the operator's review of held postings (prefix ``/v1``); who may call what is in
``docs/security.md``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from services.jobs.deps import ExpectedVersionDep
from services.jobs.review_schemas import ReviewDecision, ReviewFilter, ReviewsPublic
from services.jobs.reviews import ReviewService
from services.jobs.schemas import OpportunityPublic
from shared.auth import Principal, require_role
from shared.web import error_responses

router = APIRouter(prefix="/v1", responses=error_responses(401, 403, 404, 409, 413, 429), tags=["reviews"])
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]


async def get_reviews(request: Request) -> ReviewService:
    service: ReviewService = request.app.state.reviews
    return service


Reviews = Annotated[ReviewService, Depends(get_reviews)]
Operator = Annotated[Principal, Depends(require_role("operator"))]


@router.get("/admin/reviews", response_model=ReviewsPublic)
def list_reviews(query: Annotated[ReviewFilter, Query()], principal: Operator, service: Reviews) -> ReviewsPublic:
    """Postings the screen held (or those in another review status), with what it found (operators)."""
    return service.queue(query, viewer=principal)


@router.post("/opportunities/{opportunity_id}/review", response_model=OpportunityPublic)
def review_opportunity(opportunity_id: RecordId, body: ReviewDecision, principal: Operator, service: Reviews,
                       version: ExpectedVersionDep, response: Response) -> OpportunityPublic:
    """Approve (publish) or reject a held posting (operators; 409 if it is not held)."""
    decided = service.decide(opportunity_id, body, actor=principal, expected_version=version)
    response.headers["ETag"] = f'"{decided.version}"'
    return decided
