"""Pipeline health of one replica: Prometheus histograms, gauges and counters, plus recent samples.

The histograms feed Prometheus (aggregated over replicas there); the samples (bounded, per replica)
give the operator API exact p50/p99 over its window. Freshness is the time from an event's
``occurred_at`` to the moment its batch was applied; events read before the consumer first caught up
are labelled ``phase="replay"`` and left out of the operator figures (a restart replays old events).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from services.matching.domain.encoders import TextEncoder, Vectors
from services.matching.domain.state import MatchingState
from services.matching.metrics.facts import as_utc
from shared.cache import JsonCache

FRESHNESS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
MAX_SAMPLES = 20_000


class ConsumerFigures(Protocol):
    """What the figures read from the consumer (the consumer satisfies it; nothing here imports it)."""

    @property
    def caught_up(self) -> bool: ...

    @property
    def topic_labels(self) -> tuple[str, ...]: ...

    def lag_by_topic(self) -> dict[str, int]: ...

    def status(self) -> dict[str, Any]: ...


class Samples:
    """The latest ``(wall time, value)`` observations, for exact percentiles over a window."""

    def __init__(self, maxlen: int = MAX_SAMPLES) -> None:
        self._values: deque[tuple[float, float]] = deque(maxlen=maxlen)
        self._lock = threading.Lock()

    def add(self, value: float, *, at: float | None = None) -> None:
        with self._lock:
            self._values.append((time.time() if at is None else at, value))

    def summary(self, since: float | None) -> dict[str, float | int | None]:
        with self._lock:
            values = sorted(v for at, v in self._values if since is None or at >= since)
        return {"count": len(values), "p50": percentile(values, 0.50), "p99": percentile(values, 0.99)}


def percentile(ordered: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile of sorted values."""
    if not ordered:
        return None
    return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 6)


class PipelineMetrics:
    """The matching-specific Prometheus metrics on the app's registry, and their recent samples."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.freshness = Histogram(
            "matching_event_freshness_seconds", "From an event's occurred_at until its batch was applied.",
            ["topic", "phase"], buckets=FRESHNESS_BUCKETS, registry=registry)
        self.embedding = Histogram("matching_embedding_seconds", "One batched encode of upserted records.",
                                   buckets=LATENCY_BUCKETS, registry=registry)
        self.embedded_texts = Counter("matching_embedded_texts", "Texts encoded by the consumer.",
                                      registry=registry)
        self.search = Histogram("matching_search_seconds", "Answering a recommendations, shortlist or search call.",
                                ["operation", "cached"], buckets=LATENCY_BUCKETS, registry=registry)
        self.events = Counter("matching_events_applied", "Decoded events applied, by topic.", ["topic"],
                              registry=registry)
        self.dead_lettered = Counter("matching_dead_lettered", "Messages sent to the dead-letter topic.",
                                     registry=registry)
        self.served = Counter("matching_served_lists", "Recommendation lists and shortlists answered.",
                              ["operation"], registry=registry)
        self.feedback_published = Counter("matching_feedback_published", "POST /v1/feedback outcomes.",
                                          ["outcome"], registry=registry)
        self._lag = Gauge("matching_consumer_lag", "Messages not yet applied, by topic.", ["topic"],
                          registry=registry)
        self._gauges: list[tuple[Gauge, str]] = [
            (Gauge("matching_cache_hit_ratio", "Cache hits over lookups since start.", registry=registry),
             "cache_hit_ratio"),
            (Gauge("matching_consumer_caught_up", "1 once the consumer has read the backlog.", registry=registry),
             "caught_up"),
            (Gauge("matching_generation", "Events consumed into the index.", registry=registry), "generation"),
        ]
        self._index = Gauge("matching_index_size", "Records in the index, by side.", ["side"], registry=registry)
        self.freshness_samples = Samples()
        self.embedding_samples = Samples()
        self.search_samples = Samples()

    def attach(self, *, consumer: ConsumerFigures, cache: JsonCache, state: MatchingState) -> None:
        """Point the gauges at the live objects; they are read at scrape time."""
        readers: dict[str, Callable[[], float]] = {
            "cache_hit_ratio": lambda: cache_hit_ratio(cache) or 0.0,
            "caught_up": lambda: float(consumer.caught_up),
            "generation": lambda: float(state.generation),
        }
        for gauge, name in self._gauges:
            gauge.set_function(readers[name])
        for topic in consumer.topic_labels:
            self._lag.labels(topic).set_function(_lag_reader(consumer, topic))
        self._index.labels("talents").set_function(lambda: float(len(state.talents.docs)))
        self._index.labels("opportunities").set_function(lambda: float(len(state.opportunities.docs)))

    def event_applied(self, *, topic: str, occurred_at: datetime, applied_at: datetime, live: bool,
                      indexed: bool) -> None:
        """One event applied: count it, and time its way from the producer (``indexed``: into the index)."""
        seconds = max(0.0, (applied_at - as_utc(occurred_at)).total_seconds())
        self.events.labels(topic).inc()
        self.freshness.labels(topic, "live" if live else "replay").observe(seconds)
        if live and indexed:
            self.freshness_samples.add(seconds, at=applied_at.timestamp())

    def searched(self, operation: str, *, cached: bool | None, seconds: float) -> None:
        label = "unknown" if cached is None else str(cached).lower()
        self.search.labels(operation, label).observe(seconds)
        self.search_samples.add(seconds)

    def summary(self, *, consumer: ConsumerFigures, cache: JsonCache, since: float | None) -> dict[str, Any]:
        """The operator API's pipeline group (``since``: the window's start, epoch seconds)."""
        status = consumer.status()
        lag = consumer.lag_by_topic()
        return {
            "consumer": {key: status[key] for key in ("running", "caught_up", "broker_reachable", "last_error")},
            "lag": lag,
            "lag_total": sum(lag.values()),
            "events_applied": status["events_applied"],
            "dead_lettered": status["dead_lettered"],
            "freshness_seconds": self.freshness_samples.summary(since),
            "cache": {"hits": cache.hits, "misses": cache.misses, "errors": cache.errors,
                      "hit_ratio": cache_hit_ratio(cache)},
            "embedding_seconds": self.embedding_samples.summary(since),
            "search_seconds": self.search_samples.summary(since),
        }


def _lag_reader(consumer: ConsumerFigures, topic: str) -> Callable[[], float]:
    return lambda: float(consumer.lag_by_topic().get(topic, 0))


def cache_hit_ratio(cache: JsonCache) -> float | None:
    lookups = cache.hits + cache.misses
    return round(cache.hits / lookups, 4) if lookups else None


class TimedEncoder:
    """A ``TextEncoder`` that times each batched encode into the embedding histogram."""

    def __init__(self, inner: TextEncoder, metrics: PipelineMetrics) -> None:
        self._inner = inner
        self._metrics = metrics

    @property
    def dim(self) -> int:
        return self._inner.dim

    @property
    def name(self) -> str:
        return self._inner.name

    def encode(self, texts: Sequence[str]) -> Vectors:
        started = time.perf_counter()
        vectors = self._inner.encode(texts)
        seconds = time.perf_counter() - started
        self._metrics.embedding.observe(seconds)
        self._metrics.embedded_texts.inc(len(texts))
        self._metrics.embedding_samples.add(seconds)
        return vectors
