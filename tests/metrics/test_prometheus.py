"""``/metrics`` on all three services: open, Prometheus text format, request figures by route template."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from services.jobs.main import create_app as jobs_app
from services.jobs.settings import JobsSettings
from services.profiles.main import create_app as profiles_app
from services.profiles.settings import ProfilesSettings
from shared.settings import ServiceSettings
from tests.matching.conftest import auth_headers
from tests.matching.factories import profile
from tests.matching.kafka_helpers import produce, wait_for
from tests.migrations.support import migrated


def scrape(client: TestClient) -> dict[str, Any]:
    """Metric families by name; fails unless the text parses."""
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {family.name: family for family in text_string_to_metric_families(response.text)}


def value(families: dict[str, Any], family: str, sample: str, **labels: str) -> float:
    found = [s.value for s in families[family].samples
             if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items())]
    assert found, f"no {sample} with {labels}"
    return float(sum(found))


@pytest.mark.parametrize(("service", "make", "missing"), [
    ("profiles", lambda db, b, ns: profiles_app(ProfilesSettings(database_url=migrated(db, "profiles"),
                                                                 kafka_bootstrap_servers=b,
                                                                 topic_namespace=ns)),
     "/v1/profiles/987654"),
    ("jobs", lambda db, b, ns: jobs_app(JobsSettings(database_url=migrated(db, "jobs"), kafka_bootstrap_servers=b,
                                                     topic_namespace=ns)),
     "/v1/opportunities/987654"),
])
def test_profiles_and_jobs_are_scrapeable(service: str, make: Callable[[str, str, str], FastAPI], missing: str,
                                          tmp_path: Path, bootstrap: str, topic_suffix: str) -> None:
    operator = auth_headers(ServiceSettings(), "operator")  # the apps sign with the default (development) secret
    with TestClient(make(f"sqlite:///{tmp_path / 'db.sqlite'}", bootstrap, topic_suffix)) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get(missing, headers=operator).status_code == 404
        families = scrape(client)
    assert value(families, "http_requests", "http_requests_total", service=service, route="/healthz",
                 status="200") == 1
    template = missing.rsplit("/", 1)[0] + "/{"
    assert any(s.labels["route"].startswith(template) and s.labels["status"] == "404"
               for s in families["http_requests"].samples), "ids must not become label values"
    assert families["http_request_duration_seconds"].type == "histogram"


def test_matching_exposes_pipeline_health(client: TestClient, bootstrap: str, topics: dict[str, str],
                                          tokens: Callable[..., dict[str, str]]) -> None:
    seeker = tokens("seeker", "seeker-1")
    produce(bootstrap, topics["talentmatch.profiles"], [profile(1)])
    wait_for(lambda: client.get("/v1/talents/1/recommendations", headers=seeker).status_code == 200,
             what="profile indexed")
    client.get("/v1/talents/1/recommendations", headers=seeker)
    families = scrape(client)
    assert value(families, "http_requests", "http_requests_total", service="matching",
                 route="/v1/talents/{talent_id}/recommendations", status="200") == 2
    assert value(families, "matching_events_applied", "matching_events_applied_total",
                 topic=topics["talentmatch.profiles"]) == 1
    assert value(families, "matching_event_freshness_seconds", "matching_event_freshness_seconds_count") == 1
    assert value(families, "matching_embedding_seconds", "matching_embedding_seconds_count") >= 1
    assert value(families, "matching_search_seconds", "matching_search_seconds_count",
                 operation="recommendations") == 2
    assert value(families, "matching_served_lists", "matching_served_lists_total", operation="recommendations") == 2
    for topic in ("talentmatch.profiles", "talentmatch.opportunities", "talentmatch.feedback"):
        assert families["matching_consumer_lag"].type == "gauge"
        assert value(families, "matching_consumer_lag", "matching_consumer_lag", topic=topics[topic]) == 0
    assert 0 < value(families, "matching_cache_hit_ratio", "matching_cache_hit_ratio") < 1  # misses, then a hit
    assert value(families, "matching_dead_lettered", "matching_dead_lettered_total") == 0
    assert value(families, "matching_index_size", "matching_index_size", side="talents") == 1
