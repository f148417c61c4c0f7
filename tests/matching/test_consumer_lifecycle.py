"""How a matching replica starts and fails: it serves its checkpoint from the first request (503 with
``Retry-After`` only while nothing is loaded, never 404 for a record the checkpoint holds), answers 503
rather than 404 for a record it does not hold until it has read the backlog of its topics, says honestly
whether it is caught up, and stops loudly on a bug instead of replaying the same batch forever."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.matching.checkpointing import Checkpointer
from services.matching.consumer import EventConsumer
from services.matching.domain.encoders import HybridEncoder, LexicalEncoder, TextEncoder, Vectors
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.domain.ranking import RankingWeights
from services.matching.domain.state import AnyEvent, MatchingState
from services.matching.main import create_app
from services.matching.service import INTERNAL, MatchingService
from services.matching.settings import MatchingSettings
from shared.errors import NotFoundError, ServiceUnavailableError
from shared.events.topics import OPPORTUNITIES, PROFILES, topic_name
from shared.kafka import ensure_topics
from talentmatch.embedded import free_port
from tests.matching.conftest import auth_headers
from tests.matching.factories import ai_posting, profile, profile_deleted
from tests.matching.kafka_helpers import produce, wait_for


@pytest.fixture
def settings(bootstrap: str, redis_url: str, topic_suffix: str, tmp_path: Path) -> MatchingSettings:
    return MatchingSettings(kafka_bootstrap_servers=bootstrap, redis_url=redis_url,
                            topic_namespace=f"life-{topic_suffix}", topic_partitions=1,
                            checkpoint_dir=str(tmp_path / "checkpoint"), checkpoint_interval_seconds=3600,
                            retry_max_seconds=0.5, rate_limit_per_minute=0)


def _ready(client: TestClient) -> tuple[int, dict[str, Any]]:
    response = client.get("/readyz")
    return response.status_code, response.json()


def test_a_bug_in_apply_stops_the_consumer_and_readiness_says_so(
        settings: MatchingSettings, lexical_encoder: HybridEncoder, occupation_normalizer: OccupationNormalizer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def broken_apply(events: Sequence[AnyEvent], encoder: TextEncoder, **_: Any) -> None:
        calls.append(len(events))
        raise ZeroDivisionError("a bug in apply")

    ensure_topics(settings.kafka_bootstrap_servers, partitions=1, namespace=settings.topic_namespace)
    with TestClient(create_app(settings, encoder=lexical_encoder, normalizer=occupation_normalizer),
                    headers=auth_headers(settings, "service")) as client:
        wait_for(lambda: _ready(client)[0] == 200, timeout=120, what="the empty replica ready")
        monkeypatch.setattr(client.app.state.matching.state, "apply", broken_apply)  # type: ignore[attr-defined]
        produce(settings.kafka_bootstrap_servers, topic_name(PROFILES, settings.topic_namespace), [profile(1)])

        def failed() -> dict[str, Any] | None:
            code, report = _ready(client)
            return report if code == 503 else None

        report = wait_for(failed, timeout=120, what="readiness to fail")
        assert report["consumer"].startswith("failed: ZeroDivisionError: a bug in apply")
        status = client.get("/v1/status").json()["consumer"]
        assert status["phase"] == "failed" and status["running"] is False
        assert "a bug in apply" in status["failure"]
        assert calls == [1], "the batch was tried once, not replayed"


def _checkpoint_with_records(settings: MatchingSettings, encoder: HybridEncoder,
                             normalizer: OccupationNormalizer) -> None:
    """A replica that read a talent and an opportunity, stopped (writing its checkpoint)."""
    namespace = settings.topic_namespace
    ensure_topics(settings.kafka_bootstrap_servers, partitions=1, namespace=namespace)
    produce(settings.kafka_bootstrap_servers, topic_name(PROFILES, namespace), [profile(1)])
    produce(settings.kafka_bootstrap_servers, topic_name(OPPORTUNITIES, namespace), [ai_posting(10)])
    state = MatchingState(encoder.dim, normalizer=normalizer)
    checkpointer = Checkpointer(directory=Path(settings.checkpoint_dir), state=state, encoder=encoder,
                                max_text_chars=state.max_text_chars, interval_seconds=3600)
    consumer = EventConsumer(settings=settings, state=state, encoder=encoder, checkpointer=checkpointer)
    consumer.start()
    try:
        wait_for(lambda: consumer.caught_up and len(state.talents.docs) == 1 and len(state.opportunities.docs) == 1,
                 timeout=60, what="the first replica to apply the records")
    finally:
        consumer.stop()
    assert checkpointer.status()["saved"] is not None


def test_a_restart_serves_the_checkpoint_before_it_catches_up(
        settings: MatchingSettings, lexical_encoder: HybridEncoder,
        occupation_normalizer: OccupationNormalizer) -> None:
    _checkpoint_with_records(settings, lexical_encoder, occupation_normalizer)
    # Restarted while the broker is away: it cannot catch up, but it holds the checkpoint.
    away = settings.model_copy(update={"kafka_bootstrap_servers": f"127.0.0.1:{free_port()}"})
    app = create_app(away, encoder=lexical_encoder, normalizer=occupation_normalizer)
    with TestClient(app, headers=auth_headers(away, "service")) as client:
        recommendations = client.get("/v1/talents/1/recommendations")  # the first request: no 404, no 503
        assert recommendations.status_code == 200
        assert [item["id"] for item in recommendations.json()["items"]] == [10]
        assert client.get("/v1/opportunities/10/shortlist").status_code == 200

        code, report = _ready(client)
        assert code == 503 and report["caught_up"] is False and report["consumer"] == "running"
        status = client.get("/v1/status").json()["consumer"]
        assert status["loaded"] is True and status["phase"] == "catching_up"
        assert status["checkpoint"]["loaded"]["talents"] == 1


def test_nothing_is_served_until_the_checkpoint_is_loaded(lexical_encoder: HybridEncoder) -> None:
    class Loading:
        loaded = False
        backlog_read = False

    service = MatchingService(state=MatchingState(lexical_encoder.dim), encoder=lexical_encoder, cache=None,
                              weights=RankingWeights(), availability=Loading())
    calls: list[Callable[[], object]] = [
        lambda: service.recommend_for_talent(1, principal=INTERNAL),
        lambda: service.shortlist_for_opportunity(10, principal=INTERNAL),
        lambda: service.search_text("护理", target="talents", principal=INTERNAL),
        lambda: service.skill_gap(1, opportunity_id=10, principal=INTERNAL)]
    for call in calls:
        with pytest.raises(ServiceUnavailableError) as raised:
            call()
        assert raised.value.headers["Retry-After"] == "2"


def test_the_consumer_restores_the_checkpoint_before_its_thread_starts(
        settings: MatchingSettings, lexical_encoder: HybridEncoder,
        occupation_normalizer: OccupationNormalizer) -> None:
    _checkpoint_with_records(settings, lexical_encoder, occupation_normalizer)
    state = MatchingState(lexical_encoder.dim, normalizer=occupation_normalizer)
    checkpointer = Checkpointer(directory=Path(settings.checkpoint_dir), state=state, encoder=lexical_encoder,
                                max_text_chars=state.max_text_chars, interval_seconds=3600)
    away = settings.model_copy(update={"kafka_bootstrap_servers": f"127.0.0.1:{free_port()}"})
    consumer = EventConsumer(settings=away, state=state, encoder=lexical_encoder, checkpointer=checkpointer)
    assert not consumer.loaded and consumer.phase == "stopped"
    consumer.start()
    try:
        assert consumer.loaded and set(state.talents.docs) == {1}, "loaded when start returns"
    finally:
        consumer.stop()


def test_a_record_not_found_before_the_backlog_is_read_is_503_not_404(lexical_encoder: HybridEncoder) -> None:
    class Reading:
        loaded = True
        backlog_read = False  # a first start, or a rebuild after a lost log: the record may be further down

    state = MatchingState(lexical_encoder.dim)
    reading = Reading()
    service = MatchingService(state=state, encoder=lexical_encoder, cache=None, weights=RankingWeights(),
                              availability=reading)
    for call in (lambda: service.recommend_for_talent(7, principal=INTERNAL),
                 lambda: service.shortlist_for_opportunity(7, principal=INTERNAL),
                 lambda: service.skill_gap(7, opportunity_id=8, principal=INTERNAL)):
        with pytest.raises(ServiceUnavailableError) as raised:
            call()
        assert raised.value.headers["Retry-After"] == "2"
    reading.backlog_read = True  # the backlog is read: an id still unknown is unknown
    with pytest.raises(NotFoundError):
        service.recommend_for_talent(7, principal=INTERNAL)


class _HeldEncoder:
    """The lexical encoder behind a gate, like a model slower than the backlog: the consumer's first batch
    waits in it until the test opens the gate."""

    def __init__(self, gate: threading.Event) -> None:
        self._lexical = LexicalEncoder(1024)
        self._gate = gate

    @property
    def dim(self) -> int:
        return self._lexical.dim

    @property
    def name(self) -> str:
        return self._lexical.name

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not self._gate.wait(timeout=300):
            raise TimeoutError("the test never opened the gate")
        return self._lexical.encode(texts)


def test_a_record_further_down_the_backlog_is_503_until_it_is_read_then_an_unknown_id_is_404(
        settings: MatchingSettings, occupation_normalizer: OccupationNormalizer) -> None:
    """A first start (no checkpoint) on topics that hold many events, as after a rebuild from a lost log:
    the last talent, the last opportunity, a deleted talent and an unknown id are all 503 with
    ``Retry-After`` while the backlog is read; once ready, 200 for the records, 404 for the others."""
    namespace, bootstrap = settings.topic_namespace, settings.kafka_bootstrap_servers
    ensure_topics(bootstrap, partitions=1, namespace=namespace)
    last_talent, last_opportunity, deleted, unknown = 400, 1020, 7, 999_999
    produce(bootstrap, topic_name(PROFILES, namespace),
            [*(profile(n) for n in range(1, last_talent + 1)), profile_deleted(deleted, 2)])
    produce(bootstrap, topic_name(OPPORTUNITIES, namespace), [ai_posting(n) for n in range(1001, last_opportunity + 1)])
    first_start = settings.model_copy(update={"checkpoint_dir": "", "max_poll_records": 50})
    gate = threading.Event()
    held = HybridEncoder(dense=None, lexical=_HeldEncoder(gate), dense_weight=0.0, lexical_weight=1.0)
    app = create_app(first_start, encoder=held, normalizer=occupation_normalizer)
    paths = {"last talent": f"/v1/talents/{last_talent}/recommendations",
             "last opportunity": f"/v1/opportunities/{last_opportunity}/shortlist",
             "skill gap": f"/v1/talents/{last_talent}/skill-gap?opportunity_id={last_opportunity}",
             "deleted": f"/v1/talents/{deleted}/recommendations",
             "unknown": f"/v1/talents/{unknown}/recommendations"}
    with TestClient(app, headers=auth_headers(first_start, "service")) as client:
        try:
            for what, path in paths.items():
                response = client.get(path)  # at once: the first batch is still in the encoder
                assert response.status_code == 503, (what, response.status_code, response.text)
                assert response.headers["Retry-After"] == "2", what
                assert "still reading its topics" in response.json()["detail"][0]["msg"], what
            status = client.get("/v1/status").json()["consumer"]
            assert status["backlog_read"] is False and status["phase"] == "catching_up"
            assert _ready(client)[0] == 503
        finally:
            gate.set()

        wait_for(lambda: _ready(client)[0] == 200, timeout=120, what="the backlog read")
        assert client.get("/v1/status").json()["consumer"]["backlog_read"] is True
        for what in ("last talent", "last opportunity", "skill gap"):
            assert client.get(paths[what]).status_code == 200, what
        gone = client.get(paths["deleted"])
        assert gone.status_code == 404 and "was deleted" in gone.json()["detail"][0]["msg"]
        missing = client.get(paths["unknown"])
        assert missing.status_code == 404 and "not indexed" in missing.json()["detail"][0]["msg"]
