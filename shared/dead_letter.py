"""The dead-letter topic: undecodable or misplaced messages, with their origin and the reason (every
consumer of the platform publishes its poison messages here)."""

from __future__ import annotations

import base64
import json
import logging

from kafka import KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord

from shared.background import describe, utc_now
from shared.kafka import make_producer

log = logging.getLogger(__name__)


class DeadLetterError(ConnectionError):
    """The dead-letter topic did not acknowledge a message: the batch is retried."""


class DeadLetters:
    """Publishes poison messages; ``send`` returns only once the broker acknowledged every one."""

    def __init__(self, *, bootstrap: str, topic: str, client_id: str, consumer: str,
                 payload_limit: int) -> None:
        self._bootstrap = bootstrap
        self._client_id = client_id
        self._consumer = consumer
        self._limit = payload_limit
        self.topic = topic
        self._producer: KafkaProducer | None = None

    def send(self, poison: list[tuple[ConsumerRecord, str]]) -> None:
        """Raise ``DeadLetterError`` unless every message was acknowledged (the caller then retries its batch)."""
        if not poison:
            return
        try:
            self._send(poison)
        except Exception as exc:  # kafka-python's errors, a closed producer, a timeout
            raise DeadLetterError(describe(exc)) from exc

    def _send(self, poison: list[tuple[ConsumerRecord, str]]) -> None:
        if self._producer is None:
            self._producer = make_producer(self._bootstrap, client_id=self._client_id)
        futures = []
        for record, reason in poison:
            raw: bytes = record.value
            origin = f"{record.topic}:{record.partition}:{record.offset}"
            value = {
                "source_topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
                "key": record.key.decode("utf-8", "replace") if record.key is not None else None,
                "reason": reason[:2000],
                "consumer": self._consumer,
                "dead_lettered_at": utc_now().isoformat(),
                "payload_bytes": len(raw),
                "payload_truncated": len(raw) > self._limit,
                "payload_base64": base64.b64encode(raw[:self._limit]).decode("ascii"),
            }
            futures.append(self._producer.send(self.topic, key=origin.encode(),
                                               value=json.dumps(value, ensure_ascii=False).encode()))
            log.warning("dead-lettered %s (%d bytes): %s", origin, len(raw), reason[:200])
        self._producer.flush(timeout=10)
        for future in futures:
            future.get(timeout=10)

    def close(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                producer.close(timeout=1)
            except Exception:
                log.debug("closing the dead-letter producer failed", exc_info=True)
