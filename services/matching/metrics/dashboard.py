"""The operator dashboard: one HTML page, its script and stylesheet, all served from this package.

The page and its assets carry no data, so they are served to anyone; the figures come from the operator
API, which needs an operator JWT. The script takes the token from the URL fragment (``#token=…``, never
sent to a server) or ``?token=`` once, or from its paste box, keeps it in ``sessionStorage`` (this tab
only), removes it from the address bar and sends it as ``Authorization: Bearer``.
``Referrer-Policy: no-referrer`` keeps a token in the URL from leaking; the Content-Security-Policy
allows this origin only: no CDN, no external font, no inline script.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import HTMLResponse, Response

router = APIRouter(prefix="/operator", tags=["operator"], include_in_schema=False)

ASSETS = {"dashboard.js": "text/javascript; charset=utf-8", "dashboard.css": "text/css; charset=utf-8",
          "charts.js": "text/javascript; charset=utf-8", "echarts.min.js": "text/javascript; charset=utf-8"}
ASSET_FILES = {"echarts.min.js": "vendor/echarts.min.js"}  # Apache ECharts, vendored (static/vendor/)
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
def dashboard() -> Response:
    """The operator dashboard page (no data in it: its script asks the operator API with the token)."""
    return HTMLResponse(_static("dashboard.html"), headers={**SECURITY_HEADERS, "Cache-Control": "no-store"})


@router.get("/assets/{name}")
def asset(name: str) -> Response:
    """The dashboard's script and stylesheet (no data in them: served without the token)."""
    if name not in ASSETS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no asset {name}")
    return Response(_static(ASSET_FILES.get(name, name)), media_type=ASSETS[name],
                    headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})
