"""A circuit breaker for optional dependencies (Redis): after a failure, skip the dependency for a while.

A hung server (SIGSTOP, a full network buffer) makes every call wait out the socket timeout; without a
breaker each request would pay it. While open, callers go without the dependency at once; the first
call after ``retry_after_seconds`` tries it again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class CircuitBreaker:
    def __init__(self, *, name: str, retry_after_seconds: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._name = name
        self._retry_after = retry_after_seconds
        self._clock = clock
        self._open_until = 0.0
        self.trips = 0

    @property
    def closed(self) -> bool:
        """True while the dependency may be called."""
        return self._clock() >= self._open_until

    def reset(self) -> None:
        """Call the dependency again from now on."""
        self._open_until = 0.0

    def trip(self, exc: Exception) -> None:
        """The dependency failed: go without it for ``retry_after_seconds``."""
        self.trips += 1
        self._open_until = self._clock() + self._retry_after
        log.warning("%s unavailable (%s); going without it for %.0fs", self._name, exc, self._retry_after)
