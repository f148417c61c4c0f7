"""Decoding for tests that read record topics: the event is narrowed to a record event, so a test reads
``record_version`` and ``owner_id`` with its type known, and fails clearly on any other event."""

from __future__ import annotations

from shared.events.contracts import (
    OpportunityDeletedV1,
    OpportunityUpsertedV1,
    ProfileDeletedV1,
    ProfileUpsertedV1,
    RecordEvent,
    decode_event,
)


def record_event(raw: bytes | None) -> RecordEvent:
    """The record event (profile or opportunity, upserted or deleted) in ``raw``."""
    event = decode_event(raw)
    assert isinstance(event, ProfileUpsertedV1 | ProfileDeletedV1 | OpportunityUpsertedV1 | OpportunityDeletedV1), (
        f"not a record event: {type(event).__name__}")
    return event
