"""Read a topic from the beginning with kafka-python, polling until a condition holds or a deadline passes."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from kafka import KafkaConsumer, TopicPartition

from shared.events.contracts import RecordEvent
from tests.events import record_event


@dataclass(frozen=True)
class Received:
    key: str
    partition: int
    event: RecordEvent


def read_events(bootstrap: str, topic: str, *, until: Callable[[list[Received]], bool],
                timeout: float = 30.0) -> list[Received]:
    """Every event on ``topic`` (in partition order) once ``until`` holds; AssertionError at the deadline."""
    deadline = time.monotonic() + timeout
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                             allow_auto_create_topics=False, client_id="jobs-tests")
    try:
        partitions: set[int] = set()
        while not partitions:
            assert time.monotonic() < deadline, f"topic {topic} never appeared"
            partitions = consumer.partitions_for_topic(topic)
            if not partitions:
                time.sleep(0.1)  # metadata refresh interval while the service creates the topic
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        received: list[Received] = []
        while not until(received):
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"condition not met before the deadline; got {received}"
            batches = consumer.poll(timeout_ms=int(min(remaining, 1.0) * 1000))
            for tp, records in sorted(batches.items(), key=lambda item: item[0].partition):
                received += [Received(r.key.decode(), tp.partition, record_event(r.value)) for r in records]
        return received
    finally:
        consumer.close()
