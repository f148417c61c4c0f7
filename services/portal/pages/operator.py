"""Operators: review enterprise accounts, and postings the jobs service held for barred requirements."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import RedirectResponse

from services.portal.deps import AccountsDep, BackendsDep, OperatorUser
from services.portal.forms import form_values
from services.portal.web import render
from shared.errors import UnprocessableError

router = APIRouter(prefix="/operator", include_in_schema=False)

AccountId = Annotated[int, Path(ge=1, le=2**63 - 1)]
OpportunityId = Annotated[int, Path(ge=1, le=2**31 - 1)]
DECISIONS = ("approve", "reject")


@router.get("/enterprises")
def enterprises(request: Request, user: OperatorUser, accounts: AccountsDep) -> Response:
    """Enterprise accounts, pending ones first."""
    rows = accounts.enterprises()
    rows.sort(key=lambda a: (a.status != "pending", -a.id))
    return render(request, "operator_enterprises.html", {"rows": rows})


@router.post("/enterprises/{account_id}/approve")
def approve(account_id: AccountId, user: OperatorUser, accounts: AccountsDep) -> Response:
    """Approve an enterprise account: it may post under its organization from now on."""
    accounts.review_enterprise(account_id, approve=True, operator=user.principal)
    return RedirectResponse("/operator/enterprises?msg=saved", status_code=303)


@router.post("/enterprises/{account_id}/reject")
def reject(account_id: AccountId, user: OperatorUser, accounts: AccountsDep) -> Response:
    """Reject an enterprise account: it can no longer sign in."""
    accounts.review_enterprise(account_id, approve=False, operator=user.principal)
    return RedirectResponse("/operator/enterprises?msg=saved", status_code=303)


@router.get("/postings")
def postings(request: Request, user: OperatorUser, backends: BackendsDep) -> Response:
    """Postings held for review, the flagged phrases marked, each with approve and reject."""
    held = backends.jobs.reviews(user.token, status="held", limit=100)
    return render(request, "operator_postings.html", {"items": held["items"], "total": held["total"]})


@router.post("/postings/{opportunity_id}/decide")
async def decide(request: Request, opportunity_id: OpportunityId, user: OperatorUser,
                 backends: BackendsDep) -> Response:
    """Approve (publish) or reject a held posting through the jobs API."""
    form = await form_values(request)
    decision = str(form.get("decision") or "")
    if decision not in DECISIONS:
        raise UnprocessableError("decision: choose approve or reject", field="decision")
    version = str(form.get("version") or "")
    backends.jobs.review(user.token, opportunity_id, {"decision": decision, "note": str(form.get("note") or "")},
                         version=int(version) if version.isdigit() else None)
    return RedirectResponse("/operator/postings?msg=saved", status_code=303)
