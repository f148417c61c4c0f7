"""Driving the scenario through the real broker and the real matching app (TestClient or HTTP)."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi.testclient import TestClient

from shared.events.topics import APPLICATIONS, FEEDBACK, OPPORTUNITIES, PROFILES
from tests.matching.factories import enterprise_of, profile, seeker_of
from tests.matching.kafka_helpers import produce, wait_for
from tests.metrics.scenario import api_feedback_specs, application_events, opportunity_events, profile_events

Http = httpx.Client | TestClient
Tokens = Callable[..., dict[str, str]]  # (role, subject=None) -> the Authorization header


def reporter(tokens: Tokens, spec: dict[str, Any]) -> dict[str, str]:
    """Who posts a feedback body: the seeker owning its talent, or the enterprise owning its opportunity."""
    if spec["actor_role"] == "seeker":
        return tokens("seeker", seeker_of(spec["talent_id"]))
    return tokens("enterprise", enterprise_of(spec["opportunity_id"]))


@dataclass
class Served:
    """What the recommendation and shortlist calls answered: the figures must agree with it."""

    bodies: list[dict[str, Any]]

    def scores(self) -> list[float]:
        return [item["score"] for body in self.bodies for item in body["items"]]

    def median(self) -> float:
        return round(statistics.median(self.scores()), 4)

    def recommendations_in(self, city: str) -> int:
        """Recommendation lists that served at least one opportunity in ``city``."""
        return sum(any(i["city"] == city for i in b["items"]) for b in self.bodies if "talent_id" in b)

    def coverage(self, threshold: float) -> float:
        talents = {b["talent_id"]: any(i["score"] >= threshold for i in b["items"]) for b in self.bodies
                   if "talent_id" in b}
        return round(sum(talents.values()) / len(talents), 4)


def _indexed(http: Http, talents: int, opportunities: int, tokens: Tokens) -> bool:
    status = http.get("/v1/status", headers=tokens("service")).json()
    return bool(status["index"] == {"talents": talents, "opportunities": opportunities}
                and status["consumer"]["lag"] == 0)


def load_market(http: Http, bootstrap: str, topics: dict[str, str], tokens: Tokens) -> Served:
    """Records and applications through Kafka (as profiles and jobs publish them), feedback through
    ``POST /v1/feedback`` (each by the owner it is about), then the served lists through the API (each asked by
    the seeker or enterprise it is for)."""
    operator = tokens("operator")
    produce(bootstrap, topics[PROFILES.name], profile_events())
    produce(bootstrap, topics[OPPORTUNITIES.name], opportunity_events())
    wait_for(lambda: _indexed(http, 3, 5, tokens), timeout=30, what="the records indexed")
    wait_for(lambda: http.get("/readyz").status_code == 200, timeout=30, what="the consumer caught up")
    # a live update once caught up (same facts, next version): an event-to-index freshness sample
    produce(bootstrap, topics[PROFILES.name], [profile(4, 2, skills=["Python"], skills_text="数据清洗",
                                                       open_to_work=False)])
    now = datetime.now(UTC)
    produce(bootstrap, topics[APPLICATIONS.name], application_events(now))
    for spec in api_feedback_specs(now):
        response = http.post("/v1/feedback", json=spec, headers=reporter(tokens, spec))
        assert response.status_code == 202, response.text
        assert response.json()["topic"] == topics[FEEDBACK.name]
    again = api_feedback_specs(now)[1]
    retry = http.post("/v1/feedback", json=again, headers=reporter(tokens, again))  # a client retry: counted once
    assert retry.status_code == 202
    asked = [("/v1/talents/1/recommendations", tokens("seeker", seeker_of(1))),
             ("/v1/talents/2/recommendations", tokens("seeker", seeker_of(2))),
             ("/v1/opportunities/10/shortlist", tokens("enterprise", enterprise_of(10)))]
    bodies = [http.get(path, params={"k": 10}, headers=headers).json() for path, headers in asked]
    assert all(body["items"] for body in bodies), bodies

    def consumed() -> bool:
        body = http.get("/v1/operator/metrics", params={"window": "7d"}, headers=operator).json()
        return bool(body["volumes"]["feedback_events"] == 12)

    wait_for(consumed, timeout=30, what="the feedback consumed")
    return Served(bodies)
