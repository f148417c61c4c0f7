"""Per-identity request budgets in Redis: a fixed one-minute window per subject, shared by replicas.

A Redis outage lets requests through (counted in ``degraded``) rather than refusing every user: the
limit protects capacity, it is not an access rule.
"""

from __future__ import annotations

import logging
import time

import redis
from redis.exceptions import RedisError

from shared.errors import TooManyRequestsError

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60


class RateLimiter:
    def __init__(self, client: redis.Redis[bytes] | None, *, per_minute: int, prefix: str) -> None:
        self._client = client
        self.per_minute = per_minute
        self._prefix = prefix
        self.degraded = 0

    @property
    def enabled(self) -> bool:
        return self._client is not None and self.per_minute > 0

    def check(self, identity: str, *, now: float | None = None) -> None:
        """Count one request of ``identity``; ``TooManyRequestsError`` once its window's budget is spent."""
        if not self.enabled:
            return
        assert self._client is not None
        moment = time.time() if now is None else now
        window = int(moment // WINDOW_SECONDS)
        key = f"{self._prefix}{identity}:{window}"
        try:
            pipe = self._client.pipeline(transaction=False)
            pipe.incr(key)
            pipe.expire(key, WINDOW_SECONDS * 2)
            count = int(pipe.execute()[0])
        except RedisError as exc:
            self.degraded += 1
            log.debug("rate limiter unavailable, letting the request through: %s", exc)
            return
        if count > self.per_minute:
            retry_after = max(1, int((window + 1) * WINDOW_SECONDS - moment + 0.999))
            raise TooManyRequestsError(f"more than {self.per_minute} requests a minute; retry in {retry_after}s",
                                       retry_after_seconds=retry_after)
