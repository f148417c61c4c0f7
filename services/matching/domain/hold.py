"""The writers' lock of a matching state, kept by a checkpoint's copy while it streams the live index."""

from __future__ import annotations

import threading
import time


class WritersHold:
    """The writers' lock a copy with live indexes keeps until they are written; released once."""

    def __init__(self, lock: threading.Lock) -> None:
        self._lock = lock
        self._guard = threading.Lock()
        self._held = True
        self.since = time.perf_counter()
        self.seconds = 0.0  # how long it was held, once released

    def release(self) -> None:
        with self._guard:
            if self._held:
                self._held = False
                self.seconds = time.perf_counter() - self.since
                self._lock.release()
