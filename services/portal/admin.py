"""Command-line administration of the portal: operators are created here, never through the web."""

from __future__ import annotations

import secrets
from datetime import timedelta

from services.portal.models import Account
from services.portal.schemas import PASSWORD_MIN_CHARS, normalize_login
from services.portal.service import AccountService, Throttle
from shared.db import make_engine, make_session_factory
from shared.migrations import upgrade


def create_operator(*, database_url: str, login: str, password: str, display_name: str = "operator") -> Account:
    """Create an operator account in the portal's database (``ValueError`` for a bad login or password)."""
    if len(password) < PASSWORD_MIN_CHARS:
        raise ValueError(f"the password needs at least {PASSWORD_MIN_CHARS} characters")
    # as `talentmatch up` does: the operator may be created before the portal first starts
    upgrade(database_url, "services.portal")
    engine = make_engine(database_url)
    try:
        # creating an account signs nothing: a throwaway secret will do
        accounts = AccountService(session_factory=make_session_factory(engine), secret=secrets.token_urlsafe(32),
                                  session_ttl_seconds=3600, throttle=Throttle(max_failures=5, window=timedelta(0)),
                                  reset_ttl=timedelta(minutes=15))
        return accounts.create_operator(login=normalize_login(login), password=password, display_name=display_name)
    finally:
        engine.dispose()
