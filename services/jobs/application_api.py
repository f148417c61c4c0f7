"""HTTP routes of applications and enrolments (prefix ``/v1``); who may call what is in ``docs/security.md``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials

from services.jobs.application_schemas import (
    ApplicationCreate,
    ApplicationFilter,
    ApplicationMove,
    ApplicationPublic,
    ApplicationsPublic,
    SeatsPublic,
)
from services.jobs.applications import ApplicationService
from services.jobs.deps import AnyRole, ExpectedVersionDep
from shared.auth import Principal, require_role
from shared.auth.web import bearer
from shared.web import error_responses

router = APIRouter(prefix="/v1", responses=error_responses(401, 403, 404, 409, 413, 429, 503),
                   tags=["applications"])
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]


async def get_applications(request: Request) -> ApplicationService:
    service: ApplicationService = request.app.state.applications
    return service


Applications = Annotated[ApplicationService, Depends(get_applications)]
Seeker = Annotated[Principal, Depends(require_role("seeker"))]
Party = Annotated[Principal, Depends(require_role("seeker", "enterprise"))]
Viewer = Annotated[Principal, Depends(require_role("seeker", "enterprise", "operator"))]
# The token the principal was read from (the same dependency, run once per request), forwarded to profiles.
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def _etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


@router.post("/opportunities/{opportunity_id}/applications", status_code=status.HTTP_201_CREATED,
             response_model=ApplicationPublic)
def apply(opportunity_id: RecordId, body: ApplicationCreate, principal: Seeker, service: Applications,
          credentials: Credentials, response: Response) -> ApplicationPublic:
    """Apply to a job posting, enrol in a training class (a full one puts you on its waiting list) or
    express interest in an incubator or park (seekers; once per opportunity; ``profile_id`` must be your own
    profile: 422 otherwise, 503 while profiles cannot tell)."""
    token = credentials.credentials if credentials is not None else ""
    created = service.apply(opportunity_id, body, actor=principal, token=token)
    _etag(response, created.version)
    return created


@router.get("/opportunities/{opportunity_id}/seats", response_model=SeatsPublic)
def read_seats(opportunity_id: RecordId, principal: AnyRole, service: Applications) -> SeatsPublic:
    """A training class's seats: enrolled, left and waiting."""
    return service.seats(opportunity_id, viewer=principal)


@router.get("/applications", response_model=ApplicationsPublic)
def list_applications(query: Annotated[ApplicationFilter, Query()], principal: Viewer,
                      service: Applications) -> ApplicationsPublic:
    """A seeker's own applications, an enterprise's applicants (its opportunities only), or all (operators)."""
    return service.search(query, viewer=principal)


@router.get("/applications/{application_id}", response_model=ApplicationPublic)
def read_application(application_id: RecordId, principal: Viewer, service: Applications,
                     response: Response) -> ApplicationPublic:
    """One application; its ETag is its version."""
    found = service.get(application_id, viewer=principal)
    _etag(response, found.version)
    return found


@router.patch("/applications/{application_id}", response_model=ApplicationPublic)
def move_application(application_id: RecordId, body: ApplicationMove, principal: Party, service: Applications,
                     version: ExpectedVersionDep, response: Response) -> ApplicationPublic:
    """Move an application (the owning enterprise: interviewing, offered, hired, rejected) or withdraw it
    (its seeker); 409 on an illegal move or when ``If-Match`` names another version."""
    moved = service.move(application_id, body, actor=principal, expected_version=version)
    _etag(response, moved.version)
    return moved
