"""The matching rows of the access matrix (``docs/security.md``), cell by cell: every route × every role ×
own / another's / unknown record, each with its exact expected status; a warm cache never widens access.

Profile 1 belongs to ``seeker-1`` and profile 2 to ``seeker-2``; opportunity 10 to ``ent-10`` and 11 to
``ent-11``. The callers are ``seeker-1``, ``ent-10``, an operator and a service.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.matching.domain.encoders import HybridEncoder
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.main import create_app
from services.matching.settings import MatchingSettings
from shared.auth import ROLES, Role, issue_token
from shared.events.topics import OPPORTUNITIES, PROFILES, topic_name
from shared.kafka import ensure_topics
from tests.matching.conftest import auth_headers
from tests.matching.factories import ai_posting, order_class, profile
from tests.matching.kafka_helpers import produce, wait_for

Target = str  # "own", "other", "unknown", or "-" where the route names no record
RECORDS = {"talent": {"own": 1, "other": 2, "unknown": 404}, "opportunity": {"own": 10, "other": 11, "unknown": 404}}
ALL_TARGETS = ("own", "other", "unknown")
STAFF: tuple[Role, Role] = ("operator", "service")


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # "{talent}" / "{opportunity}" where the record's id goes
    targets: tuple[Target, ...]
    expected: Callable[[Role, Target], int]
    body: Callable[[Role, Target], dict[str, Any]] | None = None

    def url(self, target: Target) -> str:
        ids = {kind: ids.get(target, 1) for kind, ids in RECORDS.items()}
        return self.path.format(**ids)

    def call(self, client: TestClient, role: Role | None, target: Target,
             headers: dict[str, str] | None = None) -> Any:
        body = self.body(role or "service", target) if self.body else None
        given = headers if headers is not None else auth_headers(client_settings(client), role) if role else {}
        return client.request(self.method, self.url(target), headers=given, json=body)


def client_settings(client: TestClient) -> MatchingSettings:
    settings: MatchingSettings = client.app.state.matching.settings  # type: ignore[attr-defined]
    return settings


def owned_by(owner: Role, *, unknown: int = 404) -> Callable[[Role, Target], int]:
    """Staff read any record; ``owner``'s role reads its own only; other roles never (403). Unknown: 404.

    Another seeker's talent is answered like an unknown one (404: its existence is not disclosed);
    opportunities are public, so another enterprise's stays 403.
    """
    def expected(role: Role, target: Target) -> int:
        if role not in (owner, *STAFF):
            return 403
        if target == "unknown":
            return unknown
        if role in STAFF or target == "own":
            return 200
        return 404 if role == "seeker" else 403
    return expected


def roles(*allowed: Role, ok: int = 200) -> Callable[[Role, Target], int]:
    return lambda role, _target: ok if role in allowed else 403


def feedback_expected(role: Role, target: Target) -> int:
    if role == "operator":
        return 403
    if role == "service":
        return 202  # relays any pair, indexed or not
    if role == "seeker":  # another seeker's talent is not disclosed: answered like an unknown one
        return {"own": 202, "other": 404, "unknown": 404}[target]
    return {"own": 202, "other": 403, "unknown": 404}[target]


def feedback_body(role: Role, target: Target) -> dict[str, Any]:
    """A seeker reports about a talent (``target``) and opportunity 10; an enterprise about an opportunity."""
    talent = RECORDS["talent"][target] if role != "enterprise" else 1
    opportunity = RECORDS["opportunity"][target] if role == "enterprise" else 10
    actor = "enterprise" if role == "enterprise" else "seeker"
    return {"talent_id": talent, "opportunity_id": opportunity, "action": "clicked", "actor_role": actor}


ROUTES = [
    Route("GET", "/v1/talents/{talent}/recommendations", ALL_TARGETS, owned_by("seeker")),
    Route("GET", "/v1/talents/{talent}/skill-gap?opportunity_id=10", ALL_TARGETS, owned_by("seeker")),
    Route("GET", "/v1/opportunities/{opportunity}/shortlist", ALL_TARGETS, owned_by("enterprise")),
    Route("POST", "/v1/search", ("-",), roles(*ROLES), lambda _r, _t: {"text": "机器学习", "target": "opportunities"}),
    Route("POST", "/v1/search", ("-",), roles("enterprise", *STAFF), lambda _r, _t: {"text": "机器学习",
                                                                                   "target": "talents"}),
    Route("POST", "/v1/occupations/normalize", ("-",), roles(*ROLES), lambda _r, _t: {"titles": ["数据工程师"]}),
    Route("POST", "/v1/feedback", ALL_TARGETS, feedback_expected, feedback_body),
    Route("GET", "/v1/status", ("-",), roles(*STAFF)),
    Route("GET", "/v1/index/talents/versions", ("-",), roles(*STAFF)),
    Route("GET", "/v1/operator/metrics", ("-",), roles("operator")),
    Route("GET", "/v1/operator/feedback", ("-",), roles("operator")),
]
OPEN = ["/healthz", "/readyz", "/metrics", "/operator/dashboard", "/operator/assets/dashboard.js"]


@pytest.fixture
def client(occupation_normalizer: OccupationNormalizer, bootstrap: str, redis_url: str, topic_suffix: str,
           lexical_encoder: HybridEncoder) -> Iterator[TestClient]:
    ensure_topics(bootstrap, partitions=1, namespace=topic_suffix)
    settings = MatchingSettings(kafka_bootstrap_servers=bootstrap, redis_url=redis_url,
                                topic_namespace=topic_suffix)
    produce(bootstrap, topic_name(PROFILES, topic_suffix), [profile(1), profile(2, skills=["Java"])])
    produce(bootstrap, topic_name(OPPORTUNITIES, topic_suffix), [ai_posting(10), order_class(11)])
    with TestClient(create_app(settings, encoder=lexical_encoder, normalizer=occupation_normalizer)) as test_client:
        service = auth_headers(settings, "service")
        wait_for(lambda: test_client.get("/v1/status", headers=service).json()["index"]
                 == {"talents": 2, "opportunities": 2}, what="the records indexed")
        wait_for(lambda: test_client.get("/readyz").status_code == 200, what="ready")
        yield test_client


def test_every_cell_of_the_matrix(client: TestClient) -> None:
    for route in ROUTES:  # warm the cache as staff first: a cached result must not widen access
        for target in route.targets:
            route.call(client, "operator", target)
    violations, cells = [], 0
    for route in ROUTES:
        for role in ROLES:
            for target in route.targets:
                response = route.call(client, role, target)
                cells += 1
                expected = route.expected(role, target)
                if response.status_code != expected:
                    violations.append(f"{route.method} {route.url(target)} as {role} on {target}: "
                                      f"{response.status_code}, expected {expected}: {response.text[:200]}")
                elif expected >= 400 and [*response.json()] != ["detail"]:
                    violations.append(f"{route.method} {route.url(target)} as {role}: not the shared error shape")
    print(f"{cells} cells, {len(violations)} violations")
    assert cells == sum(len(route.targets) for route in ROUTES) * len(ROLES)
    assert violations == []


def test_no_token_is_401_and_the_open_paths_stay_open(client: TestClient) -> None:
    secret = client_settings(client).auth_secret.get_secret_value()
    expired = issue_token(secret, subject="op-1", role="operator", ttl_seconds=1, now=time.time() - 60)
    foreign = issue_token("another-secret-of-at-least-32-characters", subject="op-1", role="operator")
    refused: list[dict[str, str]] = [{}, {"Authorization": "Bearer " + "x" * 20}, {"Authorization": "Basic dTpw"},
                                     {"Authorization": f"Bearer {expired}"}, {"Authorization": f"Bearer {foreign}"}]
    violations = []
    for route in ROUTES:
        for headers in refused:
            response = route.call(client, None, "own", headers=headers)
            if response.status_code != 401 or response.headers.get("www-authenticate") != "Bearer":
                violations.append(f"{route.method} {route.path} with {headers}: {response.status_code}")
    assert violations == []
    for path in OPEN:
        assert client.get(path).status_code == 200, path


def test_a_cached_result_is_served_only_to_whom_the_rules_allow(client: TestClient) -> None:
    settings = client_settings(client)
    path = "/v1/talents/1/recommendations"
    first = client.get(path, headers=auth_headers(settings, "seeker"))
    again = client.get(path, headers=auth_headers(settings, "seeker"))
    assert first.status_code == again.status_code == 200 and again.json()["cached"] is True
    strangers: list[tuple[Role, str, int]] = [("seeker", "seeker-2", 404), ("enterprise", "ent-10", 403)]
    for role, subject, status in strangers:
        refused = client.get(path, headers=auth_headers(settings, role, subject))
        assert refused.status_code == status and "items" not in refused.text
    staff = client.get(path, headers=auth_headers(settings, "operator"))
    assert staff.status_code == 200 and staff.json()["items"] == first.json()["items"]
    shortlist = "/v1/opportunities/10/shortlist"
    assert client.get(shortlist, headers=auth_headers(settings, "enterprise")).status_code == 200
    assert client.get(shortlist, headers=auth_headers(settings, "enterprise", "ent-11")).status_code == 403


def test_feedback_is_reported_as_the_caller_role(client: TestClient) -> None:
    settings = client_settings(client)
    as_enterprise = {**feedback_body("seeker", "own"), "actor_role": "enterprise"}
    refused = client.post("/v1/feedback", json=as_enterprise, headers=auth_headers(settings, "seeker"))
    assert refused.status_code == 403 and refused.json()["detail"][0]["loc"] == ["body", "actor_role"]
    relayed = client.post("/v1/feedback", json=as_enterprise, headers=auth_headers(settings, "service"))
    assert relayed.status_code == 202


def test_requests_past_the_rate_limit_are_429(occupation_normalizer: OccupationNormalizer,
                                              bootstrap: str, redis_url: str, topic_suffix: str,
                                             lexical_encoder: HybridEncoder) -> None:
    settings = MatchingSettings(kafka_bootstrap_servers=bootstrap, redis_url=redis_url,
                                topic_namespace=f"{topic_suffix}-limit", rate_limit_per_minute=2)
    with TestClient(create_app(settings, encoder=lexical_encoder, normalizer=occupation_normalizer)) as client:
        # The window is the wall-clock minute: fix the clock 10 s into one, so the calls share it.
        client.app.state.authenticator.limiter.clock = lambda: 1_800_000_010.0  # type: ignore[attr-defined]
        calls = [client.get("/v1/status", headers=auth_headers(settings, "operator")) for _ in range(3)]
        assert [c.status_code for c in calls] == [200, 200, 429]
        assert int(calls[2].headers["retry-after"]) == 50
        assert client.get("/v1/status", headers=auth_headers(settings, "service")).status_code == 200
