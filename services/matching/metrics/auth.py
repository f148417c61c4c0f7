"""Operator access until real authentication exists: one bearer token from the settings.

``MATCHING_OPERATOR_TOKEN`` unset means a random token per process, logged once at startup, so a
local stack works without configuration; production sets it (a Secret). The comparison is
constant-time. ``/metrics`` is not behind it: Prometheus scrapes aggregate counters only.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.matching.settings import MatchingSettings

log = logging.getLogger(__name__)

bearer = HTTPBearer(auto_error=False, description="MATCHING_OPERATOR_TOKEN")


def operator_token(settings: MatchingSettings) -> str:
    token = settings.operator_token.get_secret_value()
    if token:
        return token
    token = secrets.token_urlsafe(24)
    log.warning("MATCHING_OPERATOR_TOKEN is not set: operators of this process use the generated token %s "
                "(set the variable in production)", token)
    return token


def token_matches(request: Request, presented: str | None) -> bool:
    expected: str = request.app.state.operator_token
    return presented is not None and hmac.compare_digest(presented.encode(), expected.encode())


def require_operator(request: Request,
                     credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
    """401 unless the request carries ``Authorization: Bearer <operator token>``."""
    if credentials is None or not token_matches(request, credentials.credentials):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="operator bearer token required",
                            headers={"WWW-Authenticate": "Bearer"})


Operator = Depends(require_operator)
