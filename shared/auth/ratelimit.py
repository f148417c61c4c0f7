"""Request budgets in Redis: a fixed one-minute window per key (an identity, or a client address that sends
bad tokens), shared by replicas.

A Redis outage lets requests through (counted in ``degraded``) rather than refusing every user: the
limit protects capacity, it is not an access rule. A hung Redis would make every request wait out the
client's socket timeout, so a circuit breaker skips Redis for a while after an error.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import redis
from redis.exceptions import RedisError

from shared.breaker import CircuitBreaker
from shared.errors import TooManyRequestsError

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60


class RateLimiter:
    def __init__(self, client: redis.Redis[bytes] | None, *, per_minute: int, prefix: str,
                 retry_after_seconds: float = 2.0, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self.per_minute = per_minute
        self._prefix = prefix
        self.breaker = CircuitBreaker(name="redis rate limiter", retry_after_seconds=retry_after_seconds)
        self.clock = clock  # the wall clock names the window; tests replace it
        self.degraded = 0

    @property
    def enabled(self) -> bool:
        return self._client is not None and self.per_minute > 0

    def bypassed(self) -> bool:
        """True (and counted in ``degraded``) while the breaker is open: let the request through unasked."""
        if self.breaker.closed:
            return False
        self.degraded += 1
        return True

    def check(self, identity: str, *, now: float | None = None) -> None:
        """Count one request of ``identity``; ``TooManyRequestsError`` once its window's budget is spent."""
        if not self.enabled:
            return
        assert self._client is not None
        if self.bypassed():
            return
        moment = self.clock() if now is None else now
        window = int(moment // WINDOW_SECONDS)
        key = f"{self._prefix}{identity}:{window}"
        try:
            pipe = self._client.pipeline(transaction=False)
            pipe.incr(key)
            pipe.expire(key, WINDOW_SECONDS * 2)
            count = int(pipe.execute()[0])
        except RedisError as exc:
            self.degraded += 1
            self.breaker.trip(exc)
            return
        if count > self.per_minute:
            retry_after = max(1, int((window + 1) * WINDOW_SECONDS - moment + 0.999))
            raise TooManyRequestsError(f"more than {self.per_minute} requests a minute; retry in {retry_after}s",
                                       retry_after_seconds=retry_after)
