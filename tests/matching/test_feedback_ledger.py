"""Accepted feedback is committed to matching's database with its outbox message, published once per
``event_id``, and published again after the broker lost its log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from services.matching.feedback_ledger.ledger import FeedbackLedger
from services.matching.feedback_ledger.models import OutboxMessage
from shared.db import make_engine, make_session_factory
from shared.events.contracts import FeedbackRecordedV1
from shared.events.topics import FEEDBACK, topic_name
from shared.events.vocabulary import ActorRole, FeedbackAction
from shared.kafka import ensure_topics
from shared.outbox import OutboxRelay
from talentmatch.embedded import free_port, start_broker
from tests.jobs.topic_reader import read_events
from tests.migrations.support import migrated


def feedback(talent_id: int, opportunity_id: int, **fields: object) -> FeedbackRecordedV1:
    return FeedbackRecordedV1.model_validate({"talent_id": talent_id, "opportunity_id": opportunity_id,
                                              "action": FeedbackAction.CLICKED, "actor_role": ActorRole.SEEKER,
                                              **fields})


def event_id(event: object) -> str:
    assert isinstance(event, FeedbackRecordedV1)
    return event.event_id


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated(database_url, "matching"))
    yield engine
    engine.dispose()


def ledger_with_relay(engine: Engine, bootstrap: str, topic: str) -> tuple[FeedbackLedger, OutboxRelay]:
    sessions = make_session_factory(engine)
    relay = OutboxRelay(session_factory=sessions, model=OutboxMessage, bootstrap=bootstrap, client_id="ledger-test")
    return FeedbackLedger(session_factory=sessions, topic=topic, notify=relay.notify), relay


def test_a_retried_event_is_stored_and_published_once(engine: Engine, bootstrap: str, topic_suffix: str) -> None:
    ensure_topics(bootstrap, partitions=3, namespace=topic_suffix, topics=(FEEDBACK,))
    topic = topic_name(FEEDBACK, topic_suffix)
    ledger, relay = ledger_with_relay(engine, bootstrap, topic)
    first, second = feedback(1, 2, event_id="retried-1"), feedback(1, 3)
    assert ledger.publish(first) == {"event_id": "retried-1", "topic": topic}  # 202 after the commit
    ledger.publish(first)  # the client's retry after a timeout
    ledger.publish(second)
    assert ledger.count() == 2 and relay.pending() == 2  # nothing sent yet: the relay is not running
    relay.start()
    try:
        events = read_events(bootstrap, topic, until=lambda got: len(got) >= 2, timeout=30)
    finally:
        relay.stop()
    assert sorted((item.key, event_id(item.event)) for item in events) == [("1:2", "retried-1"),
                                                                           ("1:3", second.event_id)]


def test_feedback_is_published_again_after_the_broker_lost_its_log(engine: Engine, tmp_path: Path,
                                                                   topic_suffix: str) -> None:
    port = free_port()
    bootstrap, topic = f"127.0.0.1:{port}", topic_name(FEEDBACK, topic_suffix)
    broker = start_broker(port=port, log_dir=tmp_path / "broker")
    ledger, relay = ledger_with_relay(engine, bootstrap, topic)
    try:
        ensure_topics(bootstrap, partitions=3, namespace=topic_suffix, topics=(FEEDBACK,))
        relay.start()
        accepted = [feedback(t, 7).event_id for t in (1, 2, 3)]
        for accepted_id, talent in zip(accepted, (1, 2, 3), strict=True):
            ledger.publish(feedback(talent, 7, event_id=accepted_id))
        read_events(bootstrap, topic, until=lambda got: len(got) >= 3, timeout=30)

        broker.stop()  # the embedded broker keeps its log in memory: a restart starts empty
        broker = start_broker(port=port, log_dir=tmp_path / "broker-again")
        ensure_topics(bootstrap, partitions=3, namespace=topic_suffix, topics=(FEEDBACK,))
        assert ledger.republish(batch_size=2) == 3
        events = read_events(bootstrap, topic, until=lambda got: len(got) >= 3, timeout=45)
        assert sorted(event_id(item.event) for item in events) == sorted(accepted)
    finally:
        relay.stop()
        broker.stop()
