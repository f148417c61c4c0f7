"""Topic setup in the background: retried while the broker is down, so startup never waits for it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from shared.events.topics import OPPORTUNITIES
from shared.kafka import ensure_topics

log = logging.getLogger(__name__)


class TopicSetup:
    """Creates the opportunities topic, then calls ``on_ready`` once (it starts the outbox relay,
    so events never land in a topic the broker auto-created with the wrong settings)."""

    def __init__(self, *, bootstrap: str, partitions: int, namespace: str,
                 on_ready: Callable[[], None], retry_seconds: float = 1.0) -> None:
        self._bootstrap = bootstrap
        self._partitions = partitions
        self._namespace = namespace
        self._on_ready = on_ready
        self._retry_seconds = retry_seconds
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.ready = False
        self.last_error: str | None = None

    def start(self) -> None:
        threading.Thread(target=self._run, name="jobs-topic-setup", daemon=True).start()

    def stop(self) -> None:
        """After this returns ``on_ready`` has either run or never will."""
        with self._lock:
            self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                ensure_topics(self._bootstrap, partitions=self._partitions, namespace=self._namespace,
                              topics=(OPPORTUNITIES,))
            except Exception as exc:  # broker down or refusing: keep serving writes, try again later
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("cannot create topics on %s yet (%s); retrying", self._bootstrap, self.last_error)
                self._stop.wait(self._retry_seconds)
                continue
            with self._lock:
                if not self._stop.is_set():
                    self._on_ready()
                    self.ready = True
                    self.last_error = None
            return
