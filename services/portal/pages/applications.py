"""Applications and enrolments in the portal: the seeker's Apply / Enrol / Interested and "My applications",
the enterprise's applicants per opportunity with the pipeline moves. Every change goes through the jobs API
with the user's own token: jobs stores it and publishes it, the operator figures count it from there."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import RedirectResponse

from services.portal.deps import ApprovedEnterprise, BackendsDep, SeekerUser, owned_opportunity
from services.portal.forms import domain_errors, form_values
from services.portal.web import render
from shared.errors import DomainError

router = APIRouter(include_in_schema=False)

JSON = dict[str, Any]
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]
# What the enterprise may do next from each status (the jobs service refuses anything else with 409).
NEXT_MOVES = {"received": ["interviewing", "offered", "rejected"], "interviewing": ["offered", "rejected"],
              "offered": ["hired", "rejected"], "enrolled": ["hired", "rejected"], "waitlisted": ["rejected"]}
WITHDRAWABLE = {"received", "interviewing", "offered", "enrolled", "waitlisted"}


def _raise_session(exc: DomainError) -> None:
    if exc.status_code == 401:
        raise exc


@router.post("/seeker/opportunities/{opportunity_id}/apply")
def apply(opportunity_id: RecordId, user: SeekerUser, backends: BackendsDep) -> Response:
    """Apply, enrol or express interest (by the opportunity's kind), as the signed-in seeker's profile."""
    if user.account.profile_id is None:
        return RedirectResponse("/seeker/profile", status_code=303)
    try:
        backends.jobs.apply(user.token, opportunity_id, {"profile_id": user.account.profile_id})
    except DomainError as exc:
        _raise_session(exc)
        if exc.status_code != 409:  # 409: already applied, or closed; the list shows where it stands
            raise
    return RedirectResponse("/seeker/applications?msg=applied", status_code=303)


def _titles(user: Any, backends: BackendsDep, items: list[JSON]) -> dict[int, str]:
    titles: dict[int, str] = {}
    for item in items:
        opportunity_id = int(item["opportunity_id"])
        if opportunity_id not in titles:
            try:
                titles[opportunity_id] = str(backends.jobs.get(user.token, opportunity_id)["title"])
            except DomainError as exc:
                _raise_session(exc)
                titles[opportunity_id] = f"#{opportunity_id}"  # deleted since
    return titles


@router.get("/seeker/applications")
def my_applications(request: Request, user: SeekerUser, backends: BackendsDep) -> Response:
    """My applications and enrolments, each with its status."""
    items = backends.jobs.applications(user.token, mine=True, limit=200)["items"]
    return render(request, "applications.html", {"items": items, "titles": _titles(user, backends, items),
                                                 "withdrawable": WITHDRAWABLE})


@router.post("/seeker/applications/{application_id}/withdraw")
async def withdraw(request: Request, application_id: RecordId, user: SeekerUser, backends: BackendsDep) -> Response:
    form = await form_values(request)
    version = str(form.get("version") or "")
    backends.jobs.move_application(user.token, application_id, "withdrawn",
                                   version=int(version) if version.isdigit() else None)
    return RedirectResponse("/seeker/applications?msg=saved", status_code=303)


def _applicants_page(request: Request, user: Any, backends: BackendsDep, opportunity_id: int, *,
                     errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    opportunity = owned_opportunity(user, backends, opportunity_id)
    items = backends.jobs.applications(user.token, opportunity_id=opportunity_id, limit=200)["items"]
    seats = backends.jobs.seats(user.token, opportunity_id) if opportunity["kind"] == "training_class" else None
    return render(request, "applicants.html", {"o": opportunity, "items": items, "moves": NEXT_MOVES,
                                               "seats": seats, "errors": errors or {}}, status_code=status_code)


@router.get("/enterprise/opportunities/{opportunity_id}/applicants")
def applicants(request: Request, opportunity_id: RecordId, user: ApprovedEnterprise,
               backends: BackendsDep) -> Response:
    """Who applied to or enrolled in my opportunity, with the pipeline moves each may take."""
    return _applicants_page(request, user, backends, opportunity_id)


@router.post("/enterprise/applications/{application_id}/move")
async def move(request: Request, application_id: RecordId, user: ApprovedEnterprise,
               backends: BackendsDep) -> Response:
    """Move one applicant (interview, offer, hire, reject); a stale page or an illegal move is shown, not lost."""
    form = await form_values(request)
    status, version = str(form.get("status") or ""), str(form.get("version") or "")
    opportunity = str(form.get("opportunity_id") or "")
    back = int(opportunity) if opportunity.isdigit() else None
    try:
        backends.jobs.move_application(user.token, application_id, status,
                                       version=int(version) if version.isdigit() else None)
    except DomainError as exc:
        _raise_session(exc)
        if back is None or exc.status_code not in (409, 422):
            raise
        return _applicants_page(request, user, backends, back, errors=domain_errors(exc),
                                status_code=exc.status_code)
    target = f"/enterprise/opportunities/{back}/applicants?msg=saved" if back else "/enterprise"
    return RedirectResponse(target, status_code=303)
