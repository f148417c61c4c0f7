"""What applying a routed batch changes: the index (state), the operators' figures, the pipeline metrics
and the applied offsets, in that order.

Record events go to the index (a replica applies the embedded vectors it read instead of running the
model); every event, feedback included, goes to the figures, which ignore what they already hold, so
a retried batch counts nothing twice. The offsets advance only after the state and the figures took
the batch: a batch that fails is read again. Feedback offsets stay out of the index's offsets, so
feedback never changes the index's cache token.

Traced (``shared.tracing``), a batch is one span linked to the traces of the records it applied, with
children for the index update (the encode inside it) and the cache invalidation (the generation bump).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from opentelemetry import trace

from services.matching.domain.embedded_vectors import apply_embedded
from services.matching.domain.encoders import HybridEncoder, TextEncoder, Vectors
from services.matching.domain.state import MatchingState
from services.matching.metrics.pipeline import PipelineMetrics
from services.matching.metrics.store import FiguresStore, document_tags
from services.matching.progress import Progress, partition_key
from services.matching.routing import Routed
from services.matching.threads import NativeThreads
from shared.background import utc_now
from shared.tracing import links_to

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)


class _TracedEncoder:
    """The batch's encoder, each call a span (the model's share of an index update)."""

    def __init__(self, encoder: TextEncoder) -> None:
        self._encoder = encoder
        self.dim = encoder.dim
        self.name = encoder.name

    def encode(self, texts: Sequence[str]) -> Vectors:
        with tracer.start_as_current_span("matching encode", attributes={"matching.texts": len(texts)}):
            return self._encoder.encode(texts)


class Applier:
    """Applies one routed batch at a time (the consumer thread's only writer path)."""

    def __init__(self, *, state: MatchingState, encoder: TextEncoder, progress: Progress, feedback_topic: str,
                 figures: FiguresStore | None = None, metrics: PipelineMetrics | None = None,
                 hybrid: HybridEncoder | None = None, threads: NativeThreads | None = None,
                 applications_topic: str | None = None) -> None:
        """``hybrid``: replicas blend the dense vectors they read with it instead of running ``encoder``;
        ``threads``: the native thread counts the applying thread takes (the ingest role);
        ``applications_topic``, like ``feedback_topic``, carries facts for the figures, not for the index."""
        self._state = state
        self._encoder = encoder
        self._progress = progress
        self._feedback_topic = feedback_topic
        self._fact_topics = {feedback_topic} | ({applications_topic} if applications_topic else set())
        self._figures = figures
        self._metrics = metrics
        self._hybrid = hybrid
        self._threads = threads
        self._lock = threading.Lock()  # guards the counters read by request threads
        self.events_applied = 0
        self.dead_lettered = 0
        self.tombstones_skipped = 0
        self.last_applied_at: datetime | None = None

    def apply(self, routed: Routed, *, live: bool) -> None:
        """``live``: the backlog was read once already (freshness counts only live events)."""
        with tracer.start_as_current_span("matching apply batch", links=links_to(routed.traces),
                                          attributes={"matching.events": len(routed.decoded)}):
            self._apply(routed, live=live)

    def _apply(self, routed: Routed, *, live: bool) -> None:
        if self._threads is not None:
            self._threads.enter("ingest")
        offsets = {partition_key(tp): pos for tp, pos in routed.positions.items()
                   if tp.topic not in self._fact_topics}
        with tracer.start_as_current_span("matching index update"):
            if self._hybrid is not None:
                batch = apply_embedded(self._state, routed.embedded, self._hybrid, offsets=offsets)
            else:
                batch = self._state.apply(routed.events, _TracedEncoder(self._encoder), offsets=offsets)
        # cached answers are keyed by the token: a new generation invalidates them (nothing is deleted)
        with tracer.start_as_current_span("matching cache invalidation") as span:
            if span.is_recording():
                span.set_attributes({"matching.generation": batch.generation,
                                     "matching.cache_token": self._state.cache_token()})
        if self._figures is not None:
            self._figures.apply((event for _, event in routed.decoded),
                                tags=document_tags(self._state, routed.events))
        applied_at = utc_now()
        self._progress.advance(routed.positions, routed.last_records)
        with self._lock:
            self.events_applied += len(routed.decoded)
            self.dead_lettered += len(routed.poison)
            self.tombstones_skipped += routed.tombstones
            if routed.decoded:
                self.last_applied_at = applied_at
        if self._metrics is not None:
            self._metrics.dead_lettered.inc(len(routed.poison))
            for topic, event in routed.decoded:
                self._metrics.event_applied(topic=topic, occurred_at=event.occurred_at, applied_at=applied_at,
                                            live=live, indexed=topic not in self._fact_topics)
        if routed.events:
            log.info("applied %d events (%d upserted, %d deleted, %d ignored) → generation %d",
                     batch.events, batch.upserted, batch.deleted, batch.ignored, batch.generation)

    def counters(self) -> dict[str, Any]:
        with self._lock:
            return {"events_applied": self.events_applied, "dead_lettered": self.dead_lettered,
                    "tombstones_skipped": self.tombstones_skipped,
                    "last_applied_at": self.last_applied_at.isoformat() if self.last_applied_at else None}
