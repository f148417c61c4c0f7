"""The outbox relay against a real broker and real SQL (SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from shared.db import create_schema, make_engine, make_session_factory, transaction
from shared.events.contracts import ProfileDeletedV1
from shared.events.topics import PROFILES, topic_name
from shared.kafka import ensure_topics
from shared.outbox import OutboxMixin, OutboxRelay, enqueue
from talentmatch.embedded import free_port, start_broker
from tests.events import record_event


class Base(DeclarativeBase):
    pass


class OutboxMessage(OutboxMixin, Base):
    __tablename__ = "outbox"


def _read_all(bootstrap: str, topic: str, expected: int, timeout: float = 20.0) -> list[ConsumerRecord]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        deadline = time.monotonic() + timeout
        partitions = None
        while partitions is None and time.monotonic() < deadline:
            partitions = consumer.partitions_for_topic(topic)
        consumer.assign([TopicPartition(topic, p) for p in partitions or ()])
        consumer.seek_to_beginning()
        messages: list[ConsumerRecord] = []
        while len(messages) < expected and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=200).values():
                messages.extend(batch)
        return messages
    finally:
        consumer.close()


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    create_schema(engine, Base.metadata)
    yield make_session_factory(engine)
    engine.dispose()


def test_events_are_published_in_order_and_marked(sessions: sessionmaker[Session], bootstrap: str,
                                                  topic_suffix: str) -> None:
    ensure_topics(bootstrap, partitions=3, namespace=topic_suffix)
    topic = topic_name(PROFILES, topic_suffix)
    with transaction(sessions) as session:
        for version in (1, 2, 3):
            enqueue(session, OutboxMessage, topic=topic, event=ProfileDeletedV1(record_id=9, record_version=version))
    relay = OutboxRelay(session_factory=sessions, model=OutboxMessage, bootstrap=bootstrap, client_id="t")
    try:
        assert relay.pending() == 3
        assert relay.publish_pending() == 3
        assert relay.pending() == 0
    finally:
        relay.stop()
    messages = _read_all(bootstrap, topic, 3)
    assert [record_event(m.value).record_version for m in messages] == [1, 2, 3]
    assert {m.key for m in messages} == {b"9"}


def test_a_rolled_back_write_leaves_no_event(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), transaction(sessions) as session:
        enqueue(session, OutboxMessage, topic="x", event=ProfileDeletedV1(record_id=1, record_version=1))
        raise RuntimeError("the record write failed")
    relay = OutboxRelay(session_factory=sessions, model=OutboxMessage, bootstrap="127.0.0.1:1", client_id="t")
    assert relay.pending() == 0


def test_events_wait_in_the_outbox_while_the_broker_is_down(sessions: sessionmaker[Session], tmp_path: Path,
                                                            topic_suffix: str) -> None:
    port = free_port()
    bootstrap = f"127.0.0.1:{port}"
    topic = topic_name(PROFILES, topic_suffix)
    with transaction(sessions) as session:
        enqueue(session, OutboxMessage, topic=topic, event=ProfileDeletedV1(record_id=5, record_version=1))
    relay = OutboxRelay(session_factory=sessions, model=OutboxMessage, bootstrap=bootstrap, client_id="t")
    with pytest.raises(KafkaError):
        relay.publish_pending()
    assert relay.pending() == 1  # the failed send kept the row

    broker = start_broker(port=port, log_dir=tmp_path)
    try:
        ensure_topics(bootstrap, partitions=1, namespace=topic_suffix)
        relay.start()
        deadline = time.monotonic() + 30
        while relay.pending() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert relay.pending() == 0
        assert [record_event(m.value).record_id for m in _read_all(bootstrap, topic, 1)] == [5]
    finally:
        relay.stop()
        broker.stop()
