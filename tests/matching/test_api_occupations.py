"""The skill-gap and normalize endpoints over HTTP: real app, real broker, real redis-server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.matching.domain.encoders import HybridEncoder
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.main import create_app
from services.matching.settings import MatchingSettings
from shared.events.topics import OPPORTUNITIES, PROFILES, topic_name
from shared.events.vocabulary import TrainingMode
from shared.kafka import ensure_topics
from tests.matching.conftest import auth_headers
from tests.matching.factories import ai_posting, order_class, profile
from tests.matching.kafka_helpers import produce, wait_for


@pytest.fixture
def client(occupation_normalizer: OccupationNormalizer, bootstrap: str, redis_url: str, topic_suffix: str,
           lexical_encoder: HybridEncoder) -> Iterator[TestClient]:
    ensure_topics(bootstrap, partitions=1, namespace=topic_suffix)
    settings = MatchingSettings(kafka_bootstrap_servers=bootstrap, redis_url=redis_url,
                                topic_namespace=topic_suffix)
    with TestClient(create_app(settings, encoder=lexical_encoder, normalizer=occupation_normalizer),
                    headers=auth_headers(settings, "service")) as test_client:
        yield test_client


def test_skill_gap_endpoint(client: TestClient, bootstrap: str, topic_suffix: str) -> None:
    produce(bootstrap, topic_name(OPPORTUNITIES, topic_suffix), [
        ai_posting(10, title="大数据开发工程师", skills=["Spark", "Python", "Flink"], description="",
                   details={"occupation_code": "2-02-38-03"}),
        order_class(20, title="大数据开发订单班", skills=["Spark", "Flink"], training_mode=TrainingMode.ORDER_BASED),
    ])
    produce(bootstrap, topic_name(PROFILES, topic_suffix), [profile(1, skills=["Python"], skills_text="")])

    def gap() -> dict[str, Any] | None:
        response = client.get("/v1/talents/1/skill-gap", params={"opportunity_id": 10})
        body: dict[str, Any] = response.json()
        return body if response.status_code == 200 and body["classes"] else None

    body = wait_for(gap, what="the skill gap with its class")
    assert body["missing_skills"] == ["Spark", "Flink"] and body["cached"] is False
    assert body["classes"][0]["id"] == 20 and body["classes"][0]["coverage"] == 1.0
    assert client.get("/v1/talents/1/skill-gap", params={"opportunity_id": 10}).json()["cached"] is True
    by_occupation = client.get("/v1/talents/1/skill-gap", params={"occupation": "2-02-38-03"})
    assert by_occupation.status_code == 200
    assert by_occupation.json()["target"]["occupation"]["name"] == "大数据工程技术人员"

    assert client.get("/v1/talents/404/skill-gap", params={"opportunity_id": 10}).status_code == 404
    assert client.get("/v1/talents/1/skill-gap", params={"opportunity_id": 404}).status_code == 404
    assert client.get("/v1/talents/1/skill-gap", params={"occupation": "9-99-99-99"}).status_code == 404
    neither = client.get("/v1/talents/1/skill-gap")
    assert neither.status_code == 422 and "exactly one" in neither.text
    both = client.get("/v1/talents/1/skill-gap", params={"opportunity_id": 10, "occupation": "2-02-38-03"})
    assert both.status_code == 422
    assert client.get("/v1/talents/1/skill-gap", params={"opportunity_id": 10, "k": 51}).status_code == 422


def test_recommendations_carry_the_occupation(client: TestClient, bootstrap: str, topic_suffix: str) -> None:
    produce(bootstrap, topic_name(OPPORTUNITIES, topic_suffix), [ai_posting(10)])
    produce(bootstrap, topic_name(PROFILES, topic_suffix), [profile(1)])

    def items() -> list[dict[str, Any]] | None:
        response = client.get("/v1/talents/1/recommendations")
        if response.status_code != 200:
            return None
        found: list[dict[str, Any]] = response.json()["items"]
        return found or None

    item = wait_for(items, what="a recommendation")[0]
    assert item["occupation"]["code"] == "2-02-38-01" and item["occupation"]["digital"] is True
    assert "same_occupation" in {r["code"] for r in item["reasons"]}


def test_normalize_endpoint_and_its_limits(client: TestClient) -> None:
    response = client.post("/v1/occupations/normalize",
                           json={"titles": ["大数据开发工程师", "", "Senior Data Engineer", "护士"], "top": 2})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["input"] for r in results] == ["大数据开发工程师", "", "Senior Data Engineer", "护士"]
    assert results[0]["matches"][0] == {"code": "2-02-38-03", "name": "大数据工程技术人员",
                                        "score": results[0]["matches"][0]["score"], "digital": True}
    assert len(results[0]["matches"]) == 2 and results[1]["matches"] == []
    assert results[2]["matches"][0]["code"] == "2-02-38-03" and results[2]["matches"][0]["score"] == 1.0
    assert results[3]["matches"][0]["digital"] is False
    assert len(client.post("/v1/occupations/normalize", json={"titles": ["java开发"] * 1000}).json()["results"]) \
        == 1000
    bad: dict[str, Any]
    for bad in ({"titles": ["x"] * 1001}, {"titles": []}, {"titles": ["x"], "top": 0},
                {"titles": ["x"], "top": 21}, {"titles": ["x" * 201]}, {"titles": ["x"], "extra": 1}, {}):
        assert client.post("/v1/occupations/normalize", json=bad).status_code == 422, bad
