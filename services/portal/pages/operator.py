"""Operators: review enterprise accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import RedirectResponse

from services.portal.deps import AccountsDep, OperatorUser
from services.portal.web import render

router = APIRouter(prefix="/operator", include_in_schema=False)

AccountId = Annotated[int, Path(ge=1, le=2**63 - 1)]


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
