"""The operator API against the real broker, redis and model: numbers equal what the events imply."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from services.matching.domain.encoders import HybridEncoder
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.main import create_app
from services.matching.settings import MatchingSettings
from shared.events.topics import DEAD_LETTER, FEEDBACK
from talentmatch.embedded import free_port
from tests.matching.conftest import auth_headers
from tests.matching.factories import profile
from tests.matching.kafka_helpers import produce, read_all, wait_for
from tests.metrics.market import Tokens, load_market
from tests.metrics.scenario import (
    EXPECTED_FUNNEL,
    EXPECTED_SHANGHAI,
    EXPECTED_SUPPLY,
    EXPECTED_TRAINING,
    EXPECTED_VOLUMES,
)

EVENT_DERIVED = ("training", "supply_demand")


def _metrics(client: TestClient, operator: dict[str, str], **params: Any) -> dict[str, Any]:
    response = client.get("/v1/operator/metrics", params=params, headers=operator)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_operator_metrics_equal_what_the_events_imply(client: TestClient, bootstrap: str, topics: dict[str, str],
                                                      operator: dict[str, str], tokens: Tokens) -> None:
    served = load_market(client, bootstrap, topics, tokens)
    # a poison message and a record event on the feedback topic: both dead-lettered
    produce(bootstrap, topics[FEEDBACK.name], [(b"bad", b"{not json"), profile(99)])
    wait_for(lambda: _metrics(client, operator)["pipeline"]["dead_lettered"] == 2, what="two dead letters")

    body = _metrics(client, operator, window="24h")
    assert body["filters"] == {"window": "24h", "field": None, "city": None, "kind": None, "occupation": None}
    assert body["volumes"] == {**EXPECTED_VOLUMES, "recommendations_served": 2, "shortlists_served": 1}
    quality = body["quality"]
    assert {k: quality[k] for k in EXPECTED_FUNNEL} == EXPECTED_FUNNEL
    assert quality["served_matches"] == len(served.scores()) and quality["median_score"] == served.median()
    assert quality["coverage"] == served.coverage(0.5) and quality["talents_served"] == 2
    assert {k: body["training"][k] for k in EXPECTED_TRAINING} == EXPECTED_TRAINING
    supply = body["supply_demand"]
    assert supply["by_field"] == EXPECTED_SUPPLY["by_field"] and supply["by_city"] == EXPECTED_SUPPLY["by_city"]
    assert [s["skill"] for s in supply["scarce_skills"]] == EXPECTED_SUPPLY["scarce_skills"]

    pipeline = body["pipeline"]
    assert pipeline["consumer"]["running"] and pipeline["consumer"]["caught_up"]
    assert pipeline["lag"] == {topics[name]: 0 for name in ("talentmatch.profiles", "talentmatch.opportunities",
                                                            "talentmatch.feedback", "talentmatch.applications")}
    assert pipeline["freshness_seconds"]["count"] >= 1 and 0 <= pipeline["freshness_seconds"]["p50"] < 30
    assert pipeline["embedding_seconds"]["count"] >= 1 and pipeline["search_seconds"]["count"] == 3
    assert pipeline["cache"]["misses"] >= 3 and pipeline["cache"]["hit_ratio"] is not None
    assert body["options"]["cities"] == ["上海市", "杭州市"]

    letters = [json.loads(r.value) for r in read_all(bootstrap, topics[DEAD_LETTER.name], expected=2)]
    assert sorted(letter["key"] for letter in letters) == ["99", "bad"]
    assert any("does not belong on topic" in letter["reason"] for letter in letters)

    shanghai = _metrics(client, operator, city="上海")  # normalized to 上海市
    assert shanghai["filters"]["city"] == "上海市"
    assert shanghai["volumes"]["profiles"] == EXPECTED_SHANGHAI["profiles"]
    assert shanghai["volumes"]["opportunities"] == EXPECTED_SHANGHAI["opportunities"]
    assert shanghai["quality"]["impressions"] == EXPECTED_SHANGHAI["impressions"]
    assert shanghai["training"]["seats"] == EXPECTED_SHANGHAI["seats"]
    week = _metrics(client, operator, window="7d", kind="training_class")
    assert week["volumes"]["feedback_events"] == 6 and week["volumes"]["opportunities"] == 2
    assert week["volumes"]["shortlists_served"] == 0

    recent = client.get("/v1/operator/feedback", params={"limit": 3, "action": "enrolled"}, headers=operator)
    assert recent.status_code == 200 and recent.json()["total"] == 2 and len(recent.json()["items"]) == 2


def test_a_replica_replaying_the_topics_rebuilds_the_same_figures(occupation_normalizer: OccupationNormalizer,
        client: TestClient, bootstrap: str, topics: dict[str, str], operator: dict[str, str], tokens: Tokens,
        settings: MatchingSettings, hybrid_encoder: HybridEncoder) -> None:
    load_market(client, bootstrap, topics, tokens)
    first = _metrics(client, operator, window="7d")
    with TestClient(create_app(settings, encoder=hybrid_encoder, normalizer=occupation_normalizer)) as replica:
        wait_for(lambda: replica.get("/readyz").status_code == 200, what="the replica caught up")
        again = _metrics(replica, operator, window="7d")
    for group in EVENT_DERIVED:
        assert again[group] == first[group]
    served_keys = {"recommendations_served", "shortlists_served"}  # per replica: not events
    assert {k: v for k, v in again["volumes"].items() if k not in served_keys} == \
           {k: v for k, v in first["volumes"].items() if k not in served_keys}
    funnel = [*EXPECTED_FUNNEL]
    assert {k: again["quality"][k] for k in funnel} == {k: first["quality"][k] for k in funnel}


def test_operator_endpoints_need_an_operator_token(client: TestClient, operator: dict[str, str],
                                                   tokens: Tokens) -> None:
    for path in ("/v1/operator/metrics", "/v1/operator/feedback"):
        assert client.get(path).status_code == 401
        refused = client.get(path, headers={"Authorization": "Bearer wrong-token-0123456789"})
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        for role in ("seeker", "enterprise", "service"):
            assert client.get(path, headers=tokens(role)).status_code == 403, (path, role)
        assert client.get(path, headers=operator).status_code == 200
    page = client.get("/operator/dashboard")  # the page holds no data: anyone may load it, its script asks
    assert page.status_code == 200 and 'data-testid="login"' in page.text and "data-value" not in page.text
    assert "Content-Security-Policy" in page.headers and "https://" not in page.text
    assert page.headers["referrer-policy"] == "no-referrer" and page.headers["cache-control"] == "no-store"
    script = client.get("/operator/assets/dashboard.js")
    assert script.status_code == 200 and "http://" not in script.text.replace("http://www.w3.org/2000/svg", "")
    assert client.get("/operator/assets/secrets.txt").status_code == 404
    assert client.get("/metrics").status_code == 200  # open for Prometheus


def test_feedback_is_validated(client: TestClient, tokens: Tokens) -> None:
    good = {"talent_id": 1, "opportunity_id": 2, "action": "clicked", "actor_role": "seeker"}
    service = tokens("service")
    assert client.post("/v1/feedback", json=good).status_code == 401
    assert client.post("/v1/feedback", json={**good, "action": "liked"}, headers=service).status_code == 422
    assert client.post("/v1/feedback", json={**good, "talent_id": 0}, headers=service).status_code == 422
    assert client.post("/v1/feedback", json={**good, "phone": "13800138000"}, headers=service).status_code == 422
    future = client.post("/v1/feedback", json={**good, "occurred_at": "2999-01-01T00:00:00Z"}, headers=service)
    assert future.status_code == 422 and future.json()["detail"][0]["loc"] == ["body", "occurred_at"]
    naive = client.post("/v1/feedback", json={**good, "occurred_at": "2026-01-01T00:00:00"}, headers=service)
    assert naive.status_code == 422
    for action in ("applied", "enrolled", "interviewed", "hired"):  # the jobs service's facts: one source only
        refused = client.post("/v1/feedback", json={**good, "action": action}, headers=service)
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "action"], action
        assert "jobs service" in refused.json()["detail"][0]["msg"]
    for action in ("shown", "clicked", "dismissed"):
        assert client.post("/v1/feedback", json={**good, "action": action}, headers=service).status_code == 202


def test_feedback_is_accepted_while_no_broker_answers_and_waits_in_the_outbox(
        occupation_normalizer: OccupationNormalizer, redis_url: str, hybrid_encoder: HybridEncoder) -> None:
    settings = MatchingSettings(kafka_bootstrap_servers=f"127.0.0.1:{free_port()}", redis_url=redis_url,
                                topic_namespace="nobroker", retry_max_seconds=0.5)
    with TestClient(create_app(settings, encoder=hybrid_encoder, normalizer=occupation_normalizer)) as client:
        body = {"talent_id": 1, "opportunity_id": 2, "action": "clicked", "actor_role": "seeker",
                "event_id": "no-broker-1"}
        for _ in range(2):  # the client's retry with the same event_id is stored once
            response = client.post("/v1/feedback", json=body, headers=auth_headers(settings, "service"))
            assert response.status_code == 202, response.text
            assert response.json() == {"event_id": "no-broker-1", "topic": "nobroker.talentmatch.feedback"}
        outbox = client.app.state.matching.metrics.publisher  # type: ignore[attr-defined]
        assert outbox.ledger.count() == 1
        assert outbox.readiness()[1]["outbox_pending"] == 1  # published once a broker answers
