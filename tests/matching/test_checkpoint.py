"""Checkpoints: the round trip on disk, refusing another model's, and resuming (or rebuilding) against the
real broker."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from kafka import KafkaAdminClient

from services.matching.checkpointing import Checkpointer
from services.matching.consumer import EventConsumer
from services.matching.domain import checkpoint as ckpt
from services.matching.domain.documents import TalentDoc
from services.matching.domain.encoders import HybridEncoder, LexicalEncoder, Vectors
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.domain.state import MatchingState, SideCopy, StateCopy
from services.matching.metrics.store import FiguresStore
from services.matching.settings import MatchingSettings
from shared.events.contracts import RecordEvent
from shared.events.topics import OPPORTUNITIES, PROFILES, topic_name
from shared.kafka import ensure_topics
from tests.matching.factories import ai_posting, nursing_posting, opportunity_deleted, profile, profile_deleted
from tests.matching.kafka_helpers import produce, wait_for

EVENTS: list[RecordEvent] = [profile(1), profile(2, skills_text="护理经验五年"), profile(1, 2, city="上海市"),
                           profile(3), profile_deleted(2, 2), ai_posting(10), nursing_posting(11),
                           ai_posting(10, 2, title="深度学习工程师"), opportunity_deleted(11, 2)]


def _checkpointer(directory: Path, state: MatchingState, encoder: HybridEncoder,
                  figures: FiguresStore | None = None) -> Checkpointer:
    return Checkpointer(directory=directory, state=state, encoder=encoder, max_text_chars=state.max_text_chars,
                        figures=figures)


def _sides(state: MatchingState) -> dict[str, tuple[dict[int, object], dict[int, int], dict[int, bytes]]]:
    out = {}
    for name in ("talents", "opportunities"):
        side = state.talents if name == "talents" else state.opportunities
        ids, vectors = side.index.export()
        out[name] = (dict(side.docs), dict(side.versions),
                     {i: vectors[row].tobytes() for row, i in enumerate(ids)})
    return out


def test_round_trip_keeps_documents_versions_tombstones_vectors_offsets(occupation_normalizer: OccupationNormalizer,
        tmp_path: Path, lexical_encoder: HybridEncoder) -> None:
    state, figures = MatchingState(lexical_encoder.dim, normalizer=occupation_normalizer), FiguresStore()
    state.apply(EVENTS, lexical_encoder, offsets={"t.profiles:0": 5, "t.opportunities:0": 4})
    figures.apply(EVENTS)
    saver = _checkpointer(tmp_path, state, lexical_encoder, figures)
    saver.save({"t.profiles:0": 5, "t.opportunities:0": 4, "t.feedback:0": 0},
               {"t.profiles:0": ckpt.LastRecord(4, 123)}, wait=True)
    assert saver.status()["saves"] == 1 and (tmp_path / ckpt.FILE_NAME).exists()
    assert not list(tmp_path.glob(".*.tmp")), "no temporary file is left behind"

    restored, restored_figures = MatchingState(lexical_encoder.dim, normalizer=occupation_normalizer), FiguresStore()
    loaded = _checkpointer(tmp_path, restored, lexical_encoder, restored_figures).load()
    assert loaded is not None
    assert loaded.positions == {"t.profiles:0": 5, "t.opportunities:0": 4, "t.feedback:0": 0}
    assert loaded.last_records == {"t.profiles:0": ckpt.LastRecord(4, 123)}
    assert _sides(restored) == _sides(state)
    assert restored.talents.versions[2] == 2 and restored.talents.deleted(2), "the delete's tombstone is kept"
    assert (restored.generation, restored.offsets, restored.cache_token()) == \
           (state.generation, state.offsets, state.cache_token())
    assert restored_figures.snapshot() == figures.snapshot()

    # a replayed old version stays ignored after the restore, a newer one is applied
    batch = restored.apply([profile(2, 1), profile(1, 2), profile(1, 3, city="北京市")], lexical_encoder)
    assert (batch.upserted, batch.ignored) == (1, 2)
    query = lexical_encoder.encode(["机器学习 Python"])[0]
    assert restored.opportunities.index.search(query, 5) == state.opportunities.index.search(query, 5)


class _SameNameOtherWeights:
    """Claims the name and width of ``inner`` but embeds differently: as a retrained model would."""

    def __init__(self, inner: HybridEncoder) -> None:
        self.inner = inner

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def name(self) -> str:
        return self.inner.name

    def encode(self, texts: Sequence[str]) -> Vectors:
        return self.inner.encode([text[::-1] for text in texts])


def test_a_checkpoint_of_another_model_is_ignored_with_a_log_line(occupation_normalizer: OccupationNormalizer,
        tmp_path: Path, lexical_encoder: HybridEncoder, caplog: pytest.LogCaptureFixture) -> None:
    state = MatchingState(lexical_encoder.dim, normalizer=occupation_normalizer)
    state.apply(EVENTS, lexical_encoder)
    _checkpointer(tmp_path, state, lexical_encoder).save({"t:0": 9}, {}, wait=True)
    other = HybridEncoder(dense=None, lexical=LexicalEncoder(512), dense_weight=0.0, lexical_weight=1.0)
    retrained = _SameNameOtherWeights(lexical_encoder)
    with caplog.at_level(logging.WARNING):
        for encoder in (other, retrained):
            fresh = MatchingState(encoder.dim, normalizer=occupation_normalizer)
            assert _checkpointer(tmp_path, fresh, encoder).load() is None  # type: ignore[arg-type]
            assert len(fresh.talents.index) == 0
    messages = [r.getMessage() for r in caplog.records if "ignoring checkpoint" in r.getMessage()]
    assert len(messages) == 2 and "other model weights" in messages[1]
    (tmp_path / ckpt.FILE_NAME).write_bytes(b"not a zip")
    state = MatchingState(lexical_encoder.dim, normalizer=occupation_normalizer)
    assert _checkpointer(tmp_path, state, lexical_encoder).load() is None


def test_saving_a_large_state_takes_seconds_and_leaves_searches_free(occupation_normalizer: OccupationNormalizer,
                                                                     tmp_path: Path) -> None:
    """20,000 records of the service's real width (384 dense + 1,024 lexical floats)."""
    n, dim = 20_000, 1408
    rng = np.random.default_rng(5)
    vectors = rng.standard_normal((n, dim), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    docs = {i: TalentDoc(id=i, display_name=f"t{i}", city="杭州市", desired_cities=(), level=None,
                         years_experience=i % 30, skills=("python",), wanted_kinds=(), open_to_work=True)
            for i in range(n)}
    side = SideCopy(ids=list(range(n)), vectors=vectors, docs=docs, versions={i: 1 for i in range(n + 100)})
    state = MatchingState(dim, normalizer=occupation_normalizer)
    state.restore(StateCopy(generation=n, offsets={"p:0": n}, talents=side, opportunities=SideCopy.empty(dim)))
    encoder = HybridEncoder(dense=None, lexical=LexicalEncoder(dim), dense_weight=0.0, lexical_weight=1.0)
    saver = _checkpointer(tmp_path, state, encoder)
    saver.fingerprint  # noqa: B018 - the probe encode is not part of a save
    started = time.perf_counter()
    saver.save({"p:0": n}, {}, wait=False)
    captured = time.perf_counter() - started
    with state.reading():  # the write runs in the background: readers are not blocked by it
        assert len(state.talents.index) == n
    wait_for(lambda: saver.status()["saves"] == 1, timeout=60, what="the background write")
    saved = saver.status()["saved"]
    started = time.perf_counter()
    restored = MatchingState(dim, normalizer=occupation_normalizer)
    assert _checkpointer(tmp_path, restored, encoder).load() is not None
    loaded = time.perf_counter() - started
    print(f"\n20k x {dim}: capture {captured:.2f}s, write {saved['seconds']:.2f}s "
          f"({saved['bytes'] / 1e6:.0f} MB), load {loaded:.2f}s")
    assert captured < 5 and saved["seconds"] < 30 and loaded < 30
    assert len(restored.talents.index) == n and len(restored.talents.versions) == n + 100
    probe = vectors[123]
    assert restored.talents.index.search(probe, 1)[0][0] == 123


# ---- against the real broker -------------------------------------------------------------------------


@pytest.fixture
def settings(bootstrap: str, topic_suffix: str, tmp_path: Path) -> MatchingSettings:
    return MatchingSettings(kafka_bootstrap_servers=bootstrap, topic_namespace=f"ckpt-{topic_suffix}",
                            topic_partitions=1, checkpoint_dir=str(tmp_path / "checkpoint"),
                            checkpoint_interval_seconds=3600, retry_max_seconds=0.5)


class Replica:
    """A consumer with its own state and checkpointer, as one matching process has."""

    def __init__(self, settings: MatchingSettings, encoder: HybridEncoder, normalizer: OccupationNormalizer) -> None:
        self.state = MatchingState(encoder.dim, normalizer=normalizer)
        self.figures = FiguresStore()
        self.checkpointer = Checkpointer(directory=Path(settings.checkpoint_dir), state=self.state,
                                         encoder=encoder, max_text_chars=self.state.max_text_chars,
                                         figures=self.figures, interval_seconds=3600)
        self.consumer = EventConsumer(settings=settings, state=self.state, encoder=encoder, figures=self.figures,
                                      checkpointer=self.checkpointer)

    def live(self) -> tuple[dict[int, int], dict[int, int]]:
        with self.state.reading():
            return ({i: self.state.talents.versions[i] for i in self.state.talents.docs},
                    {i: self.state.opportunities.versions[i] for i in self.state.opportunities.docs})

    def caught_up_with(self, expected: tuple[dict[int, int], dict[int, int]]) -> bool:
        return self.consumer.status()["lag"] == 0 and self.consumer.caught_up and self.live() == expected


@pytest.fixture
def replicas(settings: MatchingSettings, lexical_encoder: HybridEncoder) -> Iterator[list[Replica]]:
    started: list[Replica] = []
    yield started
    for replica in started:
        replica.consumer.stop()


def _start(replicas: list[Replica], settings: MatchingSettings, encoder: HybridEncoder,
           normalizer: OccupationNormalizer) -> Replica:
    replica = Replica(settings, encoder, normalizer)
    replicas.append(replica)
    replica.consumer.start()
    return replica


def _produce(settings: MatchingSettings, events: Sequence[RecordEvent]) -> None:
    namespace = settings.topic_namespace
    ensure_topics(settings.kafka_bootstrap_servers, partitions=1, namespace=namespace)
    talents = [e for e in events if "profile" in e.type]
    opportunities = [e for e in events if "opportunity" in e.type]
    produce(settings.kafka_bootstrap_servers, topic_name(PROFILES, namespace), talents)
    produce(settings.kafka_bootstrap_servers, topic_name(OPPORTUNITIES, namespace), opportunities)


FIRST = ({1: 2, 3: 1}, {10: 2})


def test_a_restart_resumes_from_the_checkpoint_offsets(occupation_normalizer: OccupationNormalizer,
                                                       settings: MatchingSettings, lexical_encoder: HybridEncoder,
                                                       replicas: list[Replica]) -> None:
    _produce(settings, EVENTS)
    first = _start(replicas, settings, lexical_encoder, occupation_normalizer)
    wait_for(lambda: first.caught_up_with(FIRST), what="the first replica to apply the events")
    first.consumer.stop()  # as at SIGTERM: the last batch, then the final checkpoint
    saved = first.checkpointer.status()["saved"]
    assert saved is not None and saved["positions"][f"{topic_name(PROFILES, settings.topic_namespace)}:0"] == 5

    second = _start(replicas, settings, lexical_encoder, occupation_normalizer)  # nothing new: it resumes at the end
    wait_for(lambda: second.caught_up_with(FIRST) and second.consumer.broker_reachable,
             what="the second replica to resume")
    second.consumer.stop()
    assert second.consumer.status()["checkpoint"]["fallback"] is None
    assert second.consumer.events_applied == 0

    _produce(settings, [profile(4), ai_posting(10, 3, title="大模型工程师")])
    third = _start(replicas, settings, lexical_encoder, occupation_normalizer)
    expected = ({1: 2, 3: 1, 4: 1}, {10: 3})
    wait_for(lambda: third.caught_up_with(expected), what="the third replica to resume")
    status = third.consumer.status()
    assert status["checkpoint"]["loaded"]["positions"] == saved["positions"]
    assert status["checkpoint"]["fallback"] is None
    assert status["events_applied"] == 2, "only the events after the checkpoint were read again"
    assert third.state.generation == len(EVENTS) + 2
    assert third.state.talents.deleted(2) and third.figures.snapshot().talents.keys() == {1, 3, 4}


@pytest.mark.parametrize("newer_log", ["shorter", "as_long"])
def test_a_replaced_log_falls_back_to_a_rebuild(occupation_normalizer: OccupationNormalizer,
                                                settings: MatchingSettings, lexical_encoder: HybridEncoder,
                                                replicas: list[Replica], newer_log: str) -> None:
    """The in-memory broker lost its log and the topics were recreated: the saved offsets point past its
    end (``shorter``) or at other records (``as_long``); the replica must rebuild, not trust its state."""
    _produce(settings, EVENTS)
    first = _start(replicas, settings, lexical_encoder, occupation_normalizer)
    wait_for(lambda: first.caught_up_with(FIRST), what="the first replica to apply the events")
    first.consumer.stop()

    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    try:
        names = [topic_name(spec, settings.topic_namespace) for spec in (PROFILES, OPPORTUNITIES)]
        admin.delete_topics(names)
        wait_for(lambda: not set(names) & set(admin.list_topics()), what="the topics to be deleted")
    finally:
        admin.close()
    # The stores re-publish their current state (record 1 was deleted meanwhile: no event for it),
    # padded for "as_long" to the old log's length with records of the same keys.
    republished: list[RecordEvent] = [profile(3, 2), ai_posting(10, 2, title="深度学习工程师")]
    if newer_log == "as_long":
        republished += [profile(3, v) for v in range(3, 8)] + [ai_posting(10, v) for v in range(3, 7)]
    _produce(settings, republished)
    second = _start(replicas, settings, lexical_encoder, occupation_normalizer)
    expected = ({3: 7, 10: 6} if newer_log == "as_long" else {3: 2, 10: 2})
    expected_sides = ({3: expected[3]}, {10: expected[10]})
    wait_for(lambda: second.caught_up_with(expected_sides), what="the replica to rebuild from the new log")
    status = second.consumer.status()
    assert status["checkpoint"]["loaded"] is not None
    why = "holds another record" if newer_log == "as_long" else "is not in the log"
    assert why in status["checkpoint"]["fallback"], "it says why it dropped the checkpoint"
    assert 1 not in second.state.talents.docs, "nothing of the lost log survives the rebuild"
    assert second.state.generation == len(republished)
