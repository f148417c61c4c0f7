"""The portal app: ``uvicorn services.portal.main:create_app --factory``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.portal.clients import Backends
from services.portal.deps import LoginRequired
from services.portal.forms import validation_errors
from services.portal.invitations import InvitationService
from services.portal.notifier.consumer import Notifier
from services.portal.notifier.invitation_notices import invitation_notices
from services.portal.notifier.senders import make_sender
from services.portal.notifier.service import NotificationService
from services.portal.pages import (
    account,
    applications,
    auth,
    enterprise,
    invitations,
    notifications,
    operator,
    seeker,
)
from services.portal.reset_delivery import make_reset_delivery
from services.portal.service import AccountService, Throttle
from services.portal.settings import PortalSettings
from services.portal.web import PageBodyLimit, PortalMiddleware, check_csrf, clear_session, login_url, render
from shared.crypto import ContactCipher
from shared.db import make_engine, make_session_factory
from shared.errors import DomainError
from shared.metrics import install_metrics
from shared.migrations import check_at_head
from shared.tracing import instrument_app, instrument_engine
from shared.web import install_body_limit, install_health

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
PAGE_ROUTERS = (auth.router, account.router, operator.router, seeker.router, enterprise.router,
                applications.router, invitations.router, notifications.router)


def create_app(settings: PortalSettings | None = None, *, backends: Backends | None = None) -> FastAPI:
    """Build the app; the database and the clients of the other services come up in its lifespan."""
    settings = settings or PortalSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        instrument_engine(engine)
        check_at_head(engine, "services.portal")  # refuses a database this release has not migrated
        app.state.accounts = AccountService(
            session_factory=make_session_factory(engine), secret=settings.auth_secret.get_secret_value(),
            session_ttl_seconds=settings.session_ttl_seconds,
            throttle=Throttle(max_failures=settings.login_max_failures,
                              window=timedelta(seconds=settings.login_window_seconds)),
            reset_ttl=timedelta(seconds=settings.reset_code_ttl_seconds))
        app.state.nav_badges = lambda user: _nav_badges(app, user)
        owned = backends is None
        app.state.backends = backends or Backends.connect(
            profiles_url=settings.profiles_url, jobs_url=settings.jobs_url, matching_url=settings.matching_url,
            timeout=settings.backend_timeout_seconds)
        app.state.notifications = NotificationService(session_factory=make_session_factory(engine),
                                                      default_threshold=settings.notify_default_threshold)
        app.state.unread_notifications = app.state.notifications.unread_count  # the header's badge
        sender = make_sender(settings)
        app.state.invitations = InvitationService(
            session_factory=make_session_factory(engine),
            cipher=ContactCipher(settings.contact_encryption_key.get_secret_value()),
            notify=invitation_notices(app.state.notifications, sender))
        if encrypted := app.state.invitations.encrypt_stored_contacts():
            log.warning("encrypted the released contact of %d invitations stored in clear", encrypted)
        app.state.reset_delivery = make_reset_delivery(settings)
        notifier: Notifier | None = None
        if settings.kafka_bootstrap_servers:  # no broker configured: no notices computed from the topics
            notifier = Notifier(settings=settings, service=app.state.notifications,
                                matching=app.state.backends.matching, sender=sender)
            notifier.start()
        app.state.notifier = notifier

        def readiness() -> tuple[bool, dict[str, Any]]:
            try:
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
            except Exception as exc:  # any failure means not ready
                return False, {"database": f"unavailable: {type(exc).__name__}"}
            # The pages work without the notifier: its state is reported, not a reason to refuse traffic.
            notices = "off" if notifier is None else notifier.failure or notifier.last_error or "running"
            return True, {"database": "ok", "notifier": notices}

        app.state.readiness = readiness
        try:
            yield
        finally:
            if notifier is not None:
                notifier.stop()  # closes the sender too
            else:
                sender.close()
            app.state.reset_delivery.close()
            if owned:
                app.state.backends.close()
            engine.dispose()

    app = FastAPI(title="Digital Talent Match: portal", version="1.0.0", lifespan=lifespan,
                  dependencies=[Depends(check_csrf)], docs_url=None, redoc_url=None, openapi_url=None,
                  description="Web pages for job seekers, enterprises and operators.")
    app.state.settings = settings
    _install_page_errors(app)
    install_body_limit(app, max_bytes=settings.max_request_bytes)
    install_metrics(app, service="portal")
    instrument_app(app, service="portal")
    app.add_middleware(PageBodyLimit, max_bytes=settings.max_request_bytes)  # inside PortalMiddleware: its state
    app.add_middleware(PortalMiddleware, secure_cookies=settings.secure_cookies)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in PAGE_ROUTERS:
        app.include_router(router)
    install_health(app, ready=lambda: app.state.readiness())
    return app


def _nav_badges(app: FastAPI, user: Any) -> dict[str, int]:
    """Counts shown in the navigation: a seeker's unanswered invitations."""
    if user.kind != "seeker":
        return {}
    return {"invitations": app.state.invitations.unanswered(user.account.profile_id)}


def _install_page_errors(app: FastAPI) -> None:
    """Errors as pages: a lost session goes to sign-in and back, anything else names its reason."""

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        target = login_url(request, expired=exc.expired)
        if request.headers.get("HX-Request"):
            response: Response = Response(status_code=204, headers={"HX-Redirect": target})
        else:
            response = RedirectResponse(target, status_code=303)
        clear_session(response)
        return response

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        if exc.status_code == 401:  # a service refused the token: the session is over
            return await _login(request, LoginRequired(exc.message, expired=True))
        response = render(request, "error.html", {"status_code": exc.status_code, "reason": exc.message},
                          status_code=exc.status_code)
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        reasons = "; ".join(f"{name}: {why}" if name else why
                            for name, why in validation_errors(exc).items())  # type: ignore[arg-type]
        return render(request, "error.html", {"status_code": 422, "reason": reasons}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return render(request, "error.html", {"status_code": exc.status_code, "reason": str(exc.detail)},
                      status_code=exc.status_code)
