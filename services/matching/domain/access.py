"""Who may read what in matching (``docs/security.md``): pure rules over the caller and a record's owner.

A record's owner is the ``owner_id`` of its latest event (the token subject of the account that created it
in profiles or jobs). Operators and services read every record; a seeker reads only what is about the
profile it owns, an enterprise only what is about the opportunities it posted.
"""

from __future__ import annotations

from services.matching.domain.documents import OpportunityDoc, TalentDoc
from shared.auth import Principal, Role
from shared.errors import ForbiddenError, NotFoundError

STAFF: tuple[Role, ...] = ("operator", "service")


class NotIndexedError(NotFoundError):
    """An id matching does not hold: unknown, or its event not read yet (another seeker's talent reads alike)."""


def not_indexed(what: str, record_id: int) -> NotIndexedError:
    return NotIndexedError(f"{what} {record_id} is not indexed: unknown id, or its event has not been "
                           f"consumed yet (try again shortly)")


def check_talent_access(principal: Principal, talent: TalentDoc) -> None:
    """Recommendations and skill gaps of ``talent``: its seeker, operators and services."""
    if principal.has_role(*STAFF) or (principal.role == "seeker" and principal.owns(talent.owner)):
        return
    if principal.role == "seeker":  # answered like an unknown id: another seeker's profile is not disclosed
        raise not_indexed("talent", talent.id)
    raise ForbiddenError(f"a {principal.role} token may not read a talent's recommendations or skill gap")


def check_opportunity_access(principal: Principal, opportunity: OpportunityDoc) -> None:
    """The shortlist of ``opportunity``: the enterprise that posted it, operators and services."""
    if principal.has_role(*STAFF) or (principal.role == "enterprise" and principal.owns(opportunity.owner)):
        return
    if principal.role == "enterprise":
        raise ForbiddenError(f"opportunity {opportunity.id} was posted by another enterprise")
    raise ForbiddenError(f"a {principal.role} token may not read an opportunity's shortlist")


def check_search_access(principal: Principal, target: str) -> None:
    """Anyone searches opportunities; seekers do not search talents."""
    if target == "talents" and principal.role == "seeker":
        raise ForbiddenError("a seeker token may not search talents", field="target")


def check_feedback_actor(principal: Principal, actor_role: str) -> None:
    """A seeker reports as a seeker, an enterprise as an enterprise; a service relays either; operators none."""
    if principal.role == "service":
        return
    if principal.role not in ("seeker", "enterprise"):
        raise ForbiddenError(f"a {principal.role} token may not record feedback")
    if actor_role != principal.role:
        raise ForbiddenError(f"a {principal.role} token records feedback as {principal.role}, not {actor_role}",
                             field="actor_role")
