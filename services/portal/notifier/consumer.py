"""The notifier's Kafka side: one consumer group over the applications and opportunities topics.

Poll a batch, sort it (poison to the dead-letter topic), plan its notices, store them in one transaction,
hand the new ones to the sender, then commit the batch's offsets: a crash before the commit replays the
batch, and the unique source key makes the replay store nothing twice (nor send it again).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from kafka import KafkaConsumer, OffsetAndMetadata, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from services.portal.clients import Matching
from services.portal.notifier.planning import Notice, announces, application_notice, fresh, match_notices
from services.portal.notifier.senders import Sender
from services.portal.notifier.service import NotificationService
from services.portal.notifier.shortlist import ShortlistSource
from services.portal.service import account_id_of
from services.portal.settings import PortalSettings
from shared.auth import Principal
from shared.background import BackgroundLoop, describe, utc_now
from shared.dead_letter import DeadLetters
from shared.events.contracts import (
    ApplicationChangedV1,
    Event,
    EventDecodeError,
    OpportunityUpsertedV1,
    decode_event,
)
from shared.events.topics import APPLICATIONS, DEAD_LETTER, OPPORTUNITIES, misplaced, topic_name
from shared.kafka import ensure_topics, make_consumer

log = logging.getLogger(__name__)
Polled = Mapping[TopicPartition, Sequence[ConsumerRecord]]
# Waiting for matching's shortlists happens inside a batch: the poll interval leaves room for a whole one
# (the settings keep poll records × shortlist wait under ``settings.MAX_BATCH_WAIT_SECONDS``). kafka-python
# wants it under its idle-connection limit (540 s) less 5 s.
MAX_POLL_INTERVAL_MS = 5 * 60 * 1000


def notifier_group(settings: PortalSettings) -> str:
    """One group per topic namespace, so deployments sharing a broker (and tests) never share offsets."""
    namespace = settings.topic_namespace
    return f"{namespace}.{settings.client_id}-notifier" if namespace else f"{settings.client_id}-notifier"


@dataclass
class Sorted:
    events: list[Event] = field(default_factory=list)
    poison: list[tuple[ConsumerRecord, str]] = field(default_factory=list)
    positions: dict[TopicPartition, int] = field(default_factory=dict)  # next offset after the poll


def sort(polled: Polled, *, namespace: str) -> Sorted:
    """Decode a poll: an undecodable record or an event its topic does not carry is poison."""
    out = Sorted()
    for tp, records in polled.items():
        for record in records:
            out.positions[tp] = record.offset + 1
            if record.value is None:  # a compaction tombstone
                continue
            try:
                event = decode_event(record.value)
            except EventDecodeError as exc:
                out.poison.append((record, str(exc)))
                continue
            reason = misplaced(tp.topic, event, namespace=namespace)
            if reason is not None:
                out.poison.append((record, reason))
                continue
            out.events.append(event)
    return out


class Notifier:
    """A background thread started and stopped by the portal's lifespan."""

    def __init__(self, *, settings: PortalSettings, service: NotificationService, matching: Matching,
                 sender: Sender) -> None:
        self._settings = settings
        self._service = service
        self._shortlists = ShortlistSource(matching, secret=settings.auth_secret.get_secret_value(),
                                           k=settings.notify_shortlist_size,
                                           wait_seconds=settings.notify_shortlist_wait_seconds, sleep=self.wait)
        self._sender = sender
        namespace = settings.topic_namespace
        self.topics = [topic_name(APPLICATIONS, namespace), topic_name(OPPORTUNITIES, namespace)]
        self._dead_letters = DeadLetters(bootstrap=settings.kafka_bootstrap_servers,
                                         topic=topic_name(DEAD_LETTER, namespace),
                                         client_id=f"{settings.client_id}-dead-letter",
                                         consumer=notifier_group(settings),
                                         payload_limit=settings.dead_letter_payload_bytes)
        self._max_age = timedelta(hours=settings.notify_max_event_age_hours)
        # Every failure (broker, database, dead-letter topic) is passing: reconnect and redo the batch.
        self._loop = BackgroundLoop(self._step, name="portal-notifier", on_error=self._retrying,
                                    max_backoff=10.0, after=self._finish)
        self._consumer: KafkaConsumer | None = None
        self.handled = 0  # records consumed and committed, whatever became of them
        self.notified = 0
        self.dead_lettered = 0
        self.last_error: str | None = None

    def start(self) -> None:
        self._loop.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._loop.stop(timeout)

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds`` unless stopping (the shortlist waits use it); True when stopping."""
        return self._loop.wait(seconds)

    @property
    def failure(self) -> str | None:
        return self._loop.failure

    def _step(self) -> None:
        if self._consumer is None:
            self._consumer = self._connect()
        self._batch(self._consumer)

    def _connect(self) -> KafkaConsumer:
        settings = self._settings
        ensure_topics(settings.kafka_bootstrap_servers, partitions=settings.topic_partitions,
                      namespace=settings.topic_namespace, timeout_ms=2_000)
        consumer = make_consumer(settings.kafka_bootstrap_servers, client_id=f"{settings.client_id}-notifier",
                                 group_id=notifier_group(settings), max_poll_interval_ms=MAX_POLL_INTERVAL_MS,
                                 max_poll_records=settings.notify_poll_records)
        consumer.subscribe(self.topics)
        self.last_error = None
        return consumer

    def _batch(self, consumer: KafkaConsumer) -> None:
        polled: Polled = consumer.poll(timeout_ms=500)
        if not polled:
            return
        batch = sort(polled, namespace=self._settings.topic_namespace)
        self._dead_letters.send(batch.poison)
        notices = [notice for event in batch.events for notice in self.plan(event)]
        stored = self._service.store(notices)
        for notice in stored:
            self._sender.send(notice)
        consumer.commit({tp: OffsetAndMetadata(position, "", -1) for tp, position in batch.positions.items()})
        self.handled += sum(len(records) for records in polled.values())
        self.notified += len(stored)
        self.dead_lettered += len(batch.poison)

    def plan(self, event: Event) -> list[Notice]:
        """The notices one event is worth (asks matching for a new opportunity's shortlist)."""
        if not isinstance(event, ApplicationChangedV1 | OpportunityUpsertedV1):
            return []
        if not fresh(event.occurred_at, utc_now(), max_age=self._max_age):
            return []
        if isinstance(event, ApplicationChangedV1):
            account_id = account_id_of(Principal(subject=event.owner_id, role="seeker"))
            notice = application_notice(event, account_id=account_id) if account_id is not None else None
            return [notice] if notice is not None else []
        if not announces(event):
            return []
        shortlist = self._shortlists.fetch(event.record_id)
        seekers = self._service.seekers_of_profiles({talent_id for talent_id, _ in shortlist})
        return match_notices(event, shortlist, seekers)

    def _retrying(self, exc: BaseException) -> None:
        self.last_error = describe(exc)
        self._close_consumer()

    def _finish(self) -> None:
        self._close_consumer()
        self._dead_letters.close()
        self._sender.close()

    def _close_consumer(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            try:
                consumer.close(autocommit=False)
            except Exception:  # a broken client: nothing left to release
                log.debug("closing the notifier's consumer failed", exc_info=True)
