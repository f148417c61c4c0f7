"""What an event is worth to seekers: the pure step from an event (and, for a new opportunity, its
shortlist) to the notices to store. No I/O: the consumer looks up accounts and shortlists."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.events.contracts import ApplicationChangedV1, ApplicationStatus, OpportunityUpsertedV1

# Moves the seeker made themselves are not news to them.
OWN_MOVES = frozenset({ApplicationStatus.WITHDRAWN})


@dataclass(frozen=True)
class Notice:
    """One notice to store for one account; ``source_key`` is unique per account."""

    account_id: int
    kind: str
    params: dict[str, Any]
    link: str
    source_key: str


@dataclass(frozen=True)
class SeekerChoice:
    """A seeker account behind a profile, with what they asked to hear about."""

    account_id: int
    threshold: float
    new_match_enabled: bool


def fresh(occurred_at: datetime, now: datetime, *, max_age: timedelta) -> bool:
    """Whether an event is recent enough to notify (old history read by a new group is not news)."""
    if occurred_at.tzinfo is None:  # the contract does not insist on a zone: the platform's clock is UTC
        occurred_at = occurred_at.replace(tzinfo=UTC)
    return now - occurred_at <= max_age


def application_notice(event: ApplicationChangedV1, *, account_id: int) -> Notice | None:
    """A notice of a move of the seeker's application, or None for its creation and the seeker's own moves."""
    application = event.application
    if event.record_version <= 1 or application.status in OWN_MOVES:
        return None
    return Notice(
        account_id=account_id, kind="application_status",
        params={"application_id": event.record_id, "opportunity_id": application.opportunity_id,
                "kind": application.opportunity_kind.value, "status": application.status.value},
        link="/seeker/applications", source_key=f"application:{event.record_id}:{event.record_version}")


def announces(event: OpportunityUpsertedV1) -> bool:
    """A newly published opportunity (its first version, open): the one moment a match is news."""
    return event.record_version == 1 and event.opportunity.open


def match_notices(event: OpportunityUpsertedV1, shortlist: Iterable[tuple[int, float]],
                  seekers: Mapping[int, SeekerChoice]) -> list[Notice]:
    """A notice for each seeker whose talent (profile id) is on the shortlist at or above their threshold."""
    opportunity = event.opportunity
    notices: list[Notice] = []
    for talent_id, score in shortlist:
        seeker = seekers.get(talent_id)
        if seeker is None or not seeker.new_match_enabled or score < seeker.threshold:
            continue
        notices.append(Notice(
            account_id=seeker.account_id, kind="new_match",
            params={"opportunity_id": event.record_id, "title": opportunity.title,
                    "organization": opportunity.organization, "city": opportunity.city,
                    "kind": opportunity.kind.value, "score": round(score, 4)},
            link=f"/opportunities/{event.record_id}", source_key=f"opportunity:{event.record_id}"))
    return notices
