"""Matching's side of accepted feedback at run time: its database (checked at the head of its migrations),
the ledger, and the outbox relay that publishes to ``talentmatch.feedback`` once the topic exists."""

from __future__ import annotations

from typing import Any

from services.matching.feedback_ledger.ledger import FeedbackLedger
from services.matching.feedback_ledger.models import OutboxMessage
from services.matching.settings import MatchingSettings
from shared.db import make_engine, make_session_factory
from shared.events.contracts import FeedbackRecordedV1
from shared.events.topics import FEEDBACK, topic_name
from shared.migrations import check_at_head
from shared.outbox import OutboxRelay
from shared.publishing import RelayLauncher, outbox_service_readiness


class FeedbackOutbox:
    """Opened by the lifespan; ``publish`` answers once the event is committed (the API's 202)."""

    def __init__(self, settings: MatchingSettings) -> None:
        self._engine = make_engine(settings.database_url)
        try:
            check_at_head(self._engine, "services.matching")  # refuses a database this release has not migrated
        except Exception:
            self._engine.dispose()
            raise
        sessions = make_session_factory(self._engine)
        bootstrap = settings.kafka_bootstrap_servers
        self._relay = OutboxRelay(session_factory=sessions, model=OutboxMessage, bootstrap=bootstrap,
                                  client_id=f"{settings.client_id}-feedback")
        self._launcher = RelayLauncher(relay=self._relay, bootstrap=bootstrap, topics=(FEEDBACK,),
                                       partitions=settings.topic_partitions, namespace=settings.topic_namespace)
        self.ledger = FeedbackLedger(session_factory=sessions, topic=topic_name(FEEDBACK, settings.topic_namespace),
                                     notify=self._relay.notify)

    def start(self) -> None:
        self._launcher.start()  # creates the topic, then relays; never blocks the start

    def publish(self, event: FeedbackRecordedV1) -> dict[str, Any]:
        return self.ledger.publish(event)

    def republish(self) -> int:
        return self.ledger.republish()

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        return outbox_service_readiness(self._engine, self._relay, self._launcher)

    def close(self) -> None:
        self._launcher.stop()
        self._engine.dispose()
