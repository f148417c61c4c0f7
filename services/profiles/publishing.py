"""Starts the outbox relay once the broker answers, after creating the topic it publishes to.

Until then writes still succeed: their events wait in the outbox. Starting the relay only after the
topic exists keeps a broker that auto-creates topics from creating ours with the wrong settings.
"""

from __future__ import annotations

import logging
import socket
import threading

from kafka.errors import KafkaError

from shared.events.topics import TopicSpec
from shared.kafka import ensure_topics
from shared.outbox import OutboxRelay

log = logging.getLogger(__name__)

TOPIC_SETUP_ATTEMPTS = 3  # while the broker answers but refuses; then publish to topics made elsewhere


def broker_reachable(bootstrap: str, *, timeout: float = 1.0) -> bool:
    """Whether any bootstrap server accepts a TCP connection (a Kafka client would wait 30 s to tell)."""
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
                return True
        except (OSError, ValueError):
            continue
    return False


class RelayLauncher:
    """Background thread: wait for the broker, create the topic, start the relay; stop() undoes it."""

    def __init__(self, *, relay: OutboxRelay, bootstrap: str, topics: tuple[TopicSpec, ...],
                 partitions: int, namespace: str) -> None:
        self._relay = relay
        self._bootstrap = bootstrap
        self._topics = topics
        self._partitions = partitions
        self._namespace = namespace
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="profiles-relay-launcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
        with self._lock:
            self._relay.stop()

    def _run(self) -> None:
        backoff, failures, warned = 0.2, 0, False
        while not self._stop.is_set():
            if broker_reachable(self._bootstrap):
                try:
                    ensure_topics(self._bootstrap, partitions=self._partitions, namespace=self._namespace,
                                  topics=self._topics)
                    break
                except (KafkaError, OSError) as exc:
                    failures += 1
                    log.warning("cannot create topics (%s), attempt %d", exc, failures)
                    if failures >= TOPIC_SETUP_ATTEMPTS:
                        break
            elif not warned:
                log.warning("broker %s not reachable; events wait in the outbox until it is", self._bootstrap)
                warned = True
            self._stop.wait(backoff)
            backoff = min(backoff * 2, 5.0)
        with self._lock:
            if not self._stop.is_set():
                self._relay.start()
