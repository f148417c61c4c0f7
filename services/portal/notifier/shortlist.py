"""A new opportunity's shortlist from matching, asked with a short-lived service token the portal signs
with the stack's secret, and waited for while matching has not indexed the opportunity yet."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from services.portal.clients import Matching
from shared.auth import issue_token
from shared.errors import DomainError, NotFoundError, ServiceUnavailableError, TooManyRequestsError

log = logging.getLogger(__name__)
SERVICE_SUBJECT = "svc-portal-notifier"
TOKEN_TTL_SECONDS = 300
# Not indexed yet (404), loading or overloaded (503, 429): matching will know the opportunity shortly.
PASSING = (NotFoundError, ServiceUnavailableError, TooManyRequestsError)


def _sleep(seconds: float) -> bool:
    time.sleep(seconds)
    return False


class ShortlistSource:
    """``fetch(opportunity_id)``: the (talent id, score) pairs of its shortlist, best first; empty when
    matching did not answer within the wait (logged: the notices of that opportunity are skipped)."""

    def __init__(self, matching: Matching, *, secret: str, k: int, wait_seconds: float,
                 sleep: Callable[[float], bool] | None = None, initial_backoff: float = 0.5) -> None:
        """``sleep`` waits between tries and returns True when the caller is stopping (give up then)."""
        self._matching = matching
        self._secret = secret
        self._k = k
        self._wait = wait_seconds
        self._sleep = sleep or _sleep
        self._initial_backoff = initial_backoff

    def _token(self) -> str:
        return issue_token(self._secret, subject=SERVICE_SUBJECT, role="service", ttl_seconds=TOKEN_TTL_SECONDS)

    def fetch(self, opportunity_id: int) -> list[tuple[int, float]]:
        deadline = time.monotonic() + self._wait
        backoff = self._initial_backoff
        while True:
            try:
                answer = self._matching.shortlist(self._token(), opportunity_id, k=self._k)
                return [(int(item["id"]), float(item["score"])) for item in answer.get("items", [])]
            except PASSING as exc:
                left = deadline - time.monotonic()
                if left <= 0:
                    log.warning("no shortlist for opportunity %s after %.0fs (%s): no new-match notices",
                                opportunity_id, self._wait, exc.message)
                    return []
                if self._sleep(min(backoff, left)):
                    return []
                backoff = min(backoff * 2, 5.0)
            # refused (403, 401), or an answer it cannot read
            except (DomainError, AttributeError, KeyError, TypeError, ValueError) as exc:
                log.error("matching refused the shortlist of opportunity %s: %s", opportunity_id, exc)
                return []
