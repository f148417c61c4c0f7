"""Typed dependencies that hand out what the lifespan created, and who is calling."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from services.profiles.service import ProfileService
from shared.auth import CurrentPrincipal, Principal, require_role

IF_MATCH_PATTERN = r'^(\*|"?[0-9]{1,18}"?)$'


async def get_service(request: Request) -> ProfileService:
    service: ProfileService = request.app.state.service
    return service


async def get_expected_version(
    if_match: Annotated[str | None, Header(pattern=IF_MATCH_PATTERN,
                                           description='The version you read, e.g. `3` or `"3"`')] = None,
) -> int | None:
    """The version named in ``If-Match``; ``None`` when absent or ``*`` (any version)."""
    if if_match is None or if_match == "*":
        return None
    return int(if_match.strip('"'))


ServiceDep = Annotated[ProfileService, Depends(get_service)]
ExpectedVersionDep = Annotated[int | None, Depends(get_expected_version)]
AnyRole = CurrentPrincipal
Seeker = Annotated[Principal, Depends(require_role("seeker"))]
SeekerOrOperator = Annotated[Principal, Depends(require_role("seeker", "operator"))]
OperatorOrService = Annotated[Principal, Depends(require_role("operator", "service"))]
