"""Impressions: the recommendations a seeker was shown, sent to matching as ``shown`` feedback after the page
went out (a slow or absent matching never delays it), once per seeker, opportunity and day.

The once-a-day rule holds twice: the portal skips what it already sent today (its ``feedback_sent`` copy,
kept for the seeker's export), and the ``event_id`` names the seeker's profile, the opportunity and the UTC
day, so a second portal replica or a concurrent reload sending the same impression is stored once by
matching (its feedback ledger keys events by ``event_id``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, time
from typing import Any

from services.portal.clients import Matching
from services.portal.service import AccountService
from shared.errors import DomainError

log = logging.getLogger(__name__)
SHOWN = "shown"


def impression_id(talent_id: int, opportunity_id: int, day: datetime) -> str:
    return f"shown-{talent_id}-{opportunity_id}-{day:%Y%m%d}"


def record_impressions(*, matching: Matching, accounts: AccountService, token: str, account_id: int,
                       talent_id: int, items: Sequence[dict[str, Any]], now: datetime | None = None) -> int:
    """Send ``shown`` for each item (1-based position as listed) not yet sent today; returns how many went."""
    now = now or datetime.now(UTC)
    today = datetime.combine(now.date(), time(), tzinfo=UTC)
    already = accounts.feedback_since(account_id, action=SHOWN, since=today)
    sent = 0
    for position, item in enumerate(items, start=1):
        opportunity_id = int(item["id"])
        if opportunity_id in already:
            continue
        body: dict[str, Any] = {"event_id": impression_id(talent_id, opportunity_id, today),
                                "talent_id": talent_id, "opportunity_id": opportunity_id, "action": SHOWN,
                                "actor_role": "seeker", "position": position}
        score = item.get("score")
        if isinstance(score, int | float) and -10.0 <= score <= 10.0:
            body["score"] = round(float(score), 4)
        try:
            matching.feedback(token, body)
        except DomainError as exc:  # an impression lost is a figure a little low, never a broken page
            log.warning("impressions not recorded: %s", exc.message)
            return sent
        accounts.record_feedback(account_id, talent_id=talent_id, opportunity_id=opportunity_id, action=SHOWN,
                                 detail=f"position {position}")
        already.add(opportunity_id)
        sent += 1
    return sent
