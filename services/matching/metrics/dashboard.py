"""The operator dashboard: one HTML page, its script and stylesheet, all served from this package.

Without the operator token the page answers 401 and shows its login form (the same document: the
script keeps the token in ``sessionStorage`` and sends it as ``Authorization: Bearer`` to the operator
API, so a reload needs no token in the URL). ``?token=`` is accepted once and removed from the
address bar; ``Referrer-Policy: no-referrer`` keeps it from leaking. The Content-Security-Policy
allows this origin only: no CDN, no external font, no inline script.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, Response
from fastapi.security import HTTPAuthorizationCredentials

from services.matching.metrics.auth import bearer, token_matches

router = APIRouter(prefix="/operator", tags=["operator"], include_in_schema=False)

ASSETS = {"dashboard.js": "text/javascript; charset=utf-8", "dashboard.css": "text/css; charset=utf-8"}
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                                "form-action 'self'"),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


@cache
def _static(name: str) -> bytes:
    return files("services.matching.metrics").joinpath("static", name).read_bytes()


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request,
              credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
              token: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    """The operator dashboard (401 with its login form until a valid token is presented)."""
    presented = credentials.credentials if credentials is not None else token
    allowed = token_matches(request, presented)
    headers = {**SECURITY_HEADERS, "Cache-Control": "no-store"}
    if not allowed:
        headers["WWW-Authenticate"] = "Bearer"
    return HTMLResponse(_static("dashboard.html"), headers=headers,
                        status_code=status.HTTP_200_OK if allowed else status.HTTP_401_UNAUTHORIZED)


@router.get("/assets/{name}")
def asset(name: str) -> Response:
    """The dashboard's script and stylesheet (no data in them: served without the token)."""
    if name not in ASSETS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no asset {name}")
    return Response(_static(name), media_type=ASSETS[name],
                    headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})
