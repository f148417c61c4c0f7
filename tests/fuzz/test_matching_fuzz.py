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
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from services.matching.domain.encoders import HybridEncoder, LexicalEncoder
from services.matching.main import create_app
from services.matching.settings import MatchingSettings
from shared.auth import Role
from shared.events.topics import OPPORTUNITIES, PROFILES, topic_name
from shared.kafka import ensure_topics
from tests.matching.conftest import auth_headers
from tests.matching.factories import ai_posting, order_class, profile
from tests.matching.kafka_helpers import produce, wait_for

EXAMPLES_PER_OPERATION = 100


@pytest.fixture(scope="module")
def matching_app(bootstrap: str, redis_url: str) -> Iterator[FastAPI]:
    namespace = f"fuzz-{uuid.uuid4().hex[:8]}"
    ensure_topics(bootstrap, partitions=1, namespace=namespace)
    produce(bootstrap, topic_name(PROFILES, namespace), [profile(1), profile(2)])
    produce(bootstrap, topic_name(OPPORTUNITIES, namespace), [ai_posting(1, owner="ent-1"), order_class(2)])
    app_settings = MatchingSettings(kafka_bootstrap_servers=bootstrap, redis_url=redis_url, topic_namespace=namespace,
                                    rate_limit_per_minute=0, feedback_timeout_seconds=5)
    encoder = HybridEncoder(dense=None, lexical=LexicalEncoder(1024), dense_weight=0.0, lexical_weight=1.0)
    app = create_app(app_settings, encoder=encoder)
    with TestClient(app) as client:  # runs the lifespan: consumer, cache, feedback producer
        wait_for(lambda: client.get("/readyz").status_code == 200, what="matching caught up")
        yield app


def _fuzz(app: FastAPI, headers: dict[str, str]) -> tuple[dict[str, str], dict[str, int]]:
    """Run every operation of the schema as the caller of ``headers``; the failures and the request counts."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: dict[str, str] = {}
    calls: dict[str, int] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the schema lists operations"
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: schemathesis.Case) -> None:
            calls[case.operation.label] = calls.get(case.operation.label, 0) + 1
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        try:
            run()
        except Exception as exc:  # collect every operation's failure, not only the first
            failures[operation.label] = str(exc)[:2000]
    return failures, calls


@pytest.mark.parametrize(("role", "subject"), [("operator", "op-fuzz"), ("service", "svc-fuzz"),
                                               ("seeker", "seeker-1"), ("enterprise", "ent-1")])
def test_matching_api_never_fails_on_generated_requests(matching_app: FastAPI, role: Role, subject: str) -> None:
    app_settings: MatchingSettings = matching_app.state.matching.settings
    failures, calls = _fuzz(matching_app, auth_headers(app_settings, role, subject))
    print(role, {label: n for label, n in sorted(calls.items())})
    assert failures == {}
    assert len(calls) >= 10, calls
    assert all(n >= EXAMPLES_PER_OPERATION for n in calls.values()), calls
