"""What matching reads from Kafka and from where: the partition reader.

No consumer group: each replica needs every record, so the reader assigns all partitions of its topics
itself and seeks to the offsets applied so far (the beginning for a partition never read), so nothing
is counted twice and the generation stays a function of the offsets. Every (re)connect first checks
that the broker still holds the log those offsets point into (in range, and the last record applied is
still the same record); if not (the embedded broker lost its log, a topic was recreated) it says why,
and the consumer starts over from the beginning.

Every failure of the client surfaces as ``BrokerError``: the one kind of error (with the dead-letter
topic's) the consumer retries.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from services.matching.domain.checkpoint import LastRecord, record_crc
from services.matching.progress import Progress, partition_key
from services.matching.routing import Polled
from services.matching.settings import MatchingSettings
from shared.background import describe
from shared.kafka import ensure_topics, make_consumer

VERIFY_SECONDS = 5.0  # to read back the last record applied of each partition


class BrokerError(ConnectionError):
    """The broker cannot be reached, or the client failed talking to it: reconnect and retry."""


@contextmanager
def _broker_calls() -> Iterator[None]:
    try:
        yield
    except BrokerError:
        raise
    except Exception as exc:  # kafka-python raises KafkaError, OSError, AssertionError, ...
        raise BrokerError(describe(exc)) from exc


def reachable(bootstrap: str, timeout: float = 1.0) -> bool:
    """A quick TCP probe: kafka-python would block 30 s bootstrapping against a dead broker."""
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout):
                return True
        except (OSError, ValueError):
            continue
    return False


class PartitionReader:
    """Owns the Kafka client: connect, assign, check the log, seek, poll, end offsets."""

    def __init__(self, *, settings: MatchingSettings, topics: tuple[str, ...]) -> None:
        self._settings = settings
        self.topics = topics
        self._consumer: KafkaConsumer | None = None
        self._assigned: list[TopicPartition] = []

    @property
    def connected(self) -> bool:
        return self._consumer is not None

    def connect(self, progress: Progress, *, on_replaced: Callable[[str], None]) -> None:
        """Assign every partition and seek to ``progress``; ``on_replaced`` hears first why the log no
        longer holds what was applied (it then empties ``progress``: every partition from its beginning)."""
        settings = self._settings
        bootstrap = settings.kafka_bootstrap_servers
        with _broker_calls():
            if not reachable(bootstrap):
                raise BrokerError(f"no broker answers at {bootstrap}")
            ensure_topics(bootstrap, partitions=settings.topic_partitions, namespace=settings.topic_namespace,
                          timeout_ms=2_000)
            consumer = make_consumer(bootstrap, client_id=f"{settings.client_id}-events",
                                     max_poll_records=settings.max_poll_records)
        try:
            with _broker_calls():
                assigned: list[TopicPartition] = []
                for topic in self.topics:
                    partitions = consumer.partitions_for_topic(topic)
                    if not partitions:
                        raise BrokerError(f"topic {topic} has no partitions (yet)")
                    assigned += [TopicPartition(topic, p) for p in sorted(partitions)]
                consumer.assign(assigned)
                replaced = _log_replaced(consumer, assigned, progress)
            if replaced is not None:
                on_replaced(replaced)
            with _broker_calls():
                positions = progress.positions()
                new = [tp for tp in assigned if tp not in positions]
                progress.start_at(consumer.beginning_offsets(new, timeout_ms=10_000) if new else {})
                positions = progress.positions()
                for tp in assigned:
                    consumer.seek(tp, positions[tp])
        except Exception:
            consumer.close()
            raise
        self._consumer, self._assigned = consumer, assigned

    def poll(self) -> Polled:
        assert self._consumer is not None
        with _broker_calls():
            polled: Polled = self._consumer.poll(timeout_ms=200, max_records=self._settings.max_poll_records)
        return polled

    def client_positions(self) -> dict[TopicPartition, int]:
        """Where the client will read next in each assigned partition."""
        assert self._consumer is not None
        with _broker_calls():
            return {tp: int(self._consumer.position(tp, timeout_ms=1000)) for tp in self._assigned}

    def end_offsets(self) -> dict[TopicPartition, int]:
        assert self._consumer is not None
        with _broker_calls():
            ends: dict[TopicPartition, int] = self._consumer.end_offsets(self._assigned, timeout_ms=2000)
        return ends

    def close(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            with suppress(Exception):  # a broken client: nothing left to release
                consumer.close(autocommit=False, timeout_ms=1000)


def _log_replaced(consumer: KafkaConsumer, assigned: list[TopicPartition], progress: Progress) -> str | None:
    """Why the offsets applied so far do not point into the broker's log any more, or None.

    The end offset alone cannot tell: Tansu reports the base offset of the last batch + 1. So the last
    record applied of each partition is read again and must be the same record (or, under compaction,
    have been replaced by a later one of its key: a later offset comes back).
    """
    positions, last_records = progress.positions(), progress.last_records()
    known = [tp for tp in assigned if tp in positions]
    if not known:
        return None
    beginnings = consumer.beginning_offsets(known, timeout_ms=10_000)
    ends = consumer.end_offsets(known, timeout_ms=10_000)
    check: dict[TopicPartition, LastRecord] = {}
    for tp in known:
        position, last = positions[tp], last_records.get(tp)
        if position < beginnings[tp]:
            return f"{partition_key(tp)}: applied up to offset {position}, the log begins at {beginnings[tp]}"
        if last is not None and last.offset >= beginnings[tp]:
            check[tp] = last
        elif position > ends[tp]:
            return f"{partition_key(tp)}: applied up to offset {position}, the log ends at {ends[tp]}"
    if not check:
        return None
    others = [tp for tp in assigned if tp not in check]
    for tp, record in check.items():
        consumer.seek(tp, record.offset)
    consumer.pause(*others)
    found: dict[TopicPartition, ConsumerRecord] = {}
    deadline = time.monotonic() + VERIFY_SECONDS
    try:
        while len(found) < len(check) and time.monotonic() < deadline:
            for tp, records in consumer.poll(timeout_ms=200).items():
                if tp in check and records:
                    found.setdefault(tp, records[0])
    finally:
        consumer.resume(*others)
    for tp, record in check.items():
        got = found.get(tp)
        if got is None:
            return (f"{partition_key(tp)}: the last record applied (offset {record.offset}) is not in the log "
                    f"(it ends at {ends[tp]})")
        if got.offset < record.offset or (got.offset == record.offset
                                           and record_crc(got.key, got.value) != record.crc):
            return f"{partition_key(tp)}: offset {record.offset} holds another record than the one applied"
    return None
