"""HTTP routes of the jobs service (prefix ``/v1``); who may call what is in ``docs/security.md``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from services.jobs.deps import (
    AnyRole,
    Enterprise,
    EnterpriseOrOperator,
    ExpectedVersionDep,
    NeedReader,
    ServiceDep,
)
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

router = APIRouter(prefix="/v1", responses=error_responses(401, 403, 404, 409, 413, 429))
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


@router.post("/opportunities", status_code=status.HTTP_201_CREATED, response_model=OpportunityPublic,
             tags=["opportunities"])
def create_opportunity(body: OpportunityCreate, principal: Enterprise, service: ServiceDep,
                       response: Response) -> OpportunityPublic:
    """Publish a job posting, training class, incubator programme or industrial park (enterprises; yours).
    One that states a requirement the Employment Promotion Law bars is held for an operator (``review``)."""
    created = service.create(body, owner=principal)
    _etag(response, created.version)
    return created


@router.get("/opportunities", response_model=OpportunitiesPublic, tags=["opportunities"])
def list_opportunities(query: Annotated[OpportunityFilter, Query()], principal: AnyRole,
                       service: ServiceDep) -> OpportunitiesPublic:
    """List opportunities in id order, filtered by kind, city, training mode, organization and openness."""
    return service.search(query, viewer=principal)


@router.get("/opportunities/{opportunity_id}", response_model=OpportunityPublic, tags=["opportunities"])
def read_opportunity(opportunity_id: RecordId, principal: AnyRole, service: ServiceDep,
                     response: Response) -> OpportunityPublic:
    """Read one opportunity; its ETag is its version. A posting held for review is 404 except for its
    enterprise and operators, who see ``review``."""
    found = service.get(opportunity_id, viewer=principal)
    _etag(response, found.version)
    return found


@router.patch("/opportunities/{opportunity_id}", response_model=OpportunityPublic, tags=["opportunities"])
def update_opportunity(opportunity_id: RecordId, body: OpportunityUpdate, principal: Enterprise, service: ServiceDep,
                       version: ExpectedVersionDep, response: Response) -> OpportunityPublic:
    """Change some fields of your opportunity (409 if ``If-Match`` names another version)."""
    updated = service.update(opportunity_id, body, actor=principal, expected_version=version)
    _etag(response, updated.version)
    return updated


@router.delete("/opportunities/{opportunity_id}", status_code=status.HTTP_204_NO_CONTENT,
               tags=["opportunities"])
def delete_opportunity(opportunity_id: RecordId, principal: EnterpriseOrOperator, service: ServiceDep,
                       version: ExpectedVersionDep) -> None:
    """Delete your opportunity, or any as an operator (409 if ``If-Match`` names another version)."""
    service.delete(opportunity_id, actor=principal, expected_version=version)


@router.post("/training-needs", status_code=status.HTTP_201_CREATED, response_model=TrainingNeedCreated,
             tags=["training needs"])
def create_training_need(body: TrainingNeedCreate, principal: Enterprise, service: ServiceDep) -> TrainingNeedCreated:
    """Post your enterprise's training need; it opens a training class for enrolment at once."""
    return service.create_training_need(body, owner=principal)


@router.get("/training-needs/{need_id}", response_model=TrainingNeedPublic, tags=["training needs"])
def read_training_need(need_id: RecordId, principal: NeedReader, service: ServiceDep) -> TrainingNeedPublic:
    """Read a training need with the id of the class it opened (the posting enterprise, operators, services)."""
    return service.get_training_need(need_id, viewer=principal)
