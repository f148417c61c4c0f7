"""Accounts: registration, sign-in with throttling, password reset, approval, consent, export and erasure.

No HTTP here; errors are the domain errors of ``shared.errors``, naming the form field.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session, sessionmaker

from services.portal import repository
from services.portal.models import Account, Consent, FeedbackSent, LoginThrottle, ResetCode
from services.portal.reset_delivery import IssuedCode
from services.portal.schemas import (
    CONSENT_VERSION,
    REGISTRATION_PURPOSES,
    EnterpriseRegistration,
    SeekerRegistration,
)
from shared.auth import Principal, Role, issue_token
from shared.db import transaction
from shared.errors import (
    ConflictError,
    ForbiddenError,
    NotAuthenticatedError,
    NotFoundError,
    TooManyRequestsError,
    UnprocessableError,
)

log = logging.getLogger(__name__)

SUBJECT_PREFIX: dict[str, str] = {"seeker": "seeker-", "enterprise": "ent-", "operator": "op-"}
# Portal account ids read "p<number>" in token subjects: the demo data set owns "seeker-<n>" (and
# `talentmatch token` any name), so a bare number would make a new account the owner of someone else's profile.
ACCOUNT_MARK = "p"
ROLE_OF_KIND: dict[str, Role] = {"seeker": "seeker", "enterprise": "enterprise", "operator": "operator"}


def _now() -> datetime:
    return datetime.now(UTC)


def subject_of(account: Account) -> str:
    return f"{SUBJECT_PREFIX[account.kind]}{ACCOUNT_MARK}{account.id}"


def account_id_of(principal: Principal) -> int | None:
    """The portal account behind a token subject, if the portal issued it."""
    prefix = SUBJECT_PREFIX.get(principal.role, "") + ACCOUNT_MARK
    tail = principal.subject.removeprefix(prefix)
    if prefix == ACCOUNT_MARK or tail == principal.subject or not tail.isdigit():
        return None
    return int(tail)


@dataclass(frozen=True)
class Throttle:
    max_failures: int
    window: timedelta


class AccountService:
    def __init__(self, *, session_factory: sessionmaker[Session], secret: str, session_ttl_seconds: int,
                 throttle: Throttle, reset_ttl: timedelta, hasher: PasswordHasher | None = None) -> None:
        self._sessions = session_factory
        self._secret = secret
        self._ttl = session_ttl_seconds
        self._throttle = throttle
        self._reset_ttl = reset_ttl
        self._hasher = hasher or PasswordHasher()
        # Verified against when the login is unknown, so a miss costs as long as a wrong password.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    # registration ----------------------------------------------------------------------------------
    def register_seeker(self, form: SeekerRegistration) -> Account:
        """A seeker account, active at once."""
        _require_consent(form.consent_account, form.consent_matching)
        return self._create(kind="seeker", login=form.login, password=form.password, status="active",
                            display_name=form.display_name, purposes=REGISTRATION_PURPOSES)

    def register_enterprise(self, form: EnterpriseRegistration) -> Account:
        """An enterprise account bound to one organization, pending until an operator approves it."""
        _require_consent(form.consent_account, form.consent_matching)
        with self._sessions() as session:
            if repository.account_by_credit_code(session, form.credit_code) is not None:
                raise ConflictError("an account for this unified social credit code exists already",
                                    field="credit_code")
        return self._create(kind="enterprise", login=form.login, password=form.password, status="pending",
                            display_name=form.display_name, organization=form.organization,
                            credit_code=form.credit_code, purposes=REGISTRATION_PURPOSES)

    def create_operator(self, *, login: str, password: str, display_name: str = "operator") -> Account:
        """An operator account (from the command line only)."""
        return self._create(kind="operator", login=login, password=password, status="active",
                            display_name=display_name, purposes=())

    def _create(self, *, kind: str, login: str, password: str, status: str, display_name: str,
                purposes: Iterable[str], organization: str | None = None, credit_code: str | None = None) -> Account:
        now = _now()
        with transaction(self._sessions) as session:
            if repository.account_by_login(session, login) is not None:
                raise ConflictError("an account with this phone number or e-mail exists already", field="login")
            account = Account(kind=kind, login=login, password_hash=self._hasher.hash(password), status=status,
                              display_name=display_name, organization=organization, credit_code=credit_code,
                              created_at=now, updated_at=now)
            repository.add(session, account)
            for purpose in purposes:
                repository.add(session, Consent(account_id=account.id, purpose=purpose,
                                                wording_version=CONSENT_VERSION, granted_at=now))
            return account

    # sign-in ---------------------------------------------------------------------------------------
    def authenticate(self, *, login: str, password: str, client: str) -> Account:
        """The account if the password is right; refuses while the login or the client is throttled."""
        keys = (f"login:{login}", f"client:{client}")
        now = _now()
        with transaction(self._sessions) as session:
            for key in keys:
                self._check_throttle(session, key, now)
            account = repository.account_by_login(session, login)
            if account is None or not self._verify(account.password_hash, password):
                for key in keys:
                    self._count_failure(session, key, now)
                account = None
            else:
                repository.clear_throttle(session, keys[0])
                if self._hasher.check_needs_rehash(account.password_hash):
                    account.password_hash = self._hasher.hash(password)
        if account is None:
            raise NotAuthenticatedError("wrong phone number / e-mail or password")
        if account.status == "rejected":
            raise ForbiddenError("this enterprise account was not approved", field="login")
        return account

    def _verify(self, stored: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored or self._dummy_hash, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def _check_throttle(self, session: Session, key: str, now: datetime) -> None:
        row = repository.throttle(session, key)
        if row is None or now - row.window_started >= self._throttle.window:
            return
        if row.failures >= self._throttle.max_failures:
            retry = int((row.window_started + self._throttle.window - now).total_seconds()) + 1
            raise TooManyRequestsError(f"too many failed sign-ins; try again in {retry // 60 + 1} minutes",
                                       retry_after_seconds=retry)

    def _count_failure(self, session: Session, key: str, now: datetime) -> None:
        row = repository.throttle(session, key)
        if row is None or now - row.window_started >= self._throttle.window:
            row = LoginThrottle(key=key, failures=0, window_started=now)
        row.failures += 1
        repository.save_throttle(session, row)

    def token_for(self, account: Account) -> str:
        """The JWT the services verify; an approved enterprise's carries its organization."""
        organization = account.organization if account.kind == "enterprise" and account.status == "active" else None
        return issue_token(self._secret, subject=subject_of(account), role=ROLE_OF_KIND[account.kind],
                           ttl_seconds=self._ttl, org=organization)

    def sign_out(self, *, session_id: str, expires_at: datetime) -> None:
        """Refuse this session (a token's ``jti``) from now until its token expires."""
        with transaction(self._sessions) as session:
            repository.sign_out(session, session_id=session_id, expires_at=expires_at, now=_now())

    def signed_out(self, session_id: str) -> bool:
        with self._sessions() as session:
            return repository.signed_out(session, session_id)

    def get(self, account_id: int) -> Account | None:
        with self._sessions() as session:
            return repository.get_account(session, account_id)

    # password reset --------------------------------------------------------------------------------
    def request_reset(self, *, login: str) -> IssuedCode | None:
        """Issue a one-time code, to be delivered (``services.portal.reset_delivery``) after the answer is sent:
        the same answer, as fast, whether or not the login exists (no account probing).

        Requests per login name are throttled like failed sign-ins, so nobody floods a person with codes."""
        now = _now()
        with transaction(self._sessions) as session:
            self._check_throttle(session, f"reset:{login}", now)
            self._count_failure(session, f"reset:{login}", now)
            account = repository.account_by_login(session, login)
            if account is None:
                log.info("password reset asked for an unknown login")
                return None
            code = f"{secrets.randbelow(10**6):06d}"
            repository.add(session, ResetCode(account_id=account.id, code_hash=self._code_hash(code),
                                              expires_at=now + self._reset_ttl))
            issued = IssuedCode(account_id=account.id, login=account.login, code=code,
                                valid_minutes=int(self._reset_ttl.total_seconds()) // 60)
        return issued

    def reset_password(self, *, login: str, code: str, password: str) -> None:
        """Set a new password with a live code; wrong codes are throttled (six digits must not be guessable)."""
        now = _now()
        key = f"code:{login}"
        with transaction(self._sessions) as session:
            self._check_throttle(session, key, now)
            account = repository.account_by_login(session, login)
            codes = repository.live_reset_codes(session, account.id, now) if account is not None else ()
            match = next((c for c in codes if hmac.compare_digest(c.code_hash, self._code_hash(code))), None)
            if account is None or match is None:
                self._count_failure(session, key, now)  # committed: the error is raised after the block
            else:
                for row in codes:
                    row.used = True
                account.password_hash = self._hasher.hash(password)
                account.updated_at = now
                repository.clear_throttle(session, key)
                repository.clear_throttle(session, f"login:{login}")
        if account is None or match is None:
            raise NotAuthenticatedError("the code is wrong or expired; ask for a new one")

    def _code_hash(self, code: str) -> str:
        return hmac.new(self._secret.encode(), code.encode(), hashlib.sha256).hexdigest()

    # operators -------------------------------------------------------------------------------------
    def enterprises(self, *, status: str | None = None) -> list[Account]:
        with self._sessions() as session:
            return list(repository.enterprises(session, status=status))

    def review_enterprise(self, account_id: int, *, approve: bool, operator: Principal) -> Account:
        if operator.role != "operator":
            raise ForbiddenError("only operators approve enterprise accounts")
        with transaction(self._sessions) as session:
            account = repository.get_account(session, account_id)
            if account is None or account.kind != "enterprise":
                raise NotFoundError(f"enterprise account {account_id} not found")
            account.status = "active" if approve else "rejected"
            account.reviewed_by = operator.subject
            account.updated_at = _now()
            return account

    # consent, data held, erasure -------------------------------------------------------------------
    def record_consent(self, account_id: int, purpose: str) -> None:
        with transaction(self._sessions) as session:
            repository.add(session, Consent(account_id=account_id, purpose=purpose,
                                            wording_version=CONSENT_VERSION, granted_at=_now()))

    def set_profile(self, account_id: int, profile_id: int | None) -> None:
        with transaction(self._sessions) as session:
            account = repository.get_account(session, account_id)
            if account is None:
                raise NotFoundError(f"account {account_id} not found")
            account.profile_id = profile_id
            account.updated_at = _now()

    def record_feedback(self, account_id: int, *, talent_id: int, opportunity_id: int, action: str,
                        detail: str = "") -> None:
        with transaction(self._sessions) as session:
            repository.add(session, FeedbackSent(account_id=account_id, talent_id=talent_id,
                                                 opportunity_id=opportunity_id, action=action, detail=detail,
                                                 sent_at=_now()))

    def feedback_since(self, account_id: int, *, action: str, since: datetime) -> set[int]:
        """The opportunities the account's ``action`` feedback was sent about since ``since``."""
        with self._sessions() as session:
            return repository.feedback_since(session, account_id, action=action, since=since)

    def held_data(self, account_id: int) -> dict[str, Any]:
        """Everything the portal holds about an account (never the password hash)."""
        with self._sessions() as session:
            account = repository.get_account(session, account_id)
            if account is None:
                raise NotFoundError(f"account {account_id} not found")
            return {
                "account": {"id": account.id, "kind": account.kind, "login": account.login,
                            "status": account.status, "display_name": account.display_name,
                            "organization": account.organization, "credit_code": account.credit_code,
                            "profile_id": account.profile_id, "created_at": account.created_at.isoformat(),
                            "updated_at": account.updated_at.isoformat()},
                "consents": [{"purpose": c.purpose, "wording_version": c.wording_version,
                              "granted_at": c.granted_at.isoformat()}
                             for c in repository.consents(session, account_id)],
                "feedback": [{"talent_id": f.talent_id, "opportunity_id": f.opportunity_id, "action": f.action,
                              "detail": f.detail, "sent_at": f.sent_at.isoformat()}
                             for f in repository.feedback(session, account_id)],
                "notifications": [{"kind": n.kind, "params": n.params, "link": n.link,
                                   "created_at": n.created_at.isoformat(),
                                   "read_at": n.read_at.isoformat() if n.read_at else None}
                                  for n in repository.notifications(session, account_id)],
            }

    def check_password(self, account_id: int, password: str) -> None:
        account = self.get(account_id)
        if account is None or not self._verify(account.password_hash, password):
            raise NotAuthenticatedError("the password is wrong")

    def delete(self, account_id: int) -> None:
        with transaction(self._sessions) as session:
            account = repository.get_account(session, account_id)
            if account is not None:
                repository.remove_account(session, account)


def _require_consent(*given: bool) -> None:
    if not all(given):
        raise UnprocessableError("registration needs your consent to the stated purposes", field="consent")
