"""Fixtures of the metrics tests: one real model per session, the matching app on the real broker, and the
bearer tokens of its callers (signed with the app's settings secret)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from services.matching.domain.encoders import HybridEncoder
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.main import create_app
from services.matching.settings import MatchingSettings
from shared.events.topics import ALL_TOPICS, topic_name
from shared.kafka import ensure_topics
from tests.matching.conftest import auth_headers
from tests.metrics.market import Tokens


@pytest.fixture(autouse=True)
def _matching_database(matching_database: str) -> str:
    """Every matching app of these tests keeps its accepted feedback in a fresh database at the head."""
    return matching_database

@pytest.fixture
def topics(bootstrap: str, topic_suffix: str) -> dict[str, str]:
    ensure_topics(bootstrap, partitions=3, namespace=topic_suffix)
    return {spec.name: topic_name(spec, topic_suffix) for spec in ALL_TOPICS}


@pytest.fixture
def settings(bootstrap: str, redis_url: str, topic_suffix: str) -> MatchingSettings:
    return MatchingSettings(kafka_bootstrap_servers=bootstrap, redis_url=redis_url, topic_namespace=topic_suffix,
                            coverage_threshold=0.5)


@pytest.fixture
def tokens(settings: MatchingSettings) -> Tokens:
    """``tokens(role, subject)``: the ``Authorization`` header the app accepts."""
    return lambda role, subject=None: auth_headers(settings, role, subject)


@pytest.fixture
def operator(tokens: Tokens) -> dict[str, str]:
    return tokens("operator")


@pytest.fixture
def client(occupation_normalizer: OccupationNormalizer,
           settings: MatchingSettings, hybrid_encoder: HybridEncoder, topics: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(settings, encoder=hybrid_encoder, normalizer=occupation_normalizer)) as test_client:
        yield test_client
