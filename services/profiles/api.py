"""HTTP routes of the profiles service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from services.profiles.deps import ExpectedVersionDep, ServiceDep
from services.profiles.schemas import (
    ProfileCreate,
    ProfilePublic,
    ProfileQuery,
    ProfilesPublic,
    ProfileUpdate,
)
from shared.web import error_responses

router = APIRouter(prefix="/v1/profiles", tags=["profiles"], responses=error_responses(404, 409, 413))

ProfileId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _etag(profile: ProfilePublic) -> str:
    return f'"{profile.version}"'


@router.post("", status_code=201)
def create_profile(body: ProfileCreate, service: ServiceDep, response: Response) -> ProfilePublic:
    """Create a talent profile at version 1."""
    profile = service.create(body)
    response.headers["Location"] = f"{router.prefix}/{profile.id}"
    response.headers["ETag"] = _etag(profile)
    return profile


@router.get("")
def list_profiles(query: Annotated[ProfileQuery, Query()], service: ServiceDep) -> ProfilesPublic:
    """List profiles in id order, filtered by city, skill, wanted opportunity kind and availability."""
    return service.list(query)


@router.get("/{profile_id}")
def get_profile(profile_id: ProfileId, service: ServiceDep, response: Response) -> ProfilePublic:
    """Read one profile; its ETag is the version to send back in If-Match."""
    profile = service.get(profile_id)
    response.headers["ETag"] = _etag(profile)
    return profile


@router.patch("/{profile_id}")
def update_profile(profile_id: ProfileId, body: ProfileUpdate, service: ServiceDep,
                   expected_version: ExpectedVersionDep, response: Response) -> ProfilePublic:
    """Change the fields sent; with If-Match, only if the profile is still at that version (else 409)."""
    profile = service.update(profile_id, body, expected_version=expected_version)
    response.headers["ETag"] = _etag(profile)
    return profile


@router.delete("/{profile_id}", status_code=204)
def delete_profile(profile_id: ProfileId, service: ServiceDep, expected_version: ExpectedVersionDep) -> None:
    """Delete a profile; with If-Match, only if it is still at that version (else 409)."""
    service.delete(profile_id, expected_version=expected_version)


admin_router = APIRouter(prefix="/v1/admin", tags=["admin"], responses=error_responses(503))


@admin_router.post("/republish", status_code=202)
def republish_profiles(service: ServiceDep) -> dict[str, int]:
    """Re-publish every profile's current version (after the broker lost its log); replays are harmless."""
    return {"enqueued": service.republish()}
