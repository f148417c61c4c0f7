"""Producing and reading real messages on the test broker, and polling with a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from kafka import TopicPartition

from shared.events.contracts import EventBase, encode_event
from shared.kafka import make_consumer, make_producer

T = TypeVar("T")


def wait_for(check: Callable[[], T | None], *, timeout: float = 20.0, what: str = "condition") -> T:
    """Call ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; last: {last!r}")


def produce(bootstrap: str, topic: str, messages: Sequence[EventBase | tuple[bytes, bytes | None]], *,
            partition: int | None = None) -> None:
    """Send events (keyed by record id, as the outbox does) or raw (key, value) pairs; wait for acks."""
    producer = make_producer(bootstrap, client_id="matching-tests")
    try:
        futures = []
        for message in messages:
            value: bytes | None
            if isinstance(message, EventBase):
                key, value = str(message.record_id).encode(), encode_event(message)
            else:
                key, value = message
            futures.append(producer.send(topic, key=key, value=value, partition=partition))
        producer.flush(timeout=10)
        for future in futures:
            future.get(timeout=10)
    finally:
        producer.close(timeout=5)


def read_all(bootstrap: str, topic: str, *, expected: int, timeout: float = 15.0) -> list[Any]:
    """Read ``expected`` records of ``topic`` from the beginning of every partition."""
    consumer = make_consumer(bootstrap, client_id="matching-tests-reader")
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        records: list[Any] = []

        def enough() -> bool:
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
            return len(records) >= expected

        wait_for(enough, timeout=timeout, what=f"{expected} records on {topic}")
        return records
    finally:
        consumer.close()
