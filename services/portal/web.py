"""The portal's web plumbing: language, CSRF, session cookies, security headers and page rendering."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import Headers
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.types import ASGIApp, Receive, Scope, Send

from services.portal.i18n import FIELD_LABELS, LANGUAGES, MESSAGES, translator
from services.portal.review import flagged_phrases, highlight
from shared.errors import ForbiddenError

SESSION_COOKIE = "tm_session"
CSRF_COOKIE = "tm_csrf"
LANG_COOKIE = "tm_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SECURITY_HEADERS = {
    # Only this origin: every script and style is served by the portal itself, none inline.
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                                "form-action 'self'"),
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["highlight"] = highlight
templates.env.globals["flagged_phrases"] = flagged_phrases


class PortalMiddleware(BaseHTTPMiddleware):
    """Picks the language (``?lang=`` then cookie, default zh-CN), hands out the CSRF cookie, adds headers."""

    def __init__(self, app: Any, *, secure_cookies: bool) -> None:
        super().__init__(app)
        self.secure = secure_cookies

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        asked = request.query_params.get("lang")
        lang = asked if asked in LANGUAGES else request.cookies.get(LANG_COOKIE)
        request.state.lang = lang if lang in LANGUAGES else "zh"
        csrf = request.cookies.get(CSRF_COOKIE)
        fresh = not csrf or len(csrf) < 32
        request.state.csrf = secrets.token_urlsafe(32) if fresh else csrf
        response = await call_next(request)
        refreshed: str | None = getattr(request.state, "refreshed_session", None)
        if refreshed is not None:
            set_session(response, refreshed, ttl_seconds=request.state.session_ttl, secure=self.secure)
        if fresh:
            response.set_cookie(CSRF_COOKIE, request.state.csrf, httponly=True, samesite="strict",
                                secure=self.secure, path="/")
        if asked in LANGUAGES:
            response.set_cookie(LANG_COOKIE, asked, max_age=365 * 86400, samesite="lax", secure=self.secure, path="/")
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Cache-Control", "no-store")
        return response


class PageBodyLimit:
    """A body declared over ``max_bytes`` gets a page saying so (413) before it is read; browsers declare the
    length of every form they send. Bodies without a length meet ``shared.web``'s limit further in."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        length = Headers(scope=scope).get("content-length", "") if scope["type"] == "http" else ""
        if length.isdigit() and int(length) > self.max_bytes:
            limit = f"{self.max_bytes // 1024} KB"
            reason = (f"the upload is over the limit of {limit}" if "/seeker/resume" in scope.get("path", "")
                      else f"the request is over the limit of {limit}")
            response = render(Request(scope), "error.html", {"status_code": 413, "reason": reason}, status_code=413)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def check_csrf(request: Request) -> None:
    """Every unsafe request must echo the CSRF cookie in its form field or header (double submit)."""
    if request.method not in UNSAFE_METHODS:
        return
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and request.headers.get("content-type", "").startswith(("multipart/form-data",
                                                                        "application/x-www-form-urlencoded")):
        form = await request.form()  # parsed once; the route reads the same parsed form
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else ""
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise ForbiddenError("the form's security token is missing or stale: reload the page and send it again",
                             field=CSRF_FIELD)


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else the home page (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def login_url(request: Request, *, expired: bool) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":  # after signing in, go back to the page that held the form
        referer = urlsplit(request.headers.get("referer", "/"))
        here = referer.path + (f"?{referer.query}" if referer.query else "")
    return f"/login?next={quote(safe_next(here), safe='')}" + ("&expired=1" if expired else "")


def set_session(response: Response, token: str, *, ttl_seconds: int, secure: bool) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=ttl_seconds, httponly=True, samesite="lax", secure=secure,
                        path="/")


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


# The notices a redirect may ask a page to show (``?msg=saved``); anything else is ignored.
NOTICES = frozenset({"saved", "registered_pending", "reset_done", "pending", "held", "invitation_sent",
                     "invitation_accepted"})


def _notice(key: str | None) -> str | None:
    return key if key in NOTICES and key in MESSAGES else None


def _unread(request: Request, user: Any) -> int:
    """The signed-in seeker's unread notifications, for the header's badge (0 when unknown)."""
    counter = getattr(request.app.state, "unread_notifications", None)
    if user is None or user.kind != "seeker" or counter is None:
        return 0
    try:
        return int(counter(user.account.id))
    except SQLAlchemyError:  # an error page is rendered even when the database is what failed
        return 0


def render(request: Request, name: str, context: dict[str, Any] | None = None, *,
           status_code: int = 200) -> Response:
    """A page rendered with the language, the CSRF token and the signed-in user in its context."""
    lang: str = request.state.lang
    t = translator(lang)
    user = getattr(request.state, "user", None)
    badges = getattr(request.app.state, "nav_badges", None)  # set by the app: counts for the navigation

    def label(name: str) -> str:
        return t(FIELD_LABELS.get(name) or name)

    user = getattr(request.state, "user", None)
    base = {"lang": lang, "t": t, "label": label, "csrf_token": request.state.csrf,
            "user": user, "nav_badges": badges(user) if user is not None and badges is not None else {},
            "path": request.url.path, "errors": {}, "form": {},
            "message_key": _notice(request.query_params.get("msg")), "unread": _unread(request, user)}
    return templates.TemplateResponse(request, name, {**base, **(context or {})}, status_code=status_code)

