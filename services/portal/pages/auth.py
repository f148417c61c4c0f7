"""Sign-in, registration, sign-out and password reset."""

from __future__ import annotations

from datetime import UTC, datetime

import jwt
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.background import BackgroundTask

from services.portal.deps import AccountsDep, MaybeUser, ResetDeliveryDep, SettingsDep
from services.portal.forms import checked, domain_errors, form_values, validation_errors
from services.portal.schemas import EnterpriseRegistration, PasswordReset, SeekerRegistration, normalize_login
from services.portal.web import SESSION_COOKIE, clear_session, render, safe_next, set_session
from shared.errors import DomainError

router = APIRouter(include_in_schema=False)

HOME_OF_KIND = {"seeker": "/seeker/recommendations", "enterprise": "/enterprise", "operator": "/operator/enterprises"}


@router.get("/")
def home(request: Request, user: MaybeUser) -> Response:
    """The landing page; a signed-in user goes to their own start page."""
    if user is not None:
        return RedirectResponse(HOME_OF_KIND[user.kind], status_code=303)
    return render(request, "home.html")


@router.get("/privacy")
def privacy(request: Request, user: MaybeUser) -> Response:
    """The stated purposes of processing."""
    return render(request, "privacy.html")


@router.get("/login")
def login_page(request: Request, next: str = "/", expired: bool = False) -> Response:
    """The sign-in form; ``next`` is where to go afterwards."""
    return render(request, "login.html", {"next": safe_next(next), "expired": expired})


@router.post("/login")
async def login(request: Request, accounts: AccountsDep, settings: SettingsDep) -> Response:
    """Check the password (throttled), set the session cookie, go on to ``next``."""
    values = await form_values(request)
    target = safe_next(values.get("next"))
    context = {"next": target, "form": {"login": values.get("login", "")}}
    try:
        login_name = normalize_login(str(values.get("login", "")))
        account = accounts.authenticate(login=login_name, password=str(values.get("password", "")),
                                        client=request.client.host if request.client else "unknown")
    except ValueError as exc:
        return render(request, "login.html", {**context, "errors": {"login": str(exc)}}, status_code=422)
    except DomainError as exc:
        page = render(request, "login.html", {**context, "errors": {exc.field or "password": exc.message}},
                      status_code=exc.status_code)
        page.headers.update(exc.headers)
        return page
    if target == "/":
        target = HOME_OF_KIND[account.kind]
    response = RedirectResponse(target, status_code=303)
    set_session(response, accounts.token_for(account), ttl_seconds=settings.session_ttl_seconds,
                secure=settings.secure_cookies)
    return response


@router.post("/logout")
def logout(request: Request, user: MaybeUser, accounts: AccountsDep) -> Response:
    """End the session: the portal refuses its token from now on, not only its cookie."""
    if user is not None:  # the cookie's token verified; the one just refreshed from it too, if any
        for token in {request.cookies.get(SESSION_COOKIE) or user.token, user.token}:
            claims = jwt.decode(token, options={"verify_signature": False})
            if claims.get("jti"):
                accounts.sign_out(session_id=str(claims["jti"]),
                                  expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC))
    response = RedirectResponse("/", status_code=303)
    clear_session(response)
    return response


@router.get("/register")
def register_page(request: Request) -> Response:
    """The job seeker registration form."""
    return render(request, "register.html", {"enterprise": False})


@router.get("/register/enterprise")
def register_enterprise_page(request: Request) -> Response:
    """The enterprise registration form (the account is pending until an operator approves it)."""
    return render(request, "register.html", {"enterprise": True})


@router.post("/register")
async def register(request: Request, accounts: AccountsDep, settings: SettingsDep) -> Response:
    """Create a seeker account and sign it in."""
    return await _register(request, accounts, settings, enterprise=False)


@router.post("/register/enterprise")
async def register_enterprise(request: Request, accounts: AccountsDep, settings: SettingsDep) -> Response:
    """Create an enterprise account, pending approval, and sign it in."""
    return await _register(request, accounts, settings, enterprise=True)


async def _register(request: Request, accounts: AccountsDep, settings: SettingsDep, *, enterprise: bool) -> Response:
    values = await form_values(request)
    values["consent_account"] = checked(values, "consent_account")
    values["consent_matching"] = checked(values, "consent_matching")
    shown = {k: v for k, v in values.items() if k != "password"}
    try:
        if enterprise:
            account = accounts.register_enterprise(EnterpriseRegistration.model_validate(values))
        else:
            account = accounts.register_seeker(SeekerRegistration.model_validate(values))
    except ValidationError as exc:
        errors = validation_errors(exc)
        return render(request, "register.html", {"enterprise": enterprise, "form": shown, "errors": errors},
                      status_code=422)
    except DomainError as exc:
        return render(request, "register.html", {"enterprise": enterprise, "form": shown,
                                                 "errors": domain_errors(exc)}, status_code=exc.status_code)
    response = RedirectResponse("/enterprise?msg=registered_pending" if enterprise else "/seeker/profile",
                                status_code=303)
    set_session(response, accounts.token_for(account), ttl_seconds=settings.session_ttl_seconds,
                secure=settings.secure_cookies)
    return response


@router.get("/reset")
def reset_page(request: Request) -> Response:
    """Ask for a one-time password reset code."""
    return render(request, "reset.html", {"sent": False})


@router.post("/reset")
async def request_reset(request: Request, accounts: AccountsDep, delivery: ResetDeliveryDep) -> Response:
    """Issue a code, sent by the deployment's sender once the page is answered (locally: to the log)."""
    values = await form_values(request)
    try:
        login_name = normalize_login(str(values.get("login", "")))
    except ValueError as exc:
        return render(request, "reset.html", {"sent": False, "form": values, "errors": {"login": str(exc)}},
                      status_code=422)
    try:
        issued = accounts.request_reset(login=login_name)
    except DomainError as exc:
        page = render(request, "reset.html", {"sent": False, "form": values, "errors": {"login": exc.message}},
                      status_code=exc.status_code)
        page.headers.update(exc.headers)
        return page
    response = render(request, "reset.html", {"sent": True, "form": {"login": login_name}})
    if issued is not None:  # after the answer: its timing must not tell whether the account exists
        response.background = BackgroundTask(delivery.deliver, issued)
    return response


@router.post("/reset/confirm")
async def confirm_reset(request: Request, accounts: AccountsDep) -> Response:
    """Set a new password with the code."""
    values = await form_values(request)
    shown = {"login": values.get("login", "")}
    try:
        form = PasswordReset.model_validate(values)
        accounts.reset_password(login=form.login, code=form.code, password=form.password)
    except ValidationError as exc:
        return render(request, "reset.html", {"sent": True, "form": shown, "errors": validation_errors(exc)},
                      status_code=422)
    except DomainError as exc:
        page = render(request, "reset.html", {"sent": True, "form": shown, "errors": {"code": exc.message}},
                      status_code=exc.status_code)
        page.headers.update(exc.headers)
        return page
    return render(request, "login.html", {"next": "/", "message_key": "reset_done", "form": shown})
