"""The embedding worker role (``MATCHING_ROLE=embedder``): the model's side of matching, scaled by
partitions.

Workers share the profiles and opportunities topics in one consumer group; each embeds its records'
texts in batches and publishes every record event, with its dense vector, to the vectors topic,
keyed by side and id so one record's events stay in order. Offsets are committed only after the
broker acknowledged the whole batch: a crash re-embeds at most one batch, and replicas ignore the
repeated versions. The records are sorted by the same router as the consumer's (``routing.py``): poison
messages go to the dead-letter topic here, so replicas never see them.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, OffsetAndMetadata
from kafka.consumer.subscription_state import ConsumerRebalanceListener

from services.matching.dead_letter import DeadLetters
from services.matching.domain.documents import (
    OpportunityDoc,
    TalentDoc,
    opportunity_document,
    prepare_tagging,
    record_tags,
    talent_document,
)
from services.matching.domain.embedded_vectors import pack
from services.matching.domain.encoders import TextEncoder
from services.matching.domain.occupations import LazyNormalizer, TitleNormalizer
from services.matching.encoder_setup import build_dense_encoder
from services.matching.routing import Polled, route
from services.matching.settings import MatchingSettings
from shared.background import BackgroundLoop, describe, utc_now
from shared.events.contracts import (
    OccupationTag,
    OpportunityUpsertedV1,
    ProfileUpsertedV1,
    RecordEmbeddedV1,
    RecordEvent,
    encode_event,
)
from shared.events.topics import DEAD_LETTER, OPPORTUNITIES, PROFILES, VECTORS, topic_name
from shared.kafka import ensure_topics, make_consumer, make_producer

log = logging.getLogger(__name__)


def vector_key(event: RecordEvent) -> bytes:
    side = "talents" if event.type.startswith("profile.") else "opportunities"
    return f"{side}:{event.record_id}".encode()


def derive(events: Sequence[RecordEvent], *, max_chars: int,
           normalizer: TitleNormalizer) -> list[tuple[str, list[str], list[OccupationTag]] | None]:
    """For each event the text the index embeds and its tags (the functions replicas would apply), None
    for deletes; the records are tagged in one batch."""
    upserts = [e for e in events if isinstance(e, ProfileUpsertedV1 | OpportunityUpsertedV1)]
    tags = iter(record_tags([e.profile if isinstance(e, ProfileUpsertedV1) else e.opportunity for e in upserts],
                            normalizer=normalizer))
    out: list[tuple[str, list[str], list[OccupationTag]] | None] = []
    for event in events:
        doc: TalentDoc | OpportunityDoc
        if isinstance(event, ProfileUpsertedV1):
            doc, text = talent_document(event.record_id, event.profile, max_chars=max_chars, tags=next(tags))
        elif isinstance(event, OpportunityUpsertedV1):
            doc, text = opportunity_document(event.record_id, event.opportunity, max_chars=max_chars,
                                             tags=next(tags))
        else:
            out.append(None)
            continue
        out.append((text, list(doc.skills), [OccupationTag(**asdict(o)) for o in doc.occupations]))
    return out


def embedder_group(settings: MatchingSettings) -> str:
    """The workers' consumer group: one per topic namespace, so deployments that share a broker (or a
    benchmark's successive rounds) never wait on each other's members."""
    namespace = settings.topic_namespace
    return f"{namespace}.{settings.client_id}-embedders" if namespace else f"{settings.client_id}-embedders"


def _close(consumer: KafkaConsumer | None, producer: KafkaProducer | None) -> None:
    try:
        if consumer is not None:
            consumer.close(autocommit=False)
        if producer is not None:
            producer.close(timeout=1)
    except Exception:
        log.debug("closing a Kafka client failed", exc_info=True)


class _Assignments(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, worker: EmbeddingWorker) -> None:
        self._worker = worker

    def on_partitions_revoked(self, revoked: Any) -> None:
        self._worker.assigned = set()

    def on_partitions_assigned(self, assigned: Any) -> None:
        self._worker.assigned = {f"{tp.topic}:{tp.partition}" for tp in assigned}
        log.info("embedding worker %s assigned %s", self._worker.member, sorted(self._worker.assigned))


class EmbeddingWorker:
    """A thread (or the main loop of ``python -m services.matching.embedder``) embedding record events."""

    def __init__(self, *, settings: MatchingSettings, dense: TextEncoder | None, member: str = "",
                 normalizer: TitleNormalizer | None = None) -> None:
        """``normalizer`` tags the records; by default the worker builds its own on its first run."""
        self._settings = settings
        self.normalizer = normalizer or LazyNormalizer()
        self._dense = dense
        self.member = member or settings.client_id
        namespace = settings.topic_namespace
        self._sources = [topic_name(PROFILES, namespace), topic_name(OPPORTUNITIES, namespace)]
        self.vectors_topic = topic_name(VECTORS, namespace)
        self._dead_letters = DeadLetters(bootstrap=settings.kafka_bootstrap_servers,
                                         topic=topic_name(DEAD_LETTER, namespace),
                                         client_id=f"{settings.client_id}-dead-letter", consumer=self.member,
                                         payload_limit=settings.dead_letter_payload_bytes)
        # Every failure is retried, reconnecting: the batch in hand is redone (its offsets were not committed).
        self._loop = BackgroundLoop(self._step, name="matching-embedder", on_error=self._retrying,
                                    max_backoff=settings.retry_max_seconds,
                                    before=lambda: prepare_tagging(self.normalizer), after=self._finish)
        self._clients: tuple[KafkaConsumer, KafkaProducer] | None = None
        self.assigned: set[str] = set()
        self.events_embedded = 0
        self.texts_encoded = 0
        self.dead_lettered = 0
        self.last_error: str | None = None
        self.last_batch_at: datetime | None = None

    @property
    def encoder_name(self) -> str:
        return self._dense.name if self._dense is not None else "none"

    def start(self) -> None:
        self._loop.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._loop.stop(timeout)

    @property
    def running(self) -> bool:
        return self._loop.running

    def status(self) -> dict[str, Any]:
        return {"role": "embedder", "member": self.member, "assigned": sorted(self.assigned),
                "events_embedded": self.events_embedded, "texts_encoded": self.texts_encoded,
                "dead_lettered": self.dead_lettered, "encoder": self.encoder_name,
                "last_batch_at": self.last_batch_at.isoformat() if self.last_batch_at else None,
                "last_error": self.last_error}

    def run(self) -> None:
        """Poll, embed, publish, commit, until ``stop``, in the calling thread (``start``: in its own).

        The normalizer is prepared before joining the group: a worker takes partitions only once it can
        embed."""
        self._loop.run()

    def _step(self) -> None:
        if self._clients is None:
            self._clients = self._connect()
        self._batch(*self._clients)

    def _retrying(self, exc: BaseException) -> None:
        self.last_error = describe(exc)
        self._close_clients()

    def _finish(self) -> None:
        self._close_clients()
        self._dead_letters.close()

    def _close_clients(self) -> None:
        clients, self._clients = self._clients, None
        if clients is not None:
            _close(*clients)

    def _connect(self) -> tuple[KafkaConsumer, KafkaProducer]:
        settings = self._settings
        ensure_topics(settings.kafka_bootstrap_servers, partitions=settings.topic_partitions,
                      namespace=settings.topic_namespace, timeout_ms=2_000)
        consumer = make_consumer(settings.kafka_bootstrap_servers, client_id=f"{self.member}-embedder",
                                 group_id=embedder_group(settings),
                                 max_poll_interval_ms=settings.embed_poll_interval_ms,
                                 max_poll_records=settings.embed_poll_records)
        consumer.subscribe(self._sources, listener=_Assignments(self))
        producer = make_producer(settings.kafka_bootstrap_servers, client_id=f"{self.member}-vectors")
        self.last_error = None
        return consumer, producer

    def _batch(self, consumer: KafkaConsumer, producer: KafkaProducer) -> None:
        polled: Polled = consumer.poll(timeout_ms=200)
        if not polled:
            return
        routed = route(polled, namespace=self._settings.topic_namespace)
        commit = {tp: OffsetAndMetadata(position, "", -1) for tp, position in routed.positions.items()}
        events: list[RecordEvent] = routed.events
        self._dead_letters.send(routed.poison)
        futures = [producer.send(self.vectors_topic, key=vector_key(event), value=encode_event(message))
                   for event, message in zip(events, self.embed(events), strict=True)]
        producer.flush(timeout=30)
        for future in futures:
            future.get(timeout=10)
        consumer.commit(commit)
        self.events_embedded += len(events)
        self.dead_lettered += len(routed.poison)
        self.last_batch_at = utc_now()

    def embed(self, events: Sequence[RecordEvent]) -> list[RecordEmbeddedV1]:
        """Each event with the dense vector of its text; texts repeated in the batch are encoded once."""
        derived = derive(events, max_chars=self._settings.max_text_chars, normalizer=self.normalizer)
        texts = [d[0] if d is not None else None for d in derived]
        unique = sorted({t for t in texts if t is not None})
        rows: dict[str, str] = {}
        if unique and self._dense is not None:
            vectors = self._dense.encode(unique)
            rows = {text: pack(vectors[i]) for i, text in enumerate(unique)}
            self.texts_encoded += len(unique)
        return [RecordEmbeddedV1(encoder=self.encoder_name, event=e, dense=rows.get(d[0], "") if d else "",
                                 skills=d[1] if d else [], occupations=d[2] if d else [])
                for e, d in zip(events, derived, strict=True)]


def main() -> None:
    """Run one worker in the foreground until SIGTERM/SIGINT (benchmarks; the service role runs it too)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = MatchingSettings()
    worker = EmbeddingWorker(settings=settings, dense=build_dense_encoder(settings))
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.stop())
    worker.run()


if __name__ == "__main__":
    main()
