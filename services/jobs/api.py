"""HTTP routes of the jobs service (prefix ``/v1``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from services.jobs.deps import ExpectedVersionDep, ServiceDep
from services.jobs.schemas import (
    OpportunitiesPublic,
    OpportunityCreate,
    OpportunityFilter,
    OpportunityPublic,
    OpportunityUpdate,
    TrainingNeedCreate,
    TrainingNeedCreated,
    TrainingNeedPublic,
)
from shared.web import error_responses

router = APIRouter(prefix="/v1", responses=error_responses(404, 409, 413))
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


@router.post("/opportunities", status_code=status.HTTP_201_CREATED, response_model=OpportunityPublic,
             tags=["opportunities"])
def create_opportunity(body: OpportunityCreate, service: ServiceDep, response: Response) -> OpportunityPublic:
    """Publish a job posting, training class, incubator programme or industrial park."""
    created = service.create(body)
    _etag(response, created.version)
    return created


@router.get("/opportunities", response_model=OpportunitiesPublic, tags=["opportunities"])
def list_opportunities(query: Annotated[OpportunityFilter, Query()],
                       service: ServiceDep) -> OpportunitiesPublic:
    """List opportunities in id order, filtered by kind, city, training mode, organization and openness."""
    return service.search(query)


@router.get("/opportunities/{opportunity_id}", response_model=OpportunityPublic, tags=["opportunities"])
def read_opportunity(opportunity_id: RecordId, service: ServiceDep, response: Response) -> OpportunityPublic:
    """Read one opportunity; its ETag is its version."""
    found = service.get(opportunity_id)
    _etag(response, found.version)
    return found


@router.patch("/opportunities/{opportunity_id}", response_model=OpportunityPublic, tags=["opportunities"])
def update_opportunity(opportunity_id: RecordId, body: OpportunityUpdate, service: ServiceDep,
                       version: ExpectedVersionDep, response: Response) -> OpportunityPublic:
    """Change some fields of an opportunity (409 if ``If-Match`` names another version)."""
    updated = service.update(opportunity_id, body, expected_version=version)
    _etag(response, updated.version)
    return updated


@router.delete("/opportunities/{opportunity_id}", status_code=status.HTTP_204_NO_CONTENT,
               tags=["opportunities"])
def delete_opportunity(opportunity_id: RecordId, service: ServiceDep, version: ExpectedVersionDep) -> None:
    """Delete an opportunity (409 if ``If-Match`` names another version)."""
    service.delete(opportunity_id, expected_version=version)


@router.post("/training-needs", status_code=status.HTTP_201_CREATED, response_model=TrainingNeedCreated,
             tags=["training needs"])
def create_training_need(body: TrainingNeedCreate, service: ServiceDep) -> TrainingNeedCreated:
    """Post an enterprise's training need; it opens a training class for enrolment at once."""
    return service.create_training_need(body)


@router.get("/training-needs/{need_id}", response_model=TrainingNeedPublic, tags=["training needs"])
def read_training_need(need_id: RecordId, service: ServiceDep) -> TrainingNeedPublic:
    """Read a training need with the id of the class it opened."""
    return service.get_training_need(need_id)


admin_router = APIRouter(prefix="/v1/admin", tags=["admin"], responses=error_responses(503))


@admin_router.post("/republish", status_code=status.HTTP_202_ACCEPTED)
def republish_opportunities(service: ServiceDep) -> dict[str, int]:
    """Re-publish every opportunity's current version (after the broker lost its log); replays are harmless."""
    return {"enqueued": service.republish()}
