"""Typed dependencies that hand the lifespan's objects to the routes, and who is calling."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.exceptions import RequestValidationError

from services.jobs.service import OpportunityService
from shared.auth import CurrentPrincipal, Principal, require_role


async def get_service(request: Request) -> OpportunityService:
    service: OpportunityService = request.app.state.service
    return service


async def expected_version(if_match: Annotated[str | None, Header()] = None) -> int | None:
    """The version named by ``If-Match`` (``3``, ``"3"`` or ``W/"3"``); absent or ``*`` means any."""
    if if_match is None or if_match.strip() == "*":
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise RequestValidationError([{
            "type": "value_error", "loc": ("header", "if-match"), "input": if_match,
            "msg": "If-Match must be the record's version, e.g. \"3\"",
        }])
    return int(text)


ServiceDep = Annotated[OpportunityService, Depends(get_service)]
ExpectedVersionDep = Annotated[int | None, Depends(expected_version)]
AnyRole = CurrentPrincipal
Enterprise = Annotated[Principal, Depends(require_role("enterprise"))]
EnterpriseOrOperator = Annotated[Principal, Depends(require_role("enterprise", "operator"))]
NeedReader = Annotated[Principal, Depends(require_role("enterprise", "operator", "service"))]
