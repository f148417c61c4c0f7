"""One profile update, followed across the broker: the request's trace holds the INSERT of its outbox row and
the relay's publish; the matching batch that applied the record links to that trace, and its children
are the index update (with the encode) and the cache invalidation. Real broker, Redis and SQL; the spans
are read from an in-memory exporter."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.matching.domain.encoders import HybridEncoder
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.main import create_app as create_matching
from services.matching.settings import MatchingSettings
from services.profiles.main import create_app as create_profiles
from services.profiles.settings import ProfilesSettings
from shared.events.topics import PROFILES, topic_name
from shared.tracing import TraceIdFilter, setup_tracing, shutdown_tracing
from tests.auth import SECRET, ProfilesClient
from tests.matching.conftest import auth_headers
from tests.matching.kafka_helpers import wait_for
from tests.migrations.support import migrated
from tests.profiles.helpers import profile_body

EXPORTER = InMemorySpanExporter()  # the process's provider is set once: every test here reads this one


@pytest.fixture(scope="module")
def traced() -> Iterator[None]:
    """Tracing on for this module only: the tests after it build their apps untraced again."""
    if not setup_tracing("tests", exporter=EXPORTER):
        pytest.fail("tracing did not start")
    yield
    shutdown_tracing()


@pytest.fixture
def spans(traced: None) -> Iterator[InMemorySpanExporter]:
    EXPORTER.clear()
    yield EXPORTER
    EXPORTER.clear()


def _one(spans: Sequence[ReadableSpan], what: str, *, name: str | None = None, trace_id: int | None = None,
         parent: ReadableSpan | None = None, prefix: str | None = None) -> ReadableSpan:
    found = [span for span in spans
             if (name is None or span.name == name) and (prefix is None or span.name.startswith(prefix))
             and (trace_id is None or span.context.trace_id == trace_id)
             and (parent is None or (span.parent is not None and span.parent.span_id == parent.context.span_id))]
    assert found, f"no span for {what} among {sorted({span.name for span in spans})}"
    return found[0]


def test_a_profile_update_is_one_trace_from_the_request_to_the_index(
        spans: InMemorySpanExporter, database_url: str, bootstrap: str, redis_url: str, topic_suffix: str,
        tmp_path: Path, lexical_encoder: HybridEncoder, occupation_normalizer: OccupationNormalizer) -> None:
    namespace = f"trace-{topic_suffix}"
    profiles = ProfilesSettings(database_url=migrated(database_url, "profiles"), kafka_bootstrap_servers=bootstrap,
                                redis_url=redis_url, topic_namespace=namespace, auth_secret=SECRET)
    matching = MatchingSettings(kafka_bootstrap_servers=bootstrap, redis_url=redis_url, topic_namespace=namespace,
                                topic_partitions=1, checkpoint_dir=str(tmp_path / "checkpoint"),
                                checkpoint_interval_seconds=3600, rate_limit_per_minute=0, auth_secret=SECRET)
    with ProfilesClient(create_profiles(profiles)) as writer, \
            TestClient(create_matching(matching, encoder=lexical_encoder, normalizer=occupation_normalizer),
                       headers=auth_headers(matching, "service")):
        created = writer.post("/v1/profiles", json=profile_body())
        assert created.status_code == 201, created.text
        request = _one(EXPORTER.get_finished_spans(), "the HTTP request", name="POST /v1/profiles")
        trace_id = request.context.trace_id

        def batch() -> ReadableSpan | None:
            return next((span for span in EXPORTER.get_finished_spans() if span.name == "matching apply batch"
                         and any(link.context.trace_id == trace_id for link in span.links)), None)

        applied = wait_for(batch, timeout=120, what="a matching batch linked to the request's trace")

    finished = list(EXPORTER.get_finished_spans())
    assert request.kind == trace.SpanKind.SERVER and request.parent is None
    insert = next((span for span in finished if span.context.trace_id == trace_id
                   and "INSERT INTO outbox" in str((span.attributes or {}).get("db.statement", ""))), None)
    assert insert is not None, "the outbox row's INSERT is a span of the request's trace"
    publish = _one(finished, "the relay's publish", prefix=f"{topic_name(PROFILES, namespace)} ", trace_id=trace_id)
    assert publish.kind == trace.SpanKind.PRODUCER
    assert publish.parent is not None and publish.parent.span_id == request.context.span_id, \
        "the publish is a child of the request that wrote the row"
    update = _one(finished, "the index update", name="matching index update", parent=applied)
    _one(finished, "the encode inside it", name="matching encode", parent=update)
    invalidation = _one(finished, "the cache invalidation", name="matching cache invalidation", parent=applied)
    assert invalidation.attributes is not None and int(str(invalidation.attributes["matching.generation"])) >= 1


def test_log_records_carry_the_trace_id(spans: InMemorySpanExporter) -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "message", None, None)
    TraceIdFilter().filter(record)
    assert record.trace_id == "-"  # type: ignore[attr-defined]
    with trace.get_tracer(__name__).start_as_current_span("work") as span:
        TraceIdFilter().filter(record)
    assert record.trace_id == format(span.get_span_context().trace_id, "032x")  # type: ignore[attr-defined]
