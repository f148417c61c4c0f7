"""The feedback ledger: a 202 means the event is committed to matching's database, with its outbox message
in the same transaction; the outbox relay publishes it to ``talentmatch.feedback`` once the broker answers.

So feedback outlives a broker that loses its log (the embedded one keeps it in memory): ``republish`` puts
every accepted event in the outbox again, and the figures, which key feedback by ``event_id``, count a
replayed event once. A retry with the same ``event_id`` is stored and published once.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from services.matching.feedback_ledger.models import FeedbackRow, OutboxMessage
from shared.db import iter_rows, transaction
from shared.events.contracts import FeedbackRecordedV1, encode_event


def feedback_key(event: FeedbackRecordedV1) -> str:
    """One pair's events share a partition, so they are read in the order they were written."""
    return f"{event.talent_id}:{event.opportunity_id}"


class FeedbackLedger:
    """Stores accepted feedback and queues it for the broker; ``notify`` wakes the outbox relay."""

    def __init__(self, *, session_factory: sessionmaker[Session], topic: str,
                 notify: Callable[[], None] = lambda: None) -> None:
        self._sessions = session_factory
        self.topic = topic
        self._notify = notify

    def publish(self, event: FeedbackRecordedV1) -> dict[str, Any]:
        """Commit the event and its outbox message; an ``event_id`` seen before is acknowledged, not stored."""
        payload = encode_event(event).decode("utf-8")
        try:
            with transaction(self._sessions) as session:
                if session.scalar(select(FeedbackRow.id).where(FeedbackRow.event_id == event.event_id)) is None:
                    session.add(FeedbackRow(event_id=event.event_id, talent_id=event.talent_id,
                                            opportunity_id=event.opportunity_id, action=event.action.value,
                                            payload=payload))
                    session.add(OutboxMessage(topic=self.topic, key=feedback_key(event), payload=payload))
        except IntegrityError:  # the same event_id committed by a concurrent retry meanwhile: stored once
            pass
        self._notify()
        return {"event_id": event.event_id, "topic": self.topic}

    def republish(self, *, batch_size: int = 1000) -> int:
        """Queue every accepted event again (after the broker lost its log); returns how many."""
        queued = 0
        with self._sessions() as reader:
            rows = iter_rows(reader, FeedbackRow, batch_size=batch_size)
            while batch := [(row.talent_id, row.opportunity_id, row.payload)
                            for row in islice(rows, batch_size)]:
                with transaction(self._sessions) as session:
                    session.add_all(OutboxMessage(topic=self.topic, key=f"{talent}:{opportunity}", payload=payload)
                                    for talent, opportunity, payload in batch)
                queued += len(batch)
                self._notify()
        return queued

    def count(self) -> int:
        with self._sessions() as session:
            return int(session.scalar(select(func.count()).select_from(FeedbackRow)) or 0)
