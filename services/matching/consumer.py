"""The Kafka side of matching: every replica reads both compacted topics and the feedback topic from the
beginning.

No consumer group: each replica needs every record, so the consumer assigns all partitions itself
and seeks to the beginning once; after a reconnect it seeks to the offsets it has applied, so nothing
is counted twice and the generation stays a function of the offsets. Undecodable messages go to the
dead-letter topic (before the batch is applied, so a failed send retries the batch) and the consumer
goes on; so does a feedback event on a record topic or a record event on the feedback topic. Record
events go to the index; every event also goes to the operators' figures (``FiguresStore``), which
ignore what they already hold, so a retried batch counts nothing twice. Broker outages are retried
with back-off; the thread never dies of them.

With a ``Checkpointer`` the replica starts from its last checkpoint and resumes at the offsets it covers;
it saves periodically and once more when stopped (after the batch in hand). Every (re)connect checks that
the broker still holds the log those offsets point into (in range, and the last record applied is still
the same record); if not (the embedded broker lost its log, a topic was recreated) it empties the state
and reads from the beginning, as a replica without a checkpoint does.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from services.matching.checkpointing import Checkpointer
from services.matching.dead_letter import DeadLetters
from services.matching.domain.checkpoint import LastRecord, record_crc
from services.matching.domain.documents import prepare_tagging
from services.matching.domain.embedded_vectors import EmbeddedBatchError, apply_embedded, check_embedded
from services.matching.domain.encoders import HybridEncoder, TextEncoder
from services.matching.domain.state import AnyEvent, MatchingState
from services.matching.metrics.pipeline import PipelineMetrics
from services.matching.metrics.store import FigureEvent, FiguresStore, document_tags
from services.matching.settings import MatchingSettings
from shared.events.contracts import Event, EventDecodeError, FeedbackRecordedV1, RecordEmbeddedV1, decode_event
from shared.events.topics import DEAD_LETTER, FEEDBACK, OPPORTUNITIES, PROFILES, VECTORS, topic_name
from shared.kafka import ensure_topics, make_consumer

log = logging.getLogger(__name__)

LAG_REFRESH_SECONDS = 1.0
VERIFY_SECONDS = 5.0  # to read back the last record applied of each partition


class BrokerUnreachableError(ConnectionError):
    pass


def _reachable(bootstrap: str, timeout: float = 1.0) -> bool:
    """A quick TCP probe: kafka-python would block 30 s bootstrapping against a dead broker."""
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout):
                return True
        except (OSError, ValueError):
            continue
    return False


def _key(tp: TopicPartition) -> str:
    return f"{tp.topic}:{tp.partition}"


def _partition(key: str) -> TopicPartition:
    topic, _, partition = key.rpartition(":")
    return TopicPartition(topic, int(partition))


def _misplaced(topic: str, event: Event, *, feedback_topic: str, vectors_topic: str) -> str | None:
    """Why ``event`` does not belong on ``topic``, if it does not: feedback only on the feedback topic,
    embedded records only on the vectors topic, plain record events only on the record topics."""
    if topic == feedback_topic:
        fits = isinstance(event, FeedbackRecordedV1)
    elif topic == vectors_topic:
        fits = isinstance(event, RecordEmbeddedV1)
    else:
        fits = not isinstance(event, FeedbackRecordedV1 | RecordEmbeddedV1)
    return None if fits else f"event type {event.type!r} does not belong on topic {topic}"


class EventConsumer:
    """A daemon thread that polls the topics and applies each poll as one micro-batch."""

    def __init__(self, *, settings: MatchingSettings, state: MatchingState, encoder: TextEncoder,
                 figures: FiguresStore | None = None, metrics: PipelineMetrics | None = None,
                 checkpointer: Checkpointer | None = None, hybrid: HybridEncoder | None = None) -> None:
        """``hybrid``: the blend replicas apply precomputed dense vectors with (``MATCHING_ROLE=replica``)."""
        self._settings = settings
        self._state = state
        self._encoder = encoder
        self._figures = figures
        self._metrics = metrics
        self._checkpointer = checkpointer
        namespace = settings.topic_namespace
        self.feedback_topic = topic_name(FEEDBACK, namespace)
        self.vectors_topic = topic_name(VECTORS, namespace)
        self._hybrid = hybrid
        self.replica = settings.role == "replica"  # reads vectors, never runs the model on the stream
        if self.replica and hybrid is None:
            raise ValueError("a replica needs the hybrid encoder to blend the vectors it reads")
        records = [self.vectors_topic] if self.replica else [topic_name(PROFILES, namespace),
                                                             topic_name(OPPORTUNITIES, namespace)]
        self._topics = [*records, self.feedback_topic]
        self.dead_letter_topic = topic_name(DEAD_LETTER, namespace)
        self._dead_letters = DeadLetters(bootstrap=settings.kafka_bootstrap_servers, topic=self.dead_letter_topic,
                                         client_id=f"{settings.client_id}-dead-letter", consumer=settings.client_id,
                                         payload_limit=settings.dead_letter_payload_bytes)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._consumer: KafkaConsumer | None = None
        self._lock = threading.Lock()  # guards the stats read by request threads
        self._positions: dict[TopicPartition, int] = {}  # next offset to read, as applied
        self._ends: dict[TopicPartition, int] = {}
        self._last_records: dict[TopicPartition, LastRecord] = {}
        self._lag_checked_at = 0.0
        self.broker_reachable = False
        self.caught_up = False  # lag reached 0 at least once: the replica has read the backlog
        self.events_applied = 0
        self.dead_lettered = 0
        self.tombstones_skipped = 0
        self.last_applied_at: datetime | None = None
        self.last_error: str | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="matching-consumer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 60.0) -> None:
        """Finish the batch in hand, write the last checkpoint, disconnect."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def status(self) -> dict[str, Any]:
        with self._lock:
            partitions = {
                _key(tp): {"position": pos, "end": self._ends.get(tp), "lag": self._lag_of(tp)}
                for tp, pos in sorted(self._positions.items())
            }
        return {
            "running": self.running,
            "broker_reachable": self.broker_reachable,
            "caught_up": self.caught_up,
            "lag": sum(p["lag"] or 0 for p in partitions.values()),
            "partitions": partitions,
            "events_applied": self.events_applied,
            "dead_lettered": self.dead_lettered,
            "tombstones_skipped": self.tombstones_skipped,
            "last_applied_at": self.last_applied_at.isoformat() if self.last_applied_at else None,
            "last_error": self.last_error,
            "checkpoint": self._checkpointer.status() if self._checkpointer is not None else None,
        }

    @property
    def topic_labels(self) -> tuple[str, ...]:
        """The topics this consumer reads, as named on the broker."""
        return tuple(self._topics)

    def lag_by_topic(self) -> dict[str, int]:
        """Messages not yet applied per topic (0 where the end is not known yet)."""
        with self._lock:
            lag = dict.fromkeys(self._topics, 0)
            for tp in self._positions:
                lag[tp.topic] = lag.get(tp.topic, 0) + (self._lag_of(tp) or 0)
        return lag

    def _lag_of(self, tp: TopicPartition) -> int | None:
        end = self._ends.get(tp)
        return None if end is None else max(0, end - self._positions.get(tp, 0))

    def _run(self) -> None:
        backoff = 0.2
        try:
            # a replica takes the tags from the vectors topic: no normalizer on its catch-up
            if not self.replica and self._state.normalizer is not None:
                prepare_tagging(self._state.normalizer)
            self._resume()
            while not self._stop.is_set():
                try:
                    if self._consumer is None:
                        self._connect()
                    self._poll_once()
                    self._refresh_lag()
                    self._checkpoint(final=False)
                    backoff = 0.2
                except Exception as exc:  # broker down, DLQ send failed, ...: retry, never die
                    self.broker_reachable = False
                    self.last_error = f"{type(exc).__name__}: {exc}"[:500]
                    log.warning("matching consumer: %s; retrying in %.1fs", self.last_error, backoff)
                    self._disconnect()
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, self._settings.retry_max_seconds)
        finally:
            self._checkpoint(final=True)
            self._disconnect()

    def _resume(self) -> None:
        """Restore the last checkpoint, if any, and continue from the offsets it covers."""
        if self._checkpointer is None:
            return
        try:
            checkpoint = self._checkpointer.load()
        except Exception:
            log.exception("loading the checkpoint failed; rebuilding from the topics")
            self._checkpointer.discard("the checkpoint could not be loaded")
            return
        if checkpoint is None:
            return
        foreign = sorted({_partition(k).topic for k in checkpoint.positions} - set(self._topics))
        if foreign:
            self._checkpointer.discard(f"the checkpoint covers other topics: {', '.join(foreign)}")
        else:
            with self._lock:
                self._positions = {_partition(k): v for k, v in checkpoint.positions.items()}
                self._last_records = {_partition(k): r for k, r in checkpoint.last_records.items()}

    def _checkpoint(self, *, final: bool) -> None:
        checkpointer = self._checkpointer
        if checkpointer is None:
            return
        with self._lock:
            positions = {_key(tp): pos for tp, pos in self._positions.items()}
            last = {_key(tp): record for tp, record in self._last_records.items()}
        if not positions or not (final or checkpointer.due(positions)):
            return
        if final and positions == checkpointer.saved_positions:
            return
        try:
            checkpointer.save(positions, last, wait=final)
        except Exception:
            log.exception("capturing the checkpoint failed")

    def _log_replaced(self, consumer: KafkaConsumer, assigned: list[TopicPartition]) -> str | None:
        """Why the offsets applied so far do not point into the broker's log any more, or None.

        The end offset alone cannot tell: Tansu reports the base offset of the last batch + 1. So the last
        record applied of each partition is read again and must be the same record (or, under
        compaction, have been replaced by a later one of its key: a later offset comes back).
        """
        known = [tp for tp in assigned if tp in self._positions]
        if not known:
            return None
        beginnings = consumer.beginning_offsets(known, timeout_ms=10_000)
        ends = consumer.end_offsets(known, timeout_ms=10_000)
        check: dict[TopicPartition, LastRecord] = {}
        for tp in known:
            position, last = self._positions[tp], self._last_records.get(tp)
            if position < beginnings[tp]:
                return f"{_key(tp)}: applied up to offset {position}, the log begins at {beginnings[tp]}"
            if last is not None and last.offset >= beginnings[tp]:
                check[tp] = last
            elif position > ends[tp]:
                return f"{_key(tp)}: applied up to offset {position}, the log ends at {ends[tp]}"
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
                return (f"{_key(tp)}: the last record applied (offset {record.offset}) is not in the log "
                        f"(it ends at {ends[tp]})")
            if got.offset < record.offset or (got.offset == record.offset
                                               and record_crc(got.key, got.value) != record.crc):
                return f"{_key(tp)}: offset {record.offset} holds another record than the one applied"
        return None

    def _connect(self) -> None:
        bootstrap = self._settings.kafka_bootstrap_servers
        if not _reachable(bootstrap):
            raise BrokerUnreachableError(f"no broker answers at {bootstrap}")
        ensure_topics(bootstrap, partitions=self._settings.topic_partitions,
                      namespace=self._settings.topic_namespace, timeout_ms=2_000)
        consumer = make_consumer(bootstrap, client_id=f"{self._settings.client_id}-events",
                                 max_poll_records=self._settings.max_poll_records)
        try:
            assigned: list[TopicPartition] = []
            for topic in self._topics:
                partitions = consumer.partitions_for_topic(topic)
                if not partitions:
                    raise RuntimeError(f"topic {topic} has no partitions (yet)")
                assigned += [TopicPartition(topic, p) for p in sorted(partitions)]
            consumer.assign(assigned)
            replaced = self._log_replaced(consumer, assigned)
            if replaced is not None:
                self._start_over(replaced)
            new = [tp for tp in assigned if tp not in self._positions]
            beginnings = consumer.beginning_offsets(new, timeout_ms=10_000) if new else {}
            with self._lock:
                self._positions.update(beginnings)
            for tp in assigned:
                consumer.seek(tp, self._positions[tp])
        except Exception:
            consumer.close()
            raise
        self._consumer = consumer
        self.broker_reachable, self.last_error = True, None
        log.info("matching consumer reading %d partitions of %s", len(assigned), ", ".join(self._topics))

    def _start_over(self, reason: str) -> None:
        """Forget what was applied: empty state (and figures), every partition from its beginning."""
        if self._checkpointer is not None:
            self._checkpointer.discard(reason)
        else:
            log.warning("the broker's log was replaced (%s): rebuilding from the beginning", reason)
            self._state.reset()
            if self._figures is not None:
                self._figures.restore(None)
        with self._lock:
            self._positions.clear()
            self._last_records.clear()
            self._ends.clear()
            self.caught_up = False

    def _disconnect(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            try:
                consumer.close(autocommit=False, timeout_ms=1000)
            except Exception:
                log.debug("closing the consumer failed", exc_info=True)
        self._dead_letters.close()

    def _poll_once(self) -> None:
        assert self._consumer is not None
        polled = self._consumer.poll(timeout_ms=200, max_records=self._settings.max_poll_records)
        if not polled:
            self._adopt_client_positions()
            return
        events: list[AnyEvent] = []
        embedded: list[RecordEmbeddedV1] = []
        decoded: list[tuple[str, FigureEvent]] = []  # every event with its topic, records and feedback
        poison: list[tuple[ConsumerRecord, str]] = []
        positions: dict[TopicPartition, int] = {}
        tombstones = 0
        last: dict[TopicPartition, LastRecord] = {}
        for tp, records in polled.items():
            if records:
                tail = records[-1]
                last[tp] = LastRecord(offset=tail.offset, crc=record_crc(tail.key, tail.value))
            for record in records:
                positions[tp] = record.offset + 1
                if record.value is None:  # a compaction tombstone: not an event, nothing to apply
                    tombstones += 1
                    continue
                try:
                    event = decode_event(record.value)
                except EventDecodeError as exc:
                    poison.append((record, str(exc)))
                    continue
                reason = _misplaced(tp.topic, event, feedback_topic=self.feedback_topic,
                                    vectors_topic=self.vectors_topic)
                if reason is None and isinstance(event, RecordEmbeddedV1):
                    reason = self._unusable(event)
                if reason is not None:
                    poison.append((record, reason))
                    continue
                if isinstance(event, RecordEmbeddedV1):
                    embedded.append(event)
                    event = event.event
                decoded.append((tp.topic, event))
                if not isinstance(event, FeedbackRecordedV1):
                    events.append(event)
        if poison:
            self._dead_letters.send(poison)
        # Feedback offsets stay out of the index's offsets: feedback must not change its cache token.
        offsets = {_key(tp): pos for tp, pos in positions.items() if tp.topic != self.feedback_topic}
        if self.replica:
            assert self._hybrid is not None
            batch = apply_embedded(self._state, embedded, self._hybrid, offsets=offsets)
        else:
            batch = self._state.apply(events, self._encoder, offsets=offsets)
        if self._figures is not None:
            self._figures.apply((event for _, event in decoded), tags=document_tags(self._state, events))
        applied_at = datetime.now(UTC)
        with self._lock:
            self._positions.update(positions)
            self._last_records.update(last)
            self.events_applied += len(decoded)
            self.dead_lettered += len(poison)
            self.tombstones_skipped += tombstones
            if decoded:
                self.last_applied_at = applied_at
        if self._checkpointer is not None:
            self._checkpointer.applied(len(decoded) + len(poison) + tombstones)
        if self._metrics is not None:
            self._metrics.dead_lettered.inc(len(poison))
            for topic, event in decoded:
                self._metrics.event_applied(topic=topic, occurred_at=event.occurred_at, applied_at=applied_at,
                                            live=self.caught_up, indexed=topic != self.feedback_topic)
        if events:
            log.info("applied %d events (%d upserted, %d deleted, %d ignored) → generation %d",
                     batch.events, batch.upserted, batch.deleted, batch.ignored, batch.generation)

    def _unusable(self, message: RecordEmbeddedV1) -> str | None:
        assert self._hybrid is not None  # only replicas read the vectors topic
        try:
            check_embedded(message, self._hybrid)
        except EmbeddedBatchError as exc:
            return str(exc)
        return None

    def _adopt_client_positions(self) -> None:
        """After an empty poll everything returned was applied; the client's positions may be further
        ahead (offsets without a record: compaction gaps, transaction markers) and then count as read."""
        assert self._consumer is not None
        with self._lock:
            for tp, applied in self._positions.items():
                self._positions[tp] = max(applied, int(self._consumer.position(tp, timeout_ms=1000)))

    def _refresh_lag(self) -> None:
        """End offsets once a second; a failure only marks the broker unreachable (the client reconnects)."""
        now = time.monotonic()
        interval = LAG_REFRESH_SECONDS if self.caught_up else 0.2  # notice the end of the backlog soon
        if self._consumer is None or now - self._lag_checked_at < interval:
            return
        self._lag_checked_at = now
        try:
            ends = self._consumer.end_offsets(list(self._positions), timeout_ms=2000)
        except Exception as exc:
            self.broker_reachable = False
            self.last_error = f"{type(exc).__name__}: {exc}"[:500]
            return
        with self._lock:
            self._ends.update(ends)
            lag = sum(self._lag_of(tp) or 0 for tp in self._positions)
        self.broker_reachable = True
        if lag == 0 and not self.caught_up:
            self.caught_up = True
            log.info("matching consumer caught up at generation %d", self._state.generation)
