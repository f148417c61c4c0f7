"""How far the consumer has applied each partition, and how far the broker's log reaches.

Written by the consumer thread (the applier advances it, the reader seeks from it), read by request
threads (status, lag gauges) and by the checkpointer (what a checkpoint covers): one lock guards it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from kafka import TopicPartition

from services.matching.domain.checkpoint import LastRecord


def partition_key(tp: TopicPartition) -> str:
    """``topic:partition``, as checkpoints and status reports name a partition."""
    return f"{tp.topic}:{tp.partition}"


def partition_of(key: str) -> TopicPartition:
    topic, _, partition = key.rpartition(":")
    return TopicPartition(topic, int(partition))


class Progress:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._positions: dict[TopicPartition, int] = {}  # next offset to read, as applied
        self._ends: dict[TopicPartition, int] = {}
        self._last_records: dict[TopicPartition, LastRecord] = {}

    def restore(self, positions: Mapping[str, int], last_records: Mapping[str, LastRecord]) -> None:
        """Resume from a checkpoint's offsets."""
        with self._lock:
            self._positions = {partition_of(k): v for k, v in positions.items()}
            self._last_records = {partition_of(k): r for k, r in last_records.items()}

    def clear(self) -> None:
        with self._lock:
            self._positions.clear()
            self._last_records.clear()
            self._ends.clear()

    def positions(self) -> dict[TopicPartition, int]:
        with self._lock:
            return dict(self._positions)

    def last_records(self) -> dict[TopicPartition, LastRecord]:
        with self._lock:
            return dict(self._last_records)

    def covered(self) -> tuple[dict[str, int], dict[str, LastRecord]]:
        """Positions and last records by partition key: what a checkpoint taken now covers."""
        with self._lock:
            return ({partition_key(tp): pos for tp, pos in self._positions.items()},
                    {partition_key(tp): record for tp, record in self._last_records.items()})

    def start_at(self, beginnings: Mapping[TopicPartition, int]) -> None:
        """Partitions read for the first time start at the beginning of their log."""
        with self._lock:
            self._positions.update(beginnings)

    def advance(self, positions: Mapping[TopicPartition, int], last_records: Mapping[TopicPartition, LastRecord]
                ) -> None:
        """A batch was applied up to ``positions``."""
        with self._lock:
            self._positions.update(positions)
            self._last_records.update(last_records)

    def adopt(self, client_positions: Mapping[TopicPartition, int]) -> None:
        """After an empty poll everything returned was applied; the client's positions may be further ahead
        (offsets without a record: compaction gaps, transaction markers) and then count as read."""
        with self._lock:
            for tp, position in client_positions.items():
                if tp in self._positions:
                    self._positions[tp] = max(self._positions[tp], position)

    def reached(self, offsets: Mapping[TopicPartition, int]) -> bool:
        """Every partition of ``offsets`` applied up to its offset, at least."""
        with self._lock:
            return all(self._positions.get(tp, 0) >= offset for tp, offset in offsets.items())

    def set_ends(self, ends: Mapping[TopicPartition, int]) -> None:
        with self._lock:
            self._ends.update(ends)

    def lag_of(self, tp: TopicPartition) -> int | None:
        with self._lock:
            return self._lag_of(tp)

    def _lag_of(self, tp: TopicPartition) -> int | None:
        end = self._ends.get(tp)
        return None if end is None else max(0, end - self._positions.get(tp, 0))

    def total_lag(self) -> int:
        with self._lock:
            return sum(self._lag_of(tp) or 0 for tp in self._positions)

    def partitions(self) -> dict[str, dict[str, int | None]]:
        with self._lock:
            return {partition_key(tp): {"position": pos, "end": self._ends.get(tp), "lag": self._lag_of(tp)}
                    for tp, pos in sorted(self._positions.items())}

    def lag_by_topic(self, topics: tuple[str, ...]) -> dict[str, int]:
        """Messages not yet applied per topic (0 where the end is not known yet)."""
        with self._lock:
            lag = dict.fromkeys(topics, 0)
            for tp in self._positions:
                lag[tp.topic] = lag.get(tp.topic, 0) + (self._lag_of(tp) or 0)
        return lag
