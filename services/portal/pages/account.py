"""My account: consents given, export of everything held (JSON), and erasure."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from services.portal.deps import AccountsDep, BackendsDep, CurrentUser, InvitationsDep
from services.portal.forms import form_values
from services.portal.web import clear_session, render
from shared.errors import DomainError, NotFoundError

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)


@router.get("/account")
def account_page(request: Request, user: CurrentUser, accounts: AccountsDep) -> Response:
    """The account: consents given, export, deletion."""
    held = accounts.held_data(user.account.id)
    return render(request, "account.html", {"held": held})


@router.get("/account/export")
def export(user: CurrentUser, accounts: AccountsDep, backends: BackendsDep, invitations: InvitationsDep) -> Response:
    """Everything held about the signed-in person, as a JSON download: account, consents, profile, feedback,
    the interview invitations addressed to a seeker (with the contact they released)."""
    data: dict[str, Any] = accounts.held_data(user.account.id)
    if user.kind == "seeker":
        data["invitations"] = invitations.export(user.account.profile_id)
    data["profile"] = None
    if user.account.profile_id is not None:
        try:
            data["profile"] = backends.profiles.get(user.token, user.account.profile_id)
        except NotFoundError:
            data["profile"] = None
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, media_type="application/json; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="talentmatch-my-data.json"'})


@router.post("/account/delete")
async def delete_account(request: Request, user: CurrentUser, accounts: AccountsDep,
                         backends: BackendsDep) -> Response:
    """Erase the profile through the profiles API (and so from matching), then the account."""
    values = await form_values(request)
    try:
        accounts.check_password(user.account.id, str(values.get("password", "")))
        if user.account.profile_id is not None:
            try:
                backends.profiles.delete(user.token, user.account.profile_id)
            except NotFoundError:
                log.info("profile %s was already gone", user.account.profile_id)
    except DomainError as exc:
        held = accounts.held_data(user.account.id)
        return render(request, "account.html", {"held": held, "errors": {"password": exc.message}},
                      status_code=exc.status_code if exc.status_code != 401 else 403)
    accounts.delete(user.account.id)
    response = RedirectResponse("/", status_code=303)
    clear_session(response)
    return response
