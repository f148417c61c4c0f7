"""What every use case shares: whether the state is loaded (503 until it is), the records it reads, found
(404; 503 while the backlog is still being read) and checked against the caller (403), and the city filter."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from services.matching.domain.access import (
    NotIndexedError,
    check_opportunity_access,
    check_talent_access,
    not_indexed,
)
from services.matching.domain.documents import OpportunityDoc, TalentDoc
from services.matching.domain.state import MatchingState, SideState
from shared.auth import Principal
from shared.errors import NotFoundError, ServiceUnavailableError, UnprocessableError
from shared.reference.cities import UnknownCityError, normalize_city


def unavailable(message: str) -> ServiceUnavailableError:
    return ServiceUnavailableError(message, headers={"Retry-After": "2"})


def city_filter(city: str | None) -> str | None:
    if not city:
        return None
    try:
        return normalize_city(city)
    except UnknownCityError as exc:
        raise UnprocessableError(str(exc), field="city") from exc


def not_found(what: str, record_id: int, side: SideState[Any]) -> NotFoundError:
    if side.deleted(record_id):
        return NotFoundError(f"{what} {record_id} was deleted")
    return not_indexed(what, record_id)


def readable_talent(state: MatchingState, talent_id: int, principal: Principal) -> TalentDoc:
    """The talent, if indexed (404) and ``principal`` may read what is about it (403)."""
    talent = state.talents.docs.get(talent_id)
    if talent is None:
        raise not_found("talent", talent_id, state.talents)
    check_talent_access(principal, talent)
    return talent


def readable_opportunity(state: MatchingState, opportunity_id: int, principal: Principal | None) -> OpportunityDoc:
    """The opportunity, if indexed (404) and ``principal`` (when given) may read its shortlist (403)."""
    opportunity = state.opportunities.docs.get(opportunity_id)
    if opportunity is None:
        raise not_found("opportunity", opportunity_id, state.opportunities)
    if principal is not None:
        check_opportunity_access(principal, opportunity)
    return opportunity


class Availability(Protocol):
    """Whether the state holds what it will serve (the consumer satisfies it)."""

    @property
    def loaded(self) -> bool: ...  # the checkpoint, if any, is restored

    @property
    def backlog_read(self) -> bool: ...  # every record event the topics held at the (re)start is applied


class Complete:
    loaded = True  # a state built in-process (tests, evaluations): nothing to load or read
    backlog_read = True


@contextmanager
def unknown_once_backlog_read(availability: Availability) -> Iterator[None]:
    """A record not held while the backlog is still being read may be further down the topic (a first
    start, a rebuild after a lost log): 503 with ``Retry-After`` then, never a 404 for a record that exists."""
    try:
        yield
    except NotIndexedError as exc:
        if availability.backlog_read:
            raise
        raise unavailable("matching is still reading its topics; this record may not be indexed yet") from exc
