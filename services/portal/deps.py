"""Typed dependencies: the services the lifespan created, and the signed-in user with their role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request

from services.portal.clients import Backends
from services.portal.invitations import InvitationService
from services.portal.models import Account
from services.portal.reset_delivery import ResetDelivery
from services.portal.service import AccountService, account_id_of
from services.portal.settings import PortalSettings
from services.portal.web import SESSION_COOKIE
from shared.auth import Principal, verify_token
from shared.errors import ForbiddenError, NotAuthenticatedError, NotFoundError


class LoginRequired(NotAuthenticatedError):
    """No valid session: the page sends the browser to sign in, then back."""

    def __init__(self, message: str, *, expired: bool) -> None:
        super().__init__(message)
        self.expired = expired


@dataclass(frozen=True)
class User:
    account: Account
    principal: Principal
    token: str

    @property
    def kind(self) -> str:
        return self.account.kind


def get_settings(request: Request) -> PortalSettings:
    settings: PortalSettings = request.app.state.settings
    return settings


def get_accounts(request: Request) -> AccountService:
    accounts: AccountService = request.app.state.accounts
    return accounts


def get_backends(request: Request) -> Backends:
    backends: Backends = request.app.state.backends
    return backends


def get_invitations(request: Request) -> InvitationService:
    invitations: InvitationService = request.app.state.invitations
    return invitations


def get_reset_delivery(request: Request) -> ResetDelivery:
    delivery: ResetDelivery = request.app.state.reset_delivery
    return delivery


SettingsDep = Annotated[PortalSettings, Depends(get_settings)]
AccountsDep = Annotated[AccountService, Depends(get_accounts)]
BackendsDep = Annotated[Backends, Depends(get_backends)]
InvitationsDep = Annotated[InvitationService, Depends(get_invitations)]
ResetDeliveryDep = Annotated[ResetDelivery, Depends(get_reset_delivery)]


def optional_user(request: Request, accounts: AccountsDep, settings: SettingsDep) -> User | None:
    """The signed-in user, or ``None``; a session refused for any reason counts as signed out."""
    try:
        return current_user(request, accounts, settings)
    except LoginRequired:
        return None


def current_user(request: Request, accounts: AccountsDep, settings: SettingsDep) -> User:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired("please sign in", expired=False)
    secret = settings.auth_secret.get_secret_value()
    try:
        principal = verify_token(secret, token)
    except NotAuthenticatedError as exc:
        raise LoginRequired(exc.message, expired=True) from exc
    claims = jwt.decode(token, options={"verify_signature": False})  # verified just above
    if accounts.signed_out(str(claims.get("jti", ""))):  # e.g. a cookie copied before signing out
        raise LoginRequired("this session was signed out", expired=False)
    account_id = account_id_of(principal)
    account = accounts.get(account_id) if account_id is not None else None
    if account is None or account.status == "rejected":
        raise LoginRequired("this account no longer exists", expired=True)
    if account.kind == "enterprise" and claims.get("org") != _organization_claim(account):
        # approved (or its organization changed) since sign-in: a token with the organization claim
        token = accounts.token_for(account)
        request.state.refreshed_session = token
        request.state.session_ttl = settings.session_ttl_seconds
    user = User(account=account, principal=principal, token=token)
    request.state.user = user
    return user


def owned_opportunity(user: User, backends: Backends, opportunity_id: int) -> dict[str, Any]:
    """The user's own posting; another account's answers as an unknown id would (404), revealing nothing."""
    opportunity: dict[str, Any] = backends.jobs.get(user.token, opportunity_id)
    if opportunity.get("owner") != user.principal.subject:
        raise NotFoundError(f"opportunity {opportunity_id} not found", field="opportunity_id")
    return opportunity


def _organization_claim(account: Account) -> str | None:
    return account.organization if account.status == "active" else None


def _role(*kinds: str) -> Callable[[User], User]:
    def check(user: Annotated[User, Depends(current_user)]) -> User:
        if user.kind not in kinds:
            raise ForbiddenError("this page is for " + " / ".join(kinds) + " accounts")
        return user

    return check


def approved_enterprise(user: Annotated[User, Depends(current_user)]) -> User:
    if user.kind != "enterprise":
        raise ForbiddenError("this page is for enterprise accounts")
    if user.account.status != "active":
        raise ForbiddenError("an operator has not approved this enterprise account yet")
    return user


CurrentUser = Annotated[User, Depends(current_user)]
MaybeUser = Annotated[User | None, Depends(optional_user)]
SeekerUser = Annotated[User, Depends(_role("seeker"))]
EnterpriseUser = Annotated[User, Depends(_role("enterprise"))]
ApprovedEnterprise = Annotated[User, Depends(approved_enterprise)]
OperatorUser = Annotated[User, Depends(_role("operator"))]
