"""The Kafka side of matching, put together: every replica reads both compacted topics (a replica of the
scale-out: the vectors topic) and the feedback topic from the beginning.

One turn of the loop: the reader (``reader.py``) polls; the router (``routing.py``) sorts the records
into events, embedded vectors, feedback and poison; poison goes to the dead-letter topic before the
batch is applied, so a failed send retries the batch; the applier (``applier.py``) changes the state,
the figures and the metrics; the checkpointer (``checkpointing.py``) decides when what was applied is
committed. A broker outage or a dead-letter failure is retried with back-off, reconnecting; any other
error is a bug: the consumer stops, logs it, and readiness reports it (replaying the batch would only
fail again).

With a ``Checkpointer`` the replica first restores its last checkpoint, before its thread starts and so
before the app serves (``loaded`` says it is done; the service answers 503 until then), and resumes at
the offsets it covers; it saves periodically
and once more when stopped. When the broker no longer holds the log those offsets point into, it
empties the state and reads from the beginning, as a replica without a checkpoint does.

Until it has read the record topics up to the end offsets they had when it connected first after a start
or a start-over (``backlog_read``), a record it does not hold may be further down the log: the service
answers 503 for it then, and 404 only afterwards.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from kafka import TopicPartition

from services.matching.applier import Applier
from services.matching.checkpointing import Checkpointer
from services.matching.dead_letter import DeadLetterError, DeadLetters
from services.matching.domain.documents import prepare_tagging
from services.matching.domain.embedded_vectors import EmbeddedBatchError, check_embedded
from services.matching.domain.encoders import HybridEncoder, TextEncoder
from services.matching.domain.state import MatchingState
from services.matching.heap import freeze_loaded
from services.matching.metrics.pipeline import PipelineMetrics
from services.matching.metrics.store import FiguresStore
from services.matching.progress import Progress
from services.matching.reader import BrokerError, PartitionReader
from services.matching.routing import route
from services.matching.settings import MatchingSettings
from services.matching.threads import NativeThreads
from shared.background import BackgroundLoop, describe
from shared.events.contracts import RecordEmbeddedV1
from shared.events.topics import (
    APPLICATIONS,
    DEAD_LETTER,
    FEEDBACK,
    OPPORTUNITIES,
    PROFILES,
    VECTORS,
    topic_name,
)

log = logging.getLogger(__name__)

LAG_REFRESH_SECONDS = 1.0


class EventConsumer:
    """A daemon thread that polls the topics and applies each poll as one micro-batch."""

    def __init__(self, *, settings: MatchingSettings, state: MatchingState, encoder: TextEncoder,
                 figures: FiguresStore | None = None, metrics: PipelineMetrics | None = None,
                 checkpointer: Checkpointer | None = None, hybrid: HybridEncoder | None = None) -> None:
        """``hybrid``: the blend replicas apply precomputed dense vectors with (``MATCHING_ROLE=replica``)."""
        self._settings = settings
        self._state = state
        self._figures = figures
        self._checkpointer = checkpointer
        namespace = settings.topic_namespace
        self.feedback_topic = topic_name(FEEDBACK, namespace)
        self.vectors_topic = topic_name(VECTORS, namespace)
        self.applications_topic = topic_name(APPLICATIONS, namespace)
        self._hybrid = hybrid
        self.replica = settings.role == "replica"  # reads vectors, never runs the model on the stream
        if self.replica and hybrid is None:
            raise ValueError("a replica needs the hybrid encoder to blend the vectors it reads")
        records = [self.vectors_topic] if self.replica else [topic_name(PROFILES, namespace),
                                                             topic_name(OPPORTUNITIES, namespace)]
        self._record_topics = frozenset(records)
        self._topics = (*records, self.feedback_topic, self.applications_topic)
        self.dead_letter_topic = topic_name(DEAD_LETTER, namespace)
        self._dead_letters = DeadLetters(bootstrap=settings.kafka_bootstrap_servers, topic=self.dead_letter_topic,
                                         client_id=f"{settings.client_id}-dead-letter", consumer=settings.client_id,
                                         payload_limit=settings.dead_letter_payload_bytes)
        self.progress = Progress()
        self._reader = PartitionReader(settings=settings, topics=self._topics)
        self._applier = Applier(state=state, encoder=encoder, progress=self.progress,
                                feedback_topic=self.feedback_topic, figures=figures, metrics=metrics,
                                hybrid=hybrid if self.replica else None,
                                threads=NativeThreads(settings.thread_budget()),
                                applications_topic=self.applications_topic)
        self._loop = BackgroundLoop(self._step, name="matching-consumer", retry_on=(BrokerError, DeadLetterError),
                                    on_error=self._retrying, max_backoff=settings.retry_max_seconds,
                                    before=self._prepare, after=self._finish)
        self._lag_checked_at = 0.0
        self.loaded = False  # the checkpoint, if any, is restored: the state serves what it covers
        self.broker_reachable = False
        self.caught_up = False  # lag reached 0 at least once since the (re)start: readiness
        # The record topics' end offsets at the first connection after the (re)start, and whether everything
        # before them is applied: only then is an id the state does not hold unknown (404, not 503).
        self._backlog: dict[TopicPartition, int] | None = None
        self.backlog_read = False
        self.last_error: str | None = None

    @property
    def running(self) -> bool:
        return self._loop.running

    @property
    def failure(self) -> str | None:
        """The error that stopped the consumer for good (a bug, not an outage), if one did."""
        return self._loop.failure

    @property
    def phase(self) -> str:
        """``loading`` (the checkpoint), ``catching_up`` (reading the backlog), ``caught_up``, ``failed``
        or ``stopped``."""
        if self.failure is not None:
            return "failed"
        if not self.running:
            return "stopped"
        if not self.loaded:
            return "loading"
        return "caught_up" if self.caught_up else "catching_up"

    @property
    def events_applied(self) -> int:
        return self._applier.events_applied

    def start(self) -> None:
        """Restore the checkpoint now (a local file: the caller serves its state from the first request
        on), then poll in the consumer's thread."""
        self._restore()
        self._loop.start()

    def stop(self, timeout: float = 60.0) -> None:
        """Finish the batch in hand, write the last checkpoint, disconnect."""
        self._loop.stop(timeout)

    def status(self) -> dict[str, Any]:
        partitions = self.progress.partitions()
        return {
            "running": self.running,
            "phase": self.phase,
            "loaded": self.loaded,
            "broker_reachable": self.broker_reachable,
            "caught_up": self.caught_up,
            "backlog_read": self.backlog_read,
            "lag": sum(p["lag"] or 0 for p in partitions.values()),
            "partitions": partitions,
            **self._applier.counters(),
            "last_error": self.last_error,
            "failure": self.failure,
            "checkpoint": self._checkpointer.status() if self._checkpointer is not None else None,
        }

    @property
    def topic_labels(self) -> tuple[str, ...]:
        """The topics this consumer reads, as named on the broker."""
        return self._topics

    def lag_by_topic(self) -> dict[str, int]:
        """Messages not yet applied per topic (0 where the end is not known yet)."""
        return self.progress.lag_by_topic(self._topics)

    def _restore(self) -> None:
        """Restore the checkpoint, if any, and continue from the offsets it covers."""
        if self._checkpointer is not None:
            resumed = self._checkpointer.resume(self._topics)
            if resumed is not None:
                self.progress.restore(*resumed)
        self.loaded = True

    def _prepare(self) -> None:
        """In the consumer's thread, before the first poll: the normalizer the tagging needs (a replica takes
        the tags from the vectors topic: none on its catch-up)."""
        if not self.replica and self._state.normalizer is not None:
            prepare_tagging(self._state.normalizer)

    def _step(self) -> None:
        if not self._reader.connected:
            self._reader.connect(self.progress, on_replaced=self._start_over)
            self.broker_reachable, self.last_error = True, None
            log.info("matching consumer reading %s", ", ".join(self._topics))
            if self._backlog is None:
                self._backlog = {tp: end for tp, end in self._reader.end_offsets().items()
                                 if tp.topic in self._record_topics}
        polled = self._reader.poll()
        if polled:
            routed = route(polled, namespace=self._settings.topic_namespace,
                           check_embedded=self._unusable if self.replica else None)
            self._dead_letters.send(routed.poison)
            self._applier.apply(routed, live=self.caught_up)
            if self._checkpointer is not None:
                self._checkpointer.applied(routed.handled)
        else:
            self.progress.adopt(self._reader.client_positions())
        self._check_backlog(drained=sum(map(len, polled.values())) < self._settings.max_poll_records)
        self._refresh_lag()
        self._commit(final=False)

    def _retrying(self, exc: BaseException) -> None:
        self.broker_reachable = False
        self.last_error = describe(exc)
        self._disconnect()

    def _finish(self) -> None:
        if self.failure is None:  # after a bug the state may hold half a batch: keep the last good checkpoint
            self._commit(final=True)
        self._disconnect()

    def _commit(self, *, final: bool) -> None:
        if self._checkpointer is not None:
            self._checkpointer.commit(*self.progress.covered(), final=final)

    def _start_over(self, reason: str) -> None:
        """Forget what was applied: empty state (and figures), every partition from its beginning."""
        if self._checkpointer is not None:
            self._checkpointer.discard(reason)
        else:
            log.warning("the broker's log was replaced (%s): rebuilding from the beginning", reason)
            self._state.reset()
            if self._figures is not None:
                self._figures.restore(None)
        self.progress.clear()
        self.caught_up = False
        self._backlog, self.backlog_read = None, False

    def _disconnect(self) -> None:
        self._reader.close()
        self._dead_letters.close()

    def _unusable(self, message: RecordEmbeddedV1) -> str | None:
        assert self._hybrid is not None  # only replicas read the vectors topic
        try:
            check_embedded(message, self._hybrid)
        except EmbeddedBatchError as exc:
            return str(exc)
        return None

    def _check_backlog(self, *, drained: bool) -> None:
        """``backlog_read`` once every record partition is applied up to its end at the (re)start, checked
        when a poll left nothing in the client's buffer: Tansu reports the end as the base offset of the last
        batch + 1, so reaching it alone may leave the rest of that batch (fetched whole) still to return."""
        if self.backlog_read or self._backlog is None or not drained:
            return
        if self.progress.reached(self._backlog):
            self.backlog_read = True
            log.info("matching consumer read the backlog of its record topics at generation %d",
                     self._state.generation)

    def _refresh_lag(self) -> None:
        """End offsets once a second; a failure only marks the broker unreachable (the client reconnects)."""
        now = time.monotonic()
        interval = LAG_REFRESH_SECONDS if self.caught_up else 0.2  # notice the end of the backlog soon
        if not self._reader.connected or now - self._lag_checked_at < interval:
            return
        self._lag_checked_at = now
        try:
            ends = self._reader.end_offsets()
        except BrokerError as exc:
            self.broker_reachable = False
            self.last_error = str(exc)
            return
        self.progress.set_ends(ends)
        self.broker_reachable = True
        if self.progress.total_lag() == 0 and self.backlog_read and not self.caught_up:
            self.caught_up = True
            log.info("matching consumer caught up at generation %d", self._state.generation)
            freeze_loaded("caught up")  # what is loaded stays: full collections skip it (heap.py)
