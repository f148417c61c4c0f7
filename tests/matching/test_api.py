"""The service end to end: real broker, real redis-server, real model, events produced as the
profiles and jobs services publish them."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.matching.domain.encoders import HybridEncoder
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.main import create_app
from services.matching.settings import MatchingSettings
from shared.events.contracts import MAX_EVENT_BYTES
from shared.events.topics import DEAD_LETTER, OPPORTUNITIES, PROFILES, topic_name
from shared.kafka import ensure_topics
from talentmatch.embedded import free_port, start_broker
from tests.matching.conftest import auth_headers
from tests.matching.factories import ai_posting, nursing_posting, opportunity_deleted, order_class, profile
from tests.matching.kafka_helpers import produce, read_all, wait_for


@pytest.fixture
def topics(bootstrap: str, topic_suffix: str) -> dict[str, str]:
    ensure_topics(bootstrap, partitions=3, namespace=topic_suffix)
    return {spec.name: topic_name(spec, topic_suffix) for spec in (PROFILES, OPPORTUNITIES, DEAD_LETTER)}


@pytest.fixture
def settings(bootstrap: str, redis_url: str, topic_suffix: str) -> MatchingSettings:
    # evidence_similarity 0: these tests follow records through the stream, so the nursing post is listed for
    # the machine-learning profile too (test_ranking_rules.py covers the evidence rule).
    return MatchingSettings(kafka_bootstrap_servers=bootstrap, redis_url=redis_url,
                            topic_namespace=topic_suffix, evidence_similarity=0.0)


@pytest.fixture
def client(occupation_normalizer: OccupationNormalizer,
           settings: MatchingSettings, hybrid_encoder: HybridEncoder) -> Iterator[TestClient]:
    """As a service, which reads every record (``test_access.py`` walks the rules)."""
    with TestClient(create_app(settings, encoder=hybrid_encoder, normalizer=occupation_normalizer),
                    headers=auth_headers(settings, "service")) as test_client:
        yield test_client


def _ids(body: dict[str, Any]) -> list[int]:
    return [item["id"] for item in body["items"]]


def _recommendations(client: TestClient, talent_id: int, **params: Any) -> dict[str, Any] | None:
    response = client.get(f"/v1/talents/{talent_id}/recommendations", params=params)
    return response.json() if response.status_code == 200 else None


def _recommendations_when(client: TestClient, talent_id: int,
                          ok: Callable[[dict[str, Any]], bool]) -> Callable[[], dict[str, Any] | None]:
    """A check for ``wait_for``: the talent's recommendations once they satisfy ``ok``."""
    def check() -> dict[str, Any] | None:
        body = _recommendations(client, talent_id)
        return body if body is not None and ok(body) else None
    return check


def _ready(client: TestClient) -> dict[str, Any] | None:
    response = client.get("/readyz")
    return response.json() if response.status_code == 200 else None


def test_recommendations_follow_the_event_stream(client: TestClient, bootstrap: str,
                                                 topics: dict[str, str]) -> None:
    opportunities, profiles = topics[OPPORTUNITIES.name], topics[PROFILES.name]
    produce(bootstrap, opportunities, [nursing_posting(11), ai_posting(10)])
    produce(bootstrap, profiles, [profile(1)])

    first = wait_for(_recommendations_when(client, 1, lambda b: len(b["items"]) == 2),
                     what="both opportunities recommended")
    assert _ids(first) == [10, 11] and first["cached"] is False
    top = first["items"][0]
    assert top["matched_skills"] == ["机器学习", "Python"] and top["missing_skills"] == ["PyTorch"]
    assert {r["code"] for r in top["reasons"]} >= {"same_occupation", "same_city", "wanted_kind", "level"}

    second = _recommendations(client, 1)
    assert second is not None and second["cached"] is True
    assert second["items"] == first["items"] and second["generation"] == first["generation"]

    produce(bootstrap, opportunities, [ai_posting(10, 2, city="上海市", organization="上海智算")])
    updated = wait_for(_recommendations_when(client, 1, lambda b: b["generation"] > first["generation"]),
                       what="the update applied")
    assert updated["cached"] is False
    assert next(i for i in updated["items"] if i["id"] == 10)["organization"] == "上海智算"

    produce(bootstrap, opportunities, [opportunity_deleted(10, 3)])
    gone = wait_for(_recommendations_when(client, 1, lambda b: _ids(b) == [11]),
                    what="the deleted opportunity gone")
    assert gone["generation"] == first["generation"] + 2

    deleted = client.get("/v1/opportunities/10/shortlist")
    assert deleted.status_code == 404 and "deleted" in deleted.json()["detail"][0]["msg"]
    shortlist = client.get("/v1/opportunities/11/shortlist", params={"k": 5, "city": "杭州"}).json()
    assert _ids(shortlist) == [1] and shortlist["opportunity_id"] == 11

    status = client.get("/v1/status").json()
    assert status["index"] == {"talents": 1, "opportunities": 1}
    assert status["generation"] == gone["generation"] and status["consumer"]["lag"] == 0
    assert status["cache"]["hits"] >= 1 and status["model"].startswith("multilingual-e5-small")
    ready = wait_for(lambda: _ready(client), what="ready")
    assert ready == {"ready": True, "consumer": "running", "caught_up": True, "broker": "ok", "cache": "ok"}


def test_requests_are_validated(client: TestClient, bootstrap: str, topics: dict[str, str]) -> None:
    produce(bootstrap, topics[OPPORTUNITIES.name], [order_class(12)])
    wait_for(lambda: client.get("/readyz").status_code == 200, what="the backlog read")  # unknown only then: 404
    missing = client.get("/v1/talents/404/recommendations")
    assert missing.status_code == 404 and "not indexed" in missing.json()["detail"][0]["msg"]
    assert client.get("/v1/talents/1/recommendations", params={"k": 101}).status_code == 422
    assert client.get("/v1/talents/1/recommendations", params={"k": 0}).status_code == 422
    wait_for(lambda: client.get("/v1/opportunities/12/shortlist").status_code == 200, what="class indexed")
    bad_city = client.get("/v1/opportunities/12/shortlist", params={"city": "Atlantis"})
    assert bad_city.status_code == 422 and bad_city.json()["detail"][0]["loc"] == ["query", "city"]  # a query parameter
    too_long = client.post("/v1/search", json={"text": "机" * 2001, "target": "talents"})
    assert too_long.status_code == 422 and "2000" in too_long.text
    found = client.post("/v1/search", json={"text": "人工智能 订单班 机器学习", "k": 3})
    assert found.status_code == 200 and _ids(found.json()) == [12]
    assert found.json()["items"][0]["training_mode"] == "order_based"


def test_poison_messages_are_dead_lettered_and_the_consumer_goes_on(
        client: TestClient, bootstrap: str, topics: dict[str, str]) -> None:
    profiles = topics[PROFILES.name]
    wrong_version = json.loads(profile(5).model_dump_json()) | {"schema_version": 2}
    poison = [
        (b"bad-json", b'{"type": "profile.upserted", '),
        (b"unknown-type", json.dumps({"type": "profile.merged", "record_id": 5}).encode()),
        (b"unknown-version", json.dumps(wrong_version).encode()),
        (b"oversized", b"x" * (MAX_EVENT_BYTES + 1)),
    ]
    produce(bootstrap, profiles, [*poison, profile(5)], partition=0)  # one partition: the valid one is last

    wait_for(lambda: _recommendations(client, 5), what="the valid event after the poison applied")
    status = client.get("/v1/status").json()["consumer"]
    assert status["dead_lettered"] == 4 and status["events_applied"] == 1 and status["running"]

    records = read_all(bootstrap, topics[DEAD_LETTER.name], expected=4)
    letters = sorted((json.loads(r.value) for r in records), key=lambda v: v["offset"])
    assert [letter["key"] for letter in letters] == [key.decode() for key, _ in poison]
    assert all(letter["source_topic"] == profiles and letter["partition"] == 0 for letter in letters)
    assert [r.key for r in sorted(records, key=lambda r: json.loads(r.value)["offset"])] == [
        f"{profiles}:0:{offset}".encode() for offset in range(4)]
    assert base64.b64decode(letters[0]["payload_base64"]) == poison[0][1]
    assert "profile.merged" in letters[1]["reason"] or "tag" in letters[1]["reason"]
    assert "schema_version" in letters[2]["reason"]
    oversized = letters[3]
    assert "over the limit" in oversized["reason"] and oversized["payload_truncated"] is True
    assert oversized["payload_bytes"] == MAX_EVENT_BYTES + 1
    assert len(base64.b64decode(oversized["payload_base64"])) == 64 * 1024


def test_redis_down_still_answers_uncached(occupation_normalizer: OccupationNormalizer,
                                           bootstrap: str, topics: dict[str, str], topic_suffix: str,
                                           hybrid_encoder: HybridEncoder) -> None:
    settings = MatchingSettings(kafka_bootstrap_servers=bootstrap, topic_namespace=topic_suffix,
                                redis_url=f"redis://127.0.0.1:{free_port()}/0", cache_local_entries=0,
                                evidence_similarity=0.0)  # as in ``settings``: the nursing post is listed
    produce(bootstrap, topics[OPPORTUNITIES.name], [ai_posting(10), nursing_posting(11)])
    produce(bootstrap, topics[PROFILES.name], [profile(1)])
    with TestClient(create_app(settings, encoder=hybrid_encoder, normalizer=occupation_normalizer),
                    headers=auth_headers(settings, "service")) as client:
        first = wait_for(_recommendations_when(client, 1, lambda b: len(b["items"]) == 2),
                         what="recommendations without redis")
        second = _recommendations(client, 1)
        assert second is not None and first["cached"] is False and second["cached"] is False
        assert _ids(first) == _ids(second) == [10, 11]
        assert client.get("/v1/status").json()["cache"]["errors"] >= 1
        ready = client.get("/readyz")  # the cache is optional: reported, not a reason to take traffic away
        assert ready.status_code == 200 and ready.json()["cache"].startswith("unavailable")


def test_starts_without_a_broker_and_catches_up_when_it_appears(occupation_normalizer: OccupationNormalizer,
        tmp_path: Path, redis_url: str, hybrid_encoder: HybridEncoder) -> None:
    port = free_port()
    late = f"127.0.0.1:{port}"
    settings = MatchingSettings(kafka_bootstrap_servers=late, redis_url=redis_url, topic_namespace="late",
                                retry_max_seconds=0.5)
    broker = None
    try:
        with TestClient(create_app(settings, encoder=hybrid_encoder, normalizer=occupation_normalizer),
                        headers=auth_headers(settings, "service")) as client:
            waiting = client.get("/readyz")
            assert waiting.status_code == 503 and waiting.json()["broker"].startswith("unreachable")
            assert client.get("/v1/status").json()["consumer"]["running"] is True
            broker = start_broker(port=port, log_dir=tmp_path)
            ensure_topics(late, partitions=1, namespace="late")
            produce(late, topic_name(OPPORTUNITIES, "late"), [ai_posting(10)])
            produce(late, topic_name(PROFILES, "late"), [profile(1)])
            body = wait_for(lambda: _recommendations(client, 1), what="catch-up after the outage")
            assert _ids(body) == [10]
            wait_for(lambda: client.get("/readyz").status_code == 200, what="ready")
    finally:
        if broker is not None:
            broker.stop()  # after the app: the broker waits for its connected clients to leave
