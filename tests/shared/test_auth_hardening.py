"""Token rules enforced by the services themselves, bounded requests, and a rate limiter that survives a hung
Redis (issue 14, items 4, 7 and 9), against a real redis-server."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.profiles.main import create_app as create_profiles
from services.profiles.settings import ProfilesSettings
from shared.auth import CurrentPrincipal, Principal, install_auth, issue_token, verify_token
from shared.auth.tokens import ALGORITHM, AUDIENCE, ISSUER, MAX_TOKEN_CHARS
from shared.cache import connect_redis
from shared.errors import NotAuthenticatedError
from shared.settings import ServiceSettings
from shared.web import install_body_limit, install_error_handlers
from talentmatch.embedded import ManagedProcess, free_port, start_redis
from tests.migrations.support import migrated

SECRET = "a-test-signing-secret-that-is-long-enough"
DAY = 24 * 3600


def _signed(claims: dict[str, object]) -> str:
    issued = int(time.time())
    return jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "iat": issued, "exp": issued + 3600, "role": "seeker",
                       "sub": "seeker-1", **claims}, SECRET, algorithm=ALGORITHM)


def _app(redis_client: redis.Redis[bytes] | None, **settings: object) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    install_body_limit(app, max_bytes=1024)
    config = ServiceSettings(auth_secret=SECRET, topic_namespace=uuid.uuid4().hex, **settings)  # type: ignore[arg-type]
    install_auth(app, config, service="test", redis_client=redis_client)

    @app.get("/me")
    def me(principal: CurrentPrincipal) -> dict[str, str | None]:
        return {"subject": principal.subject, "role": principal.role, "org": principal.org}

    return app


def test_a_token_valid_for_longer_than_the_cap_is_refused_whoever_signed_it() -> None:
    issued = int(time.time())
    century = _signed({"iat": issued, "exp": issued + 100 * 365 * DAY})
    with pytest.raises(NotAuthenticatedError, match="longer than"):
        verify_token(SECRET, century)
    assert verify_token(SECRET, _signed({"iat": issued, "exp": issued + 90 * DAY})).subject == "seeker-1"
    client = TestClient(_app(None, token_max_lifetime_seconds=7 * DAY))
    week_and_a_day = _signed({"iat": issued, "exp": issued + 8 * DAY})
    refused = client.get("/me", headers={"Authorization": f"Bearer {week_and_a_day}"})
    assert refused.status_code == 401 and "longer than" in refused.json()["detail"][0]["msg"]
    assert client.get("/me", headers={"Authorization": f"Bearer {_signed({})}"}).status_code == 200


@pytest.mark.parametrize("subject", ["seeker\nadmin", "seeker-\u202eevil", "<script>alert(1)</script>", "",
                                     "a" * 129, "王敏", "seeker 1"])
def test_subjects_outside_the_pattern_are_refused_and_never_issued(subject: str) -> None:
    with pytest.raises(NotAuthenticatedError, match="subject"):
        verify_token(SECRET, _signed({"sub": subject}))
    with pytest.raises(ValueError, match="subject"):
        issue_token(SECRET, subject=subject, role="seeker")


@pytest.mark.parametrize("subject", ["seeker-8f3a", "ent.91", "op:wang@example.org", "svc_stack", "a" * 128])
def test_subjects_of_the_pattern_are_accepted(subject: str) -> None:
    assert verify_token(SECRET, issue_token(SECRET, subject=subject, role="operator")).subject == subject


def test_an_enterprise_token_carries_its_organization() -> None:
    token = issue_token(SECRET, subject="ent-91", role="enterprise", org="杭州数澜云智科技有限公司")
    assert verify_token(SECRET, token) == Principal(subject="ent-91", role="enterprise", org="杭州数澜云智科技有限公司")
    with pytest.raises(NotAuthenticatedError, match="org"):
        verify_token(SECRET, _signed({"role": "enterprise", "org": "x" * 121}))
    with pytest.raises(ValueError, match="org"):
        issue_token(SECRET, subject="ent-91", role="enterprise", org=" padded ")


def test_a_token_over_the_length_cap_is_refused_before_it_is_decoded() -> None:
    huge = "e" * (MAX_TOKEN_CHARS + 1)
    with pytest.raises(NotAuthenticatedError, match=f"over {MAX_TOKEN_CHARS}"):
        verify_token(SECRET, huge)
    padded = _signed({"pad": "p" * MAX_TOKEN_CHARS})  # validly signed, but too long
    with pytest.raises(NotAuthenticatedError, match=f"over {MAX_TOKEN_CHARS}"):
        verify_token(SECRET, padded)


def test_request_line_and_headers_over_the_cap_are_431_before_any_work(tmp_path: Path) -> None:
    settings = ProfilesSettings(database_url=migrated(f"sqlite:///{tmp_path / 'p.db'}", "profiles"),
                                auth_secret=SECRET,
                                kafka_bootstrap_servers=f"127.0.0.1:{free_port()}", rate_limit_per_minute=0)
    with TestClient(create_profiles(settings)) as client:
        big = client.get("/healthz", headers={"X-Filler": "a" * settings.max_header_bytes})
        assert big.status_code == 431 and big.json()["detail"][0]["loc"] == ["header"]
        long_url = client.get("/v1/profiles?city=" + "a" * settings.max_header_bytes)
        assert long_url.status_code == 431
        token = client.get("/v1/profiles", headers={"Authorization": "Bearer " + "x" * (4 * MAX_TOKEN_CHARS)})
        assert token.status_code == 431  # refused by size before the token is looked at
        long_token = client.get("/v1/profiles", headers={"Authorization": "Bearer " + "x" * (MAX_TOKEN_CHARS + 1)})
        assert long_token.status_code == 401 and f"over {MAX_TOKEN_CHARS}" in long_token.text
        assert client.get("/healthz", headers={"X-Filler": "a" * 1000}).status_code == 200


def test_invalid_tokens_are_rate_limited_per_client_address(redis_url: str) -> None:
    client = TestClient(_app(redis.Redis.from_url(redis_url), invalid_token_limit_per_minute=3))
    forged = {"Authorization": "Bearer " + issue_token("another-secret-of-sufficient-length-xx", subject="s",
                                                       role="operator")}
    statuses = [client.get("/me", headers=forged).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert client.get("/me").status_code == 429, "no token counts against the address too"
    assert client.get("/me", headers={"Authorization": f"Bearer {_signed({})}"}).status_code == 200, \
        "a valid token is counted per identity, not per address"


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[ManagedProcess]:
    """A redis-server of this test only: it gets stopped."""
    server = start_redis(log_dir=tmp_path)
    yield server
    os.kill(server.process.pid, signal.SIGCONT)
    server.stop()


def test_a_hung_redis_costs_one_timeout_not_one_per_request(own_redis: ManagedProcess) -> None:
    """SIGSTOP leaves the port open but unanswered: the first request waits out the socket timeout and
    opens the breaker; the next ones skip Redis until it is retried; after SIGCONT requests are counted
    (and limited) again."""
    app = _app(connect_redis(f"redis://127.0.0.1:{own_redis.port}/0"), rate_limit_per_minute=5)
    limiter = app.state.authenticator.limiter
    limiter.breaker._retry_after = 0.5
    headers = {"Authorization": f"Bearer {_signed({'sub': 'seeker-hung'})}"}
    client = TestClient(app)
    assert client.get("/me", headers=headers).status_code == 200
    os.kill(own_redis.process.pid, signal.SIGSTOP)
    started = time.monotonic()
    assert [client.get("/me", headers=headers).status_code for _ in range(20)] == [200] * 20
    elapsed = time.monotonic() - started
    print(f"20 requests with Redis stopped: {elapsed:.2f}s, breaker trips: {limiter.breaker.trips}")
    assert limiter.breaker.trips <= 1 + int(elapsed / 0.5), "Redis is asked at most once per retry period"
    assert limiter.degraded == 20
    os.kill(own_redis.process.pid, signal.SIGCONT)
    deadline = time.monotonic() + 20
    statuses: list[int] = []
    while time.monotonic() < deadline and 429 not in statuses:
        statuses.append(client.get("/me", headers=headers).status_code)
        time.sleep(0.05)  # not a wait for a condition: paces requests across the breaker's retry period
    assert 429 in statuses, "once Redis answers again, the budget is enforced again"
