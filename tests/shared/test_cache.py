"""The cache against a real Redis: values round-trip, an outage is a miss, the near cache's bounds."""

from __future__ import annotations

import time
import uuid

import redis

from shared.cache import JsonCache
from talentmatch.embedded import free_port


def _cache(url: str, **options: int) -> JsonCache:
    client: redis.Redis[bytes] = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    return JsonCache(client, prefix=f"test:{uuid.uuid4().hex}:", **options)


def test_values_round_trip_through_redis(redis_url: str) -> None:
    writer, reader = _cache(redis_url), _cache(redis_url)
    reader._prefix = writer._prefix  # a second replica sharing the namespace
    writer.set("talent:1@7-ab", {"items": [{"id": 3, "title": "数据标注员"}]})
    assert reader.get("talent:1@7-ab") == {"items": [{"id": 3, "title": "数据标注员"}]}
    assert reader.get("talent:2@7-ab") is None
    assert (reader.hits, reader.local_hits, reader.misses) == (1, 0, 1)


def test_an_outage_is_a_miss_not_an_error() -> None:
    cache = _cache(f"redis://127.0.0.1:{free_port()}/0")
    cache.set("k", {"v": 1})
    assert cache.get("k") is None and cache.errors == 1 and not cache.available


def test_the_near_cache_answers_without_redis_and_keeps_its_bounds(redis_url: str) -> None:
    cache = _cache(redis_url, local_entries=2, ttl_seconds=1)
    for n in range(3):
        cache.set(f"k{n}", {"n": n})
    cache._client.connection_pool.disconnect()
    cache._client = redis.Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_timeout=0.5)  # Redis gone
    assert cache.get("k2") == {"n": 2} and cache.local_hits == 1  # from memory
    assert cache.get("k0") is None  # the oldest was evicted from memory, and Redis cannot answer
    time.sleep(1.1)
    cache._breaker.reset()
    assert cache.get("k2") is None  # expired in memory as in Redis
