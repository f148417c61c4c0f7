"""FastAPI side of authentication: the bearer dependency every protected route takes, and role checks.

Object-level rules (whose profile, whose posting) live in each service's domain, which receives the
``Principal``; this module only answers "who is calling" and "may this role call this route at all".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import redis
from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.auth.ratelimit import RateLimiter
from shared.auth.tokens import MAX_LIFETIME_SECONDS, Principal, Role, TokenVerifier
from shared.errors import ForbiddenError, NotAuthenticatedError
from shared.settings import ServiceSettings

bearer = HTTPBearer(auto_error=False, scheme_name="bearer",
                    description="A JWT naming a subject and its role (issue one with `talentmatch token`).")


class Authenticator:
    """Verifies tokens; ``limiter`` counts requests per identity, ``refused`` per address sending bad tokens."""

    def __init__(self, secret: str, limiter: RateLimiter, *, refused: RateLimiter | None = None,
                 max_lifetime_seconds: int = MAX_LIFETIME_SECONDS) -> None:
        self.tokens = TokenVerifier(secret, max_lifetime_seconds=max_lifetime_seconds)
        self.limiter = limiter
        self.refused = refused or RateLimiter(None, per_minute=0, prefix="")

    def authenticate(self, token: str | None) -> Principal:
        """The caller of ``token`` (no rate limit: ``current_principal`` counts the request)."""
        if not token:
            raise NotAuthenticatedError("a bearer token is required (Authorization: Bearer <token>)")
        return self.tokens.verify(token)


def install_auth(app: FastAPI, settings: ServiceSettings, *, service: str,
                 redis_client: redis.Redis[bytes] | None = None) -> Authenticator:
    """Verify tokens with the configured secret; count requests per identity in ``redis_client``."""
    namespace = settings.topic_namespace or "-"
    limiter = RateLimiter(redis_client, per_minute=settings.rate_limit_per_minute,
                          prefix=f"talentmatch:{namespace}:ratelimit:{service}:")
    refused = RateLimiter(redis_client, per_minute=settings.invalid_token_limit_per_minute,
                          prefix=f"talentmatch:{namespace}:refused:{service}:")
    refused.breaker = limiter.breaker  # one Redis: one verdict on whether it answers
    authenticator = Authenticator(secret=settings.auth_secret.get_secret_value(), limiter=limiter, refused=refused,
                                  max_lifetime_seconds=settings.token_max_lifetime_seconds)
    app.state.authenticator = authenticator
    return authenticator


async def current_principal(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None,
                                                                   Depends(bearer)]) -> Principal:
    """The caller; 401 without a valid token, 429 past its rate limit (or its address's, for refused tokens).

    Async, like every dependency of the auth chain: a sync one would cost each request a hop through the
    thread pool, more than the work itself. Only the rate limiter's Redis round trip leaves the loop, and
    not while its circuit breaker is open.
    """
    authenticator: Authenticator = request.app.state.authenticator
    try:
        principal = authenticator.authenticate(credentials.credentials if credentials else None)
    except NotAuthenticatedError:
        refused = authenticator.refused
        if refused.enabled and not refused.bypassed():
            address = request.client.host if request.client else "unknown"
            await run_in_threadpool(refused.check, f"address:{address}")
        raise
    limiter = authenticator.limiter
    if limiter.enabled and not limiter.bypassed():
        await run_in_threadpool(limiter.check, f"{principal.role}:{principal.subject}")
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_role(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets only ``roles`` through (403 otherwise)."""

    async def dependency(principal: CurrentPrincipal) -> Principal:
        if not principal.has_role(*roles):
            raise ForbiddenError(f"this needs the role {' or '.join(roles)}; the token's role is {principal.role}")
        return principal

    return dependency
