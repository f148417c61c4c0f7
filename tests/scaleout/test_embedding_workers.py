"""The scale-out roles against the real broker: embedding workers publish vectors, replicas apply them
and end up with the index the all-in-one service builds."""

from __future__ import annotations

import base64
import json
import uuid

import numpy as np
import pytest

from services.matching.domain.embedded_vectors import EmbeddedBatchError, apply_embedded, check_embedded, pack
from services.matching.domain.encoders import DenseEncoder, HybridEncoder
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.domain.state import MatchingState
from services.matching.embedder import EmbeddingWorker, embedder_group
from services.matching.settings import MatchingSettings
from shared.events.contracts import RecordEmbeddedV1, RecordEvent, decode_event
from shared.events.topics import DEAD_LETTER, OPPORTUNITIES, PROFILES, VECTORS, topic_name
from shared.kafka import ensure_topics
from tests.matching.factories import ai_posting, nursing_posting, opportunity_deleted, profile, profile_deleted
from tests.matching.kafka_helpers import produce, read_all, wait_for


def _history() -> tuple[list[RecordEvent], list[RecordEvent]]:
    profiles: list[RecordEvent] = [
        profile(1), profile(2, skills_text="Experienced Java backend developer, Spring Boot, MySQL"),
        profile(1, 2, skills_text="五年数据治理与数据仓库建设经验，熟悉 Hive、Spark。"),
        profile(3), profile_deleted(3, 2)]
    opportunities: list[RecordEvent] = [ai_posting(10), nursing_posting(11), ai_posting(12),
                                        opportunity_deleted(12, 2)]
    return profiles, opportunities


@pytest.fixture
def settings(bootstrap: str) -> MatchingSettings:
    namespace = f"scale-{uuid.uuid4().hex[:8]}"
    ensure_topics(bootstrap, partitions=2, namespace=namespace)
    return MatchingSettings(kafka_bootstrap_servers=bootstrap, topic_namespace=namespace, topic_partitions=2,
                            embed_poll_interval_ms=5_000, client_id="matching-test")


def test_a_worker_embeds_every_event_once_and_dead_letters_poison(occupation_normalizer: OccupationNormalizer,
        settings: MatchingSettings, dense_encoder: DenseEncoder, hybrid_encoder: HybridEncoder) -> None:
    profiles, opportunities = _history()
    namespace = settings.topic_namespace
    produce(settings.kafka_bootstrap_servers, topic_name(PROFILES, namespace), profiles)
    produce(settings.kafka_bootstrap_servers, topic_name(OPPORTUNITIES, namespace),
            [*opportunities, (b"99", b"{not json")])
    worker = EmbeddingWorker(settings=settings, dense=dense_encoder, normalizer=occupation_normalizer)
    worker.start()
    try:
        records = read_all(settings.kafka_bootstrap_servers, topic_name(VECTORS, namespace),
                           expected=len(profiles) + len(opportunities), timeout=60)
        dead = read_all(settings.kafka_bootstrap_servers, topic_name(DEAD_LETTER, namespace), expected=1)
        wait_for(lambda: worker.dead_lettered == 1, what="the worker to count its dead letter")
    finally:
        worker.stop()
    assert json.loads(dead[0].value)["source_topic"] == topic_name(OPPORTUNITIES, namespace)

    messages = [decode_event(r.value) for r in records]
    assert all(isinstance(m, RecordEmbeddedV1) for m in messages)
    embedded = [m for m in messages if isinstance(m, RecordEmbeddedV1)]
    assert {(m.event.type, m.event.record_id, m.event.record_version) for m in embedded} == \
        {(e.type, e.record_id, e.record_version) for e in profiles + opportunities}
    for record, message in zip(records, embedded, strict=True):
        side = "talents" if message.event.type.startswith("profile.") else "opportunities"
        assert record.key == f"{side}:{message.event.record_id}".encode()
        raw = base64.b64decode(message.dense)
        assert len(raw) == (4 * dense_encoder.dim if message.event.type.endswith(".upserted") else 0)

    # A replica applying the vectors holds what the all-in-one state holds, without running the model.
    direct = MatchingState(hybrid_encoder.dim, normalizer=occupation_normalizer)
    direct.apply(profiles + opportunities, hybrid_encoder)
    replica = MatchingState(hybrid_encoder.dim)  # no normalizer: the tags come with the vectors
    apply_embedded(replica, embedded, hybrid_encoder)
    for side in ("talents", "opportunities"):
        ours, theirs = getattr(replica, side), getattr(direct, side)
        assert ours.versions == theirs.versions
        assert ours.docs == theirs.docs  # the tags shipped with the vectors are the ones tagging derives
        for record_id in theirs.docs:
            np.testing.assert_allclose(ours.index.vector(record_id), theirs.index.vector(record_id), atol=1e-5)


def test_a_replica_refuses_vectors_from_another_model(hybrid_encoder: HybridEncoder) -> None:
    assert hybrid_encoder.dense is not None
    vector = pack(np.zeros(hybrid_encoder.dense.dim, dtype=np.float32))
    with pytest.raises(EmbeddedBatchError, match="this replica uses"):
        check_embedded(RecordEmbeddedV1(encoder="another-model", dense=vector, event=profile(1)), hybrid_encoder)
    with pytest.raises(EmbeddedBatchError, match="bad dense vector"):
        check_embedded(RecordEmbeddedV1(encoder=hybrid_encoder.dense.name, dense=vector[:12], event=profile(1)),
                       hybrid_encoder)
    check_embedded(RecordEmbeddedV1(encoder=hybrid_encoder.dense.name, dense=vector, event=profile(1)),
                   hybrid_encoder)


def test_each_topic_namespace_has_its_own_worker_group() -> None:
    groups = {embedder_group(MatchingSettings(topic_namespace=ns)) for ns in ("", "staging", "bench-1")}
    assert groups == {"matching-embedders", "staging.matching-embedders", "bench-1.matching-embedders"}
