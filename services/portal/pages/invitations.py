"""Interview invitations: the enterprise invites a talent from its shortlist and follows the answers; the seeker
reads the inbox, accepts one proposed time (releasing chosen contact details to that enterprise) or declines.
The opportunity's owner and the shortlist are checked with the enterprise's own token (jobs and matching)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import RedirectResponse

from services.portal.deps import ApprovedEnterprise, BackendsDep, InvitationsDep, SeekerUser, User, owned_opportunity
from services.portal.forms import checked, domain_errors, form_values
from services.portal.invitations import (
    BEIJING,
    MESSAGE_MAX_CHARS,
    PLACE_MAX_CHARS,
    REASON_MAX_CHARS,
    Contact,
    Draft,
    read_draft,
)
from services.portal.web import render
from shared.errors import DomainError, NotFoundError

router = APIRouter(include_in_schema=False)

JSON = dict[str, Any]
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]
SHORTLIST_CHECKED = 100  # the widest shortlist matching gives: a talent the page showed is still on it


def when(value: datetime | None) -> str:
    """A stored (UTC) time as Beijing time, as the form took it."""
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _limits() -> JSON:
    return {"when": when, "message_max": MESSAGE_MAX_CHARS, "place_max": PLACE_MAX_CHARS,
            "reason_max": REASON_MAX_CHARS, "earliest": datetime.now(BEIJING).strftime("%Y-%m-%dT%H:%M")}


def _target(user: User, backends: BackendsDep, opportunity_id: int, talent_id: int) -> tuple[JSON, JSON]:
    """My opportunity and the talent on its shortlist; anything else reads as not found."""
    opportunity = owned_opportunity(user, backends, opportunity_id)
    shortlist = backends.matching.shortlist(user.token, opportunity_id, k=SHORTLIST_CHECKED)["items"]
    talent = next((item for item in shortlist if int(item["id"]) == talent_id), None)
    if talent is None:
        raise NotFoundError(f"talent {talent_id} is not on the shortlist of “{opportunity['title']}”",
                            field="talent_id")
    return opportunity, talent


def _invite_page(request: Request, opportunity: JSON, talent: JSON, *, form: JSON | None = None,
                 errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return render(request, "invite_form.html", {"o": opportunity, "talent": talent, "form": form or {"mode": "onsite"},
                                                "errors": errors or {}, **_limits()}, status_code=status_code)


@router.get("/enterprise/opportunities/{opportunity_id}/talents/{talent_id}/invite")
def invite_form(request: Request, opportunity_id: RecordId, talent_id: RecordId, user: ApprovedEnterprise,
                backends: BackendsDep) -> Response:
    """The invitation form for one talent of my shortlist: a message, 1-3 times, on site or video."""
    opportunity, talent = _target(user, backends, opportunity_id, talent_id)
    return _invite_page(request, opportunity, talent)


@router.post("/enterprise/opportunities/{opportunity_id}/talents/{talent_id}/invite")
async def invite(request: Request, opportunity_id: RecordId, talent_id: RecordId, user: ApprovedEnterprise,
                 backends: BackendsDep, invitations: InvitationsDep) -> Response:
    """Send the invitation (no contact data is shown to me until the talent accepts)."""
    form = await form_values(request)
    opportunity, talent = _target(user, backends, opportunity_id, talent_id)
    try:
        draft: Draft = read_draft(form)
        invitations.send(enterprise=user.account, opportunity_id=opportunity_id,
                         opportunity_title=str(opportunity["title"]), talent_id=talent_id,
                         talent_name=str(talent.get("display_name") or f"#{talent_id}"), draft=draft)
    except DomainError as exc:
        if exc.status_code not in (409, 422):
            raise
        return _invite_page(request, opportunity, talent, form=form, errors=domain_errors(exc),
                            status_code=exc.status_code)
    return RedirectResponse("/enterprise/invitations?msg=invitation_sent", status_code=303)


@router.get("/enterprise/invitations")
def sent(request: Request, user: ApprovedEnterprise, invitations: InvitationsDep) -> Response:
    """My invitations and where each stands; a talent's contact only once they accepted."""
    items = invitations.sent_by(user.account.id)
    contacts = {i.id: invitations.contact(i) for i in items}  # decrypted for the inviting enterprise alone
    return render(request, "invitations_sent.html", {"items": items, "contacts": contacts, **_limits()})


@router.post("/enterprise/invitations/{invitation_id}/withdraw")
def withdraw(invitation_id: RecordId, user: ApprovedEnterprise, invitations: InvitationsDep) -> Response:
    """Take back an invitation not answered yet (409 once answered)."""
    invitations.withdraw(invitation_id, account_id=user.account.id)
    return RedirectResponse("/enterprise/invitations?msg=saved", status_code=303)


# the seeker ---------------------------------------------------------------------------------------------------
def contact_options(user: User, backends: BackendsDep) -> dict[str, str]:
    """What the seeker may release: name, phone and e-mail from their own profile (read with their token),
    the account's sign-in phone number or e-mail where the profile has none."""
    profile: JSON = {}
    if user.account.profile_id is not None:
        try:
            profile = backends.profiles.get(user.token, user.account.profile_id)
        except NotFoundError:
            profile = {}
    login = user.account.login
    options = {"name": profile.get("display_name") or user.account.display_name,
               "phone": profile.get("phone") or (None if "@" in login else login),
               "email": profile.get("email") or (login if "@" in login else None)}
    return {name: str(value) for name, value in options.items() if value}


@router.get("/seeker/invitations")
def inbox(request: Request, user: SeekerUser, invitations: InvitationsDep) -> Response:
    """Interview invitations addressed to me, unanswered first."""
    items = sorted(invitations.received_by(user.account.profile_id), key=lambda i: i.status != "sent")
    return render(request, "invitations_inbox.html", {"items": items, **_limits()})


def _invitation_page(request: Request, user: User, backends: BackendsDep, invitations: InvitationsDep,
                     invitation_id: int, *, form: JSON | None = None, errors: dict[str, str] | None = None,
                     status_code: int = 200) -> Response:
    invitation = invitations.received(invitation_id, talent_id=user.account.profile_id)
    options = contact_options(user, backends) if invitation.status == "sent" else {}
    chosen = form if form is not None else {f"release_{name}": "on" for name in options}
    return render(request, "invitation.html", {"i": invitation, "options": options, "form": chosen,
                                               "errors": errors or {}, **_limits()}, status_code=status_code)


@router.get("/seeker/invitations/{invitation_id}")
def invitation(request: Request, invitation_id: RecordId, user: SeekerUser, backends: BackendsDep,
               invitations: InvitationsDep) -> Response:
    """One invitation: accept at one of its times (stating the contact released) or decline."""
    return _invitation_page(request, user, backends, invitations, invitation_id)


@router.post("/seeker/invitations/{invitation_id}/accept")
async def accept(request: Request, invitation_id: RecordId, user: SeekerUser, backends: BackendsDep,
                 invitations: InvitationsDep) -> Response:
    """Accept one proposed time; the ticked contact details go to this enterprise only."""
    form = await form_values(request)
    invitations.received(invitation_id, talent_id=user.account.profile_id)  # someone else's: 404 first
    options = contact_options(user, backends)  # read again: what is released is the seeker's own data
    released = {name: value for name, value in options.items() if checked(form, f"release_{name}")}
    contact = Contact(name=released.get("name"), phone=released.get("phone"), email=released.get("email"))
    try:
        invitations.accept(invitation_id, talent_id=user.account.profile_id, choice=str(form.get("time") or ""),
                           contact=contact)
    except DomainError as exc:
        if exc.status_code != 422:
            raise
        return _invitation_page(request, user, backends, invitations, invitation_id, form=form,
                                errors=domain_errors(exc), status_code=422)
    return RedirectResponse("/seeker/invitations?msg=invitation_accepted", status_code=303)


@router.post("/seeker/invitations/{invitation_id}/decline")
async def decline(request: Request, invitation_id: RecordId, user: SeekerUser, backends: BackendsDep,
                  invitations: InvitationsDep) -> Response:
    """Decline, with an optional reason the enterprise sees."""
    form = await form_values(request)
    try:
        invitations.decline(invitation_id, talent_id=user.account.profile_id, reason=str(form.get("reason") or ""))
    except DomainError as exc:
        if exc.status_code != 422:
            raise
        return _invitation_page(request, user, backends, invitations, invitation_id, form=form,
                                errors=domain_errors(exc), status_code=422)
    return RedirectResponse("/seeker/invitations?msg=saved", status_code=303)
