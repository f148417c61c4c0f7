"""What a polled record becomes: the one pure step between the partition reader and the applier.

No I/O and no state: a poll's records in, a ``Routed`` batch out. A tombstone (compaction's empty
value) is skipped; an undecodable record, or an event of a type its topic does not carry (the topic
registry, ``shared/events/topics.py``, says which), or an embedded vector this replica cannot use, is
poison for the dead-letter topic; every other event is routed by kind: record events for the index,
embedded records (replicas) with their vectors, feedback and applications for the figures only. Positions
and the last record of each partition come along, for the commit policy and the log check after a reconnect.
The trace contexts of the routed records (their ``traceparent`` headers) come along for the applier's span.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from kafka import TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from opentelemetry.context import Context

from services.matching.domain.checkpoint import LastRecord
from services.matching.domain.state import AnyEvent
from services.matching.metrics.store import FigureEvent
from shared.events.contracts import (
    ApplicationChangedV1,
    EventDecodeError,
    FeedbackRecordedV1,
    RecordEmbeddedV1,
    decode_event,
)
from shared.events.topics import misplaced
from shared.tracing import context_from_headers

Polled = Mapping[TopicPartition, Sequence[ConsumerRecord]]
# Why an embedded record cannot be applied here (another model, a malformed vector), or None.
EmbeddedCheck = Callable[[RecordEmbeddedV1], str | None]


@dataclass
class Routed:
    """One poll, sorted: what to apply, what to dead-letter, and how far it reaches."""

    events: list[AnyEvent] = field(default_factory=list)  # record events, for the index
    embedded: list[RecordEmbeddedV1] = field(default_factory=list)  # the same, with vectors (replicas)
    decoded: list[tuple[str, FigureEvent]] = field(default_factory=list)  # every event, with its topic
    poison: list[tuple[ConsumerRecord, str]] = field(default_factory=list)  # with the reason
    positions: dict[TopicPartition, int] = field(default_factory=dict)  # next offset after the poll
    last_records: dict[TopicPartition, LastRecord] = field(default_factory=dict)
    tombstones: int = 0
    traces: list[Context] = field(default_factory=list)  # of the routed records that carried one

    @property
    def handled(self) -> int:
        """Messages the poll consumed, whatever became of them."""
        return len(self.decoded) + len(self.poison) + self.tombstones


def route(polled: Polled, *, namespace: str, check_embedded: EmbeddedCheck | None = None) -> Routed:
    """Sort a poll's records; ``check_embedded`` vets embedded vectors (replicas only)."""
    routed = Routed()
    for tp, records in polled.items():
        if records:
            tail = records[-1]
            routed.last_records[tp] = LastRecord.of(tail.offset, tail.key, tail.value)
        for record in records:
            routed.positions[tp] = record.offset + 1
            if record.value is None:  # a compaction tombstone: not an event, nothing to apply
                routed.tombstones += 1
                continue
            try:
                event = decode_event(record.value)
            except EventDecodeError as exc:
                routed.poison.append((record, str(exc)))
                continue
            reason = misplaced(tp.topic, event, namespace=namespace)
            if reason is None and isinstance(event, RecordEmbeddedV1):
                reason = check_embedded(event) if check_embedded is not None else "no vectors expected here"
            if reason is not None:
                routed.poison.append((record, reason))
                continue
            if isinstance(event, RecordEmbeddedV1):
                routed.embedded.append(event)
                inner: FigureEvent = event.event
            else:
                inner = event
            routed.decoded.append((tp.topic, inner))
            if record.headers and (context := context_from_headers(record.headers)) is not None:
                routed.traces.append(context)
            if not isinstance(inner, FeedbackRecordedV1 | ApplicationChangedV1):  # facts: figures only
                routed.events.append(inner)
    return routed
