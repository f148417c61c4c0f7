"""Transactional outbox: an event is written in the same transaction as its record,
and a relay thread publishes it to Kafka afterwards, so a write succeeds while the broker is down.

A row is marked published only when the broker acknowledged it (the send future resolved);
a failed send keeps the row, and the relay tries again with back-off.

With tracing on (``shared.tracing``), a row keeps the W3C ``traceparent`` of the request that wrote it,
and the relay publishes each message inside a span of that trace, with the context in its headers.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any, Protocol

from kafka import KafkaProducer
from kafka.errors import KafkaError
from opentelemetry import trace
from sqlalchemy import BigInteger, DateTime, Integer, String, Text, delete, event, func, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from shared.background import BackgroundLoop, describe, utc_now
from shared.events.contracts import EventBase, encode_event
from shared.kafka import make_producer
from shared.tracing import context_from_traceparent, current_traceparent, kafka_headers

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)


class OutboxMixin:
    """Columns of the outbox table; each service maps it onto its own declarative base."""

    # the server default of ``traceparent`` is not read back after an INSERT (the old schema has no column)
    __mapper_args__ = {"eager_defaults": False}  # noqa: RUF012

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    topic: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True, default=None)
    # The writing request's W3C traceparent, set when the row is built inside a span (``_keep_trace``). A server
    # default: with tracing off the INSERT leaves the column out, so this release also writes to the schema before.
    traceparent: Mapped[str | None] = mapped_column(String(100), server_default=text("NULL"))


@event.listens_for(OutboxMixin, "init", propagate=True)
def _keep_trace(_target: OutboxMixin, _args: Any, kwargs: dict[str, Any]) -> None:
    """Every outbox row built while a span is active (the request's) keeps its context, however it is built."""
    if (traceparent := current_traceparent()) is not None:
        kwargs.setdefault("traceparent", traceparent)


class OutboxModel(Protocol):
    id: Any
    topic: Any
    key: Any
    payload: Any
    published_at: Any
    traceparent: Any

    def __init__(self, **kwargs: Any) -> None: ...


def enqueue(session: Session, model: type[OutboxModel], *, topic: str, event: EventBase) -> None:
    """Add ``event`` to the outbox inside the caller's transaction, keyed by its record id."""
    session.add(model(topic=topic, key=str(event.record_id), payload=encode_event(event).decode("utf-8")))


class OutboxRelay:
    """Publishes outbox rows in id order; one thread per service process."""

    def __init__(self, *, session_factory: sessionmaker[Session], model: type[OutboxModel],
                 bootstrap: str, client_id: str, batch_size: int = 500,
                 keep_published_seconds: float = 3600.0) -> None:
        self._sessions = session_factory
        self._model = model
        self._bootstrap = bootstrap
        self._client_id = client_id
        self._batch_size = batch_size
        self._keep_published_seconds = keep_published_seconds
        self._wake = threading.Event()
        # Every failure is retried: a broker or database outage must not end the relay.
        self._loop = BackgroundLoop(self._step, name=f"{client_id}-outbox", on_error=self._failed)
        self._producer: KafkaProducer | None = None
        self.published_total = 0
        self.last_error: str | None = None

    def start(self) -> None:
        self._loop.start()

    def notify(self) -> None:
        """Wake the relay after a commit so events leave at once rather than at the next tick."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._loop.request_stop()
        self._wake.set()
        self._loop.stop(timeout)
        if self._producer is not None:
            self._producer.close(timeout=5)
            self._producer = None

    def pending(self) -> int:
        with self._sessions() as session:
            count = session.scalar(
                select(func.count()).select_from(self._model).where(self._model.published_at.is_(None))
            )
            return int(count or 0)

    def _step(self) -> None:
        sent = self.publish_pending()
        self.last_error = None
        if sent < self._batch_size:
            self._wake.wait(1.0)
            self._wake.clear()

    def _failed(self, exc: BaseException) -> None:
        self.last_error = describe(exc)
        if isinstance(exc, KafkaError | OSError):  # the producer may be broken: the next batch makes a new one
            self._drop_producer()

    def publish_pending(self) -> int:
        """Send one batch of unpublished rows; mark them published only after every ack."""
        with self._sessions() as session, session.begin():
            rows = session.execute(
                select(self._model.id, self._model.topic, self._model.key, self._model.payload,
                       self._model.traceparent)
                .where(self._model.published_at.is_(None))
                .order_by(self._model.id)
                .limit(self._batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                self._purge_published(session)
                return 0
            producer = self._get_producer()
            futures = [self._send(producer, topic, key, payload, traceparent)
                       for _id, topic, key, payload, traceparent in rows]
            producer.flush(timeout=15)
            for future in futures:
                future.get(timeout=15)  # raises KafkaError: the transaction rolls back, rows stay
            session.execute(
                update(self._model)
                .where(self._model.id.in_([row[0] for row in rows]))
                .values(published_at=utc_now())
            )
        self.published_total += len(rows)
        return len(rows)

    @staticmethod
    def _send(producer: KafkaProducer, topic: str, key: str, payload: str, traceparent: str | None) -> Any:
        """Send one row; a traced row's send is a span of the writing request's trace, its context in headers."""
        value = payload.encode("utf-8")
        if traceparent is None:  # tracing off, or a row written before it was on
            return producer.send(topic, key=key.encode(), value=value)
        with tracer.start_as_current_span(f"{topic} publish", context=context_from_traceparent(traceparent),
                                          kind=trace.SpanKind.PRODUCER,
                                          attributes={"messaging.system": "kafka",
                                                      "messaging.destination.name": topic}):
            return producer.send(topic, key=key.encode(), value=value, headers=kafka_headers())

    def _purge_published(self, session: Session) -> None:
        cutoff = datetime.fromtimestamp(utc_now().timestamp() - self._keep_published_seconds, UTC)
        session.execute(delete(self._model).where(self._model.published_at < cutoff))

    def _get_producer(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = make_producer(self._bootstrap, client_id=self._client_id)
        return self._producer

    def _drop_producer(self) -> None:
        if self._producer is not None:
            try:
                self._producer.close(timeout=1)
            except Exception:
                log.debug("closing a broken producer failed", exc_info=True)
            self._producer = None
