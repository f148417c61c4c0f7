"""Feedback goes straight to Kafka: ``acks=all``, the send's future checked, 503 when the broker refuses.

Why not an outbox, as profiles and jobs do: matching owns no database to put one in, and feedback is
an append-only fact with its own ``event_id`` rather than a record with a version. The caller learns
the outcome synchronously instead: 202 once every in-sync replica has the event, 503 otherwise, and a
retry that carries the same ``event_id`` is counted once by the figures (they key feedback by it).
The producer is created on first use, so the service starts while the broker is down.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from kafka import KafkaProducer

from shared.errors import ServiceUnavailableError
from shared.events.contracts import FeedbackRecordedV1, encode_event
from shared.kafka import make_producer

log = logging.getLogger(__name__)


def feedback_key(event: FeedbackRecordedV1) -> bytes:
    """One pair's events share a partition, so they are read in the order they were written."""
    return f"{event.talent_id}:{event.opportunity_id}".encode()


class FeedbackPublisher:
    def __init__(self, *, bootstrap: str, topic: str, client_id: str, timeout_seconds: float) -> None:
        self._bootstrap = bootstrap
        self.topic = topic
        self._client_id = client_id
        self._timeout = timeout_seconds
        self._producer: KafkaProducer | None = None
        self._lock = threading.Lock()

    def _connected(self) -> KafkaProducer:
        with self._lock:
            if self._producer is None:
                self._producer = make_producer(self._bootstrap, client_id=self._client_id)
            return self._producer

    def publish(self, event: FeedbackRecordedV1) -> dict[str, Any]:
        """Send and wait for the acknowledgement; raise ``ServiceUnavailableError`` if there is none."""
        try:
            producer = self._connected()
            future = producer.send(self.topic, key=feedback_key(event), value=encode_event(event))
            metadata = future.get(timeout=self._timeout)
        except Exception as exc:  # no broker, metadata timeout, not enough replicas, ...
            log.warning("feedback %s not acknowledged: %s: %s", event.event_id, type(exc).__name__, exc)
            raise ServiceUnavailableError(
                "the event broker did not acknowledge the feedback; retry with the same event_id") from exc
        return {"event_id": event.event_id, "topic": metadata.topic, "partition": metadata.partition,
                "offset": metadata.offset}

    def close(self) -> None:
        with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            try:
                producer.close(timeout=2)
            except Exception:
                log.debug("closing the feedback producer failed", exc_info=True)
