"""Enterprises: their postings (jobs and training classes), training needs and shortlists, always under
their own organization."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import RedirectResponse

from services.portal import opportunity_form
from services.portal.clients import BackendCatchingUp
from services.portal.deps import ApprovedEnterprise, BackendsDep, EnterpriseUser, InvitationsDep, owned_opportunity
from services.portal.forms import domain_errors, form_values
from services.portal.profile_form import city_names
from services.portal.web import render
from shared.errors import DomainError, NotFoundError, UnprocessableError

router = APIRouter(prefix="/enterprise", include_in_schema=False)

JSON = dict[str, Any]
OpportunityId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Kind = Annotated[str, Query(pattern="^(job_posting|training_class)$")]


def _choices() -> JSON:
    return {"cities": city_names(), "levels": ["junior", "intermediate", "senior"],
            "educations": ["secondary", "vocational", "bachelor", "master", "doctorate"],
            "modes": ["order_based", "custom", "directed"]}


@router.get("")
def desk(request: Request, user: EnterpriseUser, backends: BackendsDep) -> Response:
    """My postings (once approved), with links to post and to each shortlist."""
    items: list[JSON] = []
    if user.account.status == "active" and user.account.organization:
        listing = backends.jobs.list(user.token, organization=user.account.organization, limit=100)
        items = [item for item in listing["items"] if item.get("owner") == user.principal.subject]
    return render(request, "enterprise.html", {"items": items, "pending": user.account.status != "active"})


def _notice(saved: JSON) -> str:
    """The notice after saving: "held" when the screen holds the posting for an operator's review."""
    return "held" if (saved.get("review") or {}).get("status") == "held" else "saved"


def _form_page(request: Request, *, kind: str, form: JSON, errors: dict[str, str] | None = None,
               action: str, status_code: int = 200) -> Response:
    return render(request, "opportunity_form.html", {"kind": kind, "form": form, "errors": errors or {},
                                                     "action": action, **_choices()}, status_code=status_code)


@router.get("/opportunities/new")
def new_opportunity(request: Request, user: ApprovedEnterprise, kind: Kind = "job_posting") -> Response:
    """The form for a new job or training class (订单班 / 订制班 / 定向班)."""
    return _form_page(request, kind=kind, form={"sponsor": user.account.organization},
                      action=f"/enterprise/opportunities/new?kind={kind}")


@router.post("/opportunities/new")
async def create_opportunity(request: Request, user: ApprovedEnterprise, backends: BackendsDep,
                             kind: Kind = "job_posting") -> Response:
    """Post it through the jobs API under my organization."""
    form = await form_values(request)
    body = opportunity_form.opportunity_body(kind, form, organization=str(user.account.organization))
    try:
        created = backends.jobs.create(user.token, body)
    except DomainError as exc:
        if exc.status_code == 401:
            raise
        return _form_page(request, kind=kind, form=form, errors=domain_errors(exc),
                          action=f"/enterprise/opportunities/new?kind={kind}", status_code=exc.status_code)
    return RedirectResponse(f"/opportunities/{created['id']}?msg={_notice(created)}", status_code=303)


@router.get("/opportunities/{opportunity_id}/edit")
def edit_opportunity(request: Request, opportunity_id: OpportunityId, user: ApprovedEnterprise,
                     backends: BackendsDep) -> Response:
    """Edit one of my postings."""
    opportunity = owned_opportunity(user, backends, opportunity_id)
    if opportunity["kind"] not in opportunity_form.POSTABLE_KINDS:
        raise UnprocessableError("only jobs and training classes are edited here", field="kind")
    return _form_page(request, kind=opportunity["kind"], form=opportunity_form.form_from_opportunity(opportunity),
                      action=f"/enterprise/opportunities/{opportunity_id}/edit")


@router.post("/opportunities/{opportunity_id}/edit")
async def update_opportunity(request: Request, opportunity_id: OpportunityId, user: ApprovedEnterprise,
                             backends: BackendsDep) -> Response:
    """Save the changes (If-Match: the version the form was read at)."""
    opportunity = owned_opportunity(user, backends, opportunity_id)
    form = await form_values(request)
    kind = opportunity["kind"]
    body = opportunity_form.opportunity_body(kind, form, organization=str(user.account.organization),
                                             for_update=True)
    version = str(form.get("version") or "")
    try:
        updated = backends.jobs.update(user.token, opportunity_id, body,
                                       version=int(version) if version.isdigit() else None)
    except DomainError as exc:
        if exc.status_code == 401:
            raise
        return _form_page(request, kind=kind, form=form, errors=domain_errors(exc),
                          action=f"/enterprise/opportunities/{opportunity_id}/edit", status_code=exc.status_code)
    return RedirectResponse(f"/opportunities/{opportunity_id}?msg={_notice(updated)}", status_code=303)


@router.get("/opportunities/{opportunity_id}/shortlist")
def shortlist(request: Request, opportunity_id: OpportunityId, user: ApprovedEnterprise,
              backends: BackendsDep, invitations: InvitationsDep) -> Response:
    """Talents shortlisted for one of my postings, with the reasons (no contact data) and an invite action."""
    opportunity = owned_opportunity(user, backends, opportunity_id)
    try:
        items, indexing = backends.matching.shortlist(user.token, opportunity_id, k=20)["items"], False
    except (NotFoundError, BackendCatchingUp):  # a new or changed posting reaches matching within moments
        items, indexing = [], True
    live = {i.talent_id: i for i in invitations.sent_by(user.account.id, opportunity_id=opportunity_id) if i.live}
    return render(request, "shortlist.html", {"o": opportunity, "items": items, "indexing": indexing,
                                              "live_invitations": live})


@router.get("/training-needs/new")
def new_need(request: Request, user: ApprovedEnterprise) -> Response:
    """The form for a custom training need (it opens a training class at once)."""
    return render(request, "need_form.html", {"form": {}, **_choices()})


@router.post("/training-needs/new")
async def create_need(request: Request, user: ApprovedEnterprise, backends: BackendsDep) -> Response:
    """Post the need through the jobs API under my organization."""
    form = await form_values(request)
    body = opportunity_form.need_body(form, organization=str(user.account.organization))
    try:
        created = backends.jobs.create_training_need(user.token, body)
    except DomainError as exc:
        if exc.status_code == 401:
            raise
        return render(request, "need_form.html", {"form": form, "errors": domain_errors(exc), **_choices()},
                      status_code=exc.status_code)
    training_class = created.get("training_class") or {}
    class_id = training_class.get("id")
    target = f"/opportunities/{class_id}?msg={_notice(training_class)}" if class_id else "/enterprise?msg=saved"
    return RedirectResponse(target, status_code=303)
