"""HTTP routes of the profiles service; who may call what is in ``docs/security.md``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from services.profiles.deps import (
    AnyRole,
    ExpectedVersionDep,
    OperatorOrService,
    Seeker,
    SeekerOrOperator,
    ServiceDep,
)
from services.profiles.schemas import (
    ProfileCard,
    ProfileCreate,
    ProfilePublic,
    ProfileQuery,
    ProfilesPublic,
    ProfileUpdate,
)
from shared.web import error_responses

router = APIRouter(prefix="/v1/profiles", tags=["profiles"],
                   responses=error_responses(401, 403, 404, 409, 413, 429))

ProfileId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _etag(profile: ProfilePublic | ProfileCard) -> str:
    return f'"{profile.version}"'


@router.post("", status_code=201)
def create_profile(body: ProfileCreate, principal: Seeker, service: ServiceDep, response: Response) -> ProfilePublic:
    """Create the calling seeker's profile at version 1 (one per account: 409 for a second)."""
    profile = service.create(body, owner=principal)
    response.headers["Location"] = f"{router.prefix}/{profile.id}"
    response.headers["ETag"] = _etag(profile)
    return profile


@router.get("")
def list_profiles(query: Annotated[ProfileQuery, Query()], principal: OperatorOrService,
                  service: ServiceDep) -> ProfilesPublic:
    """List profiles in id order, filtered by city, skill, wanted kind and availability (operators, services).

    Operators get whole profiles; services get cards without contact fields.
    """
    return service.list(query, viewer=principal)


@router.get("/{profile_id}")
def get_profile(profile_id: ProfileId, principal: AnyRole, service: ServiceDep,
                response: Response) -> ProfilePublic | ProfileCard:
    """Read one profile; its ETag is the version to send back in If-Match.

    Its owner and operators get the whole profile (`ProfilePublic`, with contact fields); services, and
    enterprises for a profile open to work, get a `ProfileCard` without contact fields.
    """
    profile = service.get(profile_id, viewer=principal)
    response.headers["ETag"] = _etag(profile)
    return profile


@router.patch("/{profile_id}")
def update_profile(profile_id: ProfileId, body: ProfileUpdate, principal: Seeker, service: ServiceDep,
                   expected_version: ExpectedVersionDep, response: Response) -> ProfilePublic:
    """Change the fields sent of your profile; with If-Match, only if it is still at that version (else 409)."""
    profile = service.update(profile_id, body, actor=principal, expected_version=expected_version)
    response.headers["ETag"] = _etag(profile)
    return profile


@router.delete("/{profile_id}", status_code=204)
def delete_profile(profile_id: ProfileId, principal: SeekerOrOperator, service: ServiceDep,
                   expected_version: ExpectedVersionDep) -> None:
    """Delete your profile (or, as an operator, erase one on request); with If-Match, only at that version."""
    service.delete(profile_id, actor=principal, expected_version=expected_version)
