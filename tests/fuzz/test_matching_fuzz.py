"""Schemathesis against the matching OpenAPI schema, in process (ASGI), once per kind of caller: no server
errors and no responses that break the schema, over at least 100 generated requests per operation.

The app runs its lifespan on the real broker and redis-server (lexical-only encoder: no model to load),
with a few records whose owners are the callers below, so generated ids hit own, other and unknown
records. As in ``test_openapi_fuzz.py``, "schema-valid data must be accepted" is left out: matching
validates more than a JSON schema says (a city must be a real city, an occupation code must exist, a
seeker reports only about its own profile), and refuses with 4xx.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.matching.domain.encoders import HybridEncoder, LexicalEncoder
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.main import create_app
from services.matching.settings import MatchingSettings
from shared.auth import Role
from shared.events.topics import OPPORTUNITIES, PROFILES, topic_name
from shared.kafka import ensure_topics
from tests.fuzz.runner import EXAMPLES_PER_OPERATION, fuzz
from tests.matching.conftest import auth_headers
from tests.matching.factories import ai_posting, order_class, profile
from tests.matching.kafka_helpers import produce, wait_for


@pytest.fixture(scope="module")
def matching_app(occupation_normalizer: OccupationNormalizer, bootstrap: str, redis_url: str) -> Iterator[FastAPI]:
    namespace = f"fuzz-{uuid.uuid4().hex[:8]}"
    ensure_topics(bootstrap, partitions=1, namespace=namespace)
    produce(bootstrap, topic_name(PROFILES, namespace), [profile(1), profile(2)])
    produce(bootstrap, topic_name(OPPORTUNITIES, namespace), [ai_posting(1, owner="ent-1"), order_class(2)])
    app_settings = MatchingSettings(kafka_bootstrap_servers=bootstrap, redis_url=redis_url, topic_namespace=namespace,
                                    rate_limit_per_minute=0, feedback_timeout_seconds=5)
    encoder = HybridEncoder(dense=None, lexical=LexicalEncoder(1024), dense_weight=0.0, lexical_weight=1.0)
    app = create_app(app_settings, encoder=encoder, normalizer=occupation_normalizer)
    with TestClient(app) as client:  # runs the lifespan: consumer, cache, feedback producer
        wait_for(lambda: client.get("/readyz").status_code == 200, what="matching caught up")
        yield app


@pytest.mark.parametrize(("role", "subject"), [("operator", "op-fuzz"), ("service", "svc-fuzz"),
                                               ("seeker", "seeker-1"), ("enterprise", "ent-1")])
def test_matching_api_never_fails_on_generated_requests(matching_app: FastAPI, role: Role, subject: str) -> None:
    app_settings: MatchingSettings = matching_app.state.matching.settings
    headers = auth_headers(app_settings, role, subject)
    failures, calls = fuzz(matching_app, lambda _case: (headers, subject))
    print(role, {label: n for label, n in sorted(calls.items())})
    assert failures == {}
    assert len(calls) >= 10, calls
    assert all(n >= EXAMPLES_PER_OPERATION for n in calls.values()), calls
