"""Bearer tokens, role checks and per-identity rate limits, against a real Redis."""

from __future__ import annotations

import time
import uuid

import pytest
import redis
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from shared.auth import CurrentPrincipal, Principal, install_auth, issue_token, require_role, verify_token
from shared.auth.ratelimit import RateLimiter
from shared.auth.tokens import TokenVerifier
from shared.errors import NotAuthenticatedError, TooManyRequestsError
from shared.settings import ServiceSettings
from shared.web import install_error_handlers

SECRET = "a-test-signing-secret-that-is-long-enough"


def test_a_token_round_trips_to_its_principal() -> None:
    token = issue_token(SECRET, subject="seeker-8f3a", role="seeker")
    assert verify_token(SECRET, token) == Principal(subject="seeker-8f3a", role="seeker")


@pytest.mark.parametrize("tamper", ["other secret", "expired", "garbage"])
def test_bad_tokens_are_refused(tamper: str) -> None:
    if tamper == "other secret":
        token = issue_token("another-secret-of-sufficient-length-xx", subject="s", role="operator")
    elif tamper == "expired":
        token = issue_token(SECRET, subject="s", role="operator", ttl_seconds=60, now=1_000_000)
    else:
        token = "not.a.jwt"
    with pytest.raises(NotAuthenticatedError):
        verify_token(SECRET, token)


def test_a_remembered_token_is_refused_from_its_expiry_on() -> None:
    verifier = TokenVerifier(SECRET, max_tokens=2)
    token = issue_token(SECRET, subject="ent-91", role="enterprise", ttl_seconds=60)
    issued = time.time()
    assert verifier.verify(token, now=issued) == Principal(subject="ent-91", role="enterprise")
    assert verifier.verify(token, now=issued + 30).role == "enterprise"  # remembered
    with pytest.raises(NotAuthenticatedError, match="expired"):
        verifier.verify(token, now=issued + 61)
    assert token not in verifier._verified  # forgotten: checked in full if it comes again


def test_refused_tokens_are_not_remembered_and_memory_is_bounded() -> None:
    verifier = TokenVerifier(SECRET, max_tokens=2)
    forged = issue_token("another-secret-of-sufficient-length-xx", subject="s", role="operator")
    for _ in range(2):
        with pytest.raises(NotAuthenticatedError):
            verifier.verify(forged)
    tokens = [issue_token(SECRET, subject=f"seeker-{n}", role="seeker") for n in range(5)]
    assert [verifier.verify(t).subject for t in tokens] == [f"seeker-{n}" for n in range(5)]
    assert len(verifier._verified) == 2


def test_unknown_roles_are_not_issued() -> None:
    with pytest.raises(ValueError, match="unknown role"):
        issue_token(SECRET, subject="s", role="admin")  # type: ignore[arg-type]


def test_the_development_secret_is_refused_outside_development() -> None:
    with pytest.raises(ValidationError, match="AUTH_SECRET"):
        ServiceSettings(environment="production")
    with pytest.raises(ValidationError, match="32 characters"):
        ServiceSettings(auth_secret="short")
    assert ServiceSettings(environment="production", auth_secret=SECRET)


def test_the_limiter_counts_per_identity_and_says_when_to_retry(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    limiter = RateLimiter(client, per_minute=3, prefix=f"test:{uuid.uuid4().hex}:")
    now = 1_800_000_010.0  # 10 s into a window
    for _ in range(3):
        limiter.check("seeker:a", now=now)
    limiter.check("seeker:b", now=now)  # another identity has its own budget
    with pytest.raises(TooManyRequestsError) as refused:
        limiter.check("seeker:a", now=now)
    assert refused.value.retry_after_seconds == 50
    limiter.check("seeker:a", now=now + 60)  # the next window


def test_the_limiter_lets_requests_through_when_redis_is_down() -> None:
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    limiter = RateLimiter(dead, per_minute=1, prefix="test:")
    limiter.check("seeker:a")
    limiter.check("seeker:a")
    assert limiter.degraded == 2


def _app(redis_url: str, per_minute: int) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    settings = ServiceSettings(auth_secret=SECRET, rate_limit_per_minute=per_minute,
                               topic_namespace=uuid.uuid4().hex)
    install_auth(app, settings, service="test", redis_client=redis.Redis.from_url(redis_url))

    @app.get("/me")
    def me(principal: CurrentPrincipal) -> dict[str, str]:
        return {"subject": principal.subject, "role": principal.role}

    @app.get("/ops", dependencies=[Depends(require_role("operator"))])
    def ops() -> dict[str, bool]:
        return {"ok": True}

    return app


def test_routes_answer_401_403_and_429_in_the_error_shape(redis_url: str) -> None:
    client = TestClient(_app(redis_url, per_minute=2))
    missing = client.get("/me")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.json()["detail"][0]["type"] == "NotAuthenticatedError"

    seeker = {"Authorization": f"Bearer {issue_token(SECRET, subject='seeker-1', role='seeker')}"}
    assert client.get("/me", headers=seeker).json() == {"subject": "seeker-1", "role": "seeker"}
    assert client.get("/ops", headers=seeker).status_code == 403
    limited = client.get("/me", headers=seeker)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
