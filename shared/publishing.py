"""Starts a service's outbox relay once its topics exist, without holding up the service's start.

Until the broker answers, writes still succeed and their events wait in the outbox. The relay starts
only after the topics were created, so a broker that auto-creates topics on first produce does not
create ours with the wrong partition count or without compaction.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from shared.background import BackgroundLoop, describe
from shared.events.topics import TopicSpec
from shared.kafka import ensure_topics
from shared.outbox import OutboxRelay


class RelayLauncher:
    """Background thread: create the topics (retrying with back-off), then start the relay."""

    def __init__(self, *, relay: OutboxRelay, bootstrap: str, topics: tuple[TopicSpec, ...],
                 partitions: int, namespace: str, max_backoff: float = 5.0) -> None:
        self._relay = relay
        self._bootstrap = bootstrap
        self._topics = topics
        self._partitions = partitions
        self._namespace = namespace
        self._lock = threading.Lock()
        # Broker down or refusing: keep serving writes (their events wait in the outbox), try again later.
        self._loop = BackgroundLoop(self._step, name="relay-launcher", max_backoff=max_backoff,
                                    on_error=self._failed)
        self.ready = False
        self.last_error: str | None = None

    @property
    def broker_status(self) -> str:
        """"ok", or what the service is waiting for (for the readiness report)."""
        if not self.ready:
            return f"waiting: {self.last_error or 'creating topics'}"
        return f"waiting: {self._relay.last_error}" if self._relay.last_error else "ok"

    def start(self) -> None:
        self._loop.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop trying, stop the relay; after this the relay is not started any more."""
        self._loop.stop(timeout)
        with self._lock:
            self._relay.stop()

    def _step(self) -> bool:
        ensure_topics(self._bootstrap, partitions=self._partitions, namespace=self._namespace,
                      topics=self._topics, timeout_ms=2_000)
        with self._lock:
            if not self._loop.stopping:
                self._relay.start()
                self.ready, self.last_error = True, None
        return True

    def _failed(self, exc: BaseException) -> None:
        self.last_error = describe(exc)


def outbox_service_readiness(engine: Engine, relay: OutboxRelay,
                             launcher: RelayLauncher) -> tuple[bool, dict[str, Any]]:
    """Ready when the database answers; a broker outage only grows ``outbox_pending``."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        pending = relay.pending()
    except SQLAlchemyError as exc:
        return False, {"database": f"unavailable: {type(exc).__name__}"}
    return True, {"database": "ok", "outbox_pending": pending, "broker": launcher.broker_status}
