"""The operator's filters: a time window and the dimensions a record or a (talent, opportunity) pair has.

A talent passes when it lives in ``city``, has a skill of ``field``, wants ``kind`` (or any kind) and
is tagged with ``occupation`` (or has a skill of that occupation's digital field). An opportunity passes
on its own city, fields, occupation codes and kind. A pair (feedback, a served match) is judged by its
opportunity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.matching.metrics.facts import OpportunityFacts, TalentFacts
from shared.events.vocabulary import OpportunityKind
from shared.reference.occupations import digital_field

WINDOW_PATTERN = re.compile(r"^(\d{1,4})([mhdw])$")
UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
MAX_WINDOW = timedelta(days=400)
ALL_TIME = "all"


class BadWindowError(ValueError):
    pass


def parse_window(text: str) -> timedelta | None:
    """``30m``, ``24h``, ``7d``, ``2w`` (at most 400 days), or ``all`` (None)."""
    text = text.strip().lower()
    if text == ALL_TIME:
        return None
    match = WINDOW_PATTERN.match(text)
    if match is None:
        raise BadWindowError(f"window {text!r} is not like 30m, 24h, 7d, 2w or all")
    window = int(match.group(1)) * UNITS[match.group(2)]
    if not timedelta(0) < window <= MAX_WINDOW:
        raise BadWindowError(f"window {text!r} must be over 0 and at most {MAX_WINDOW.days} days")
    return window


@dataclass(frozen=True)
class Filters:
    window: timedelta | None = timedelta(hours=24)
    field: str | None = None
    city: str | None = None
    kind: OpportunityKind | None = None
    occupation: str | None = None
    window_label: str = "24h"  # as the operator wrote it

    def since(self, now: datetime) -> datetime | None:
        return None if self.window is None else now - self.window

    @property
    def on_opportunities(self) -> bool:
        """Whether any filter restricts opportunities (and so pairs)."""
        return any(v is not None for v in (self.field, self.city, self.kind, self.occupation))

    def opportunity_ok(self, opportunity: OpportunityFacts | None) -> bool:
        if not self.on_opportunities:
            return True
        if opportunity is None:  # a pair whose opportunity was never consumed cannot be attributed
            return False
        return ((self.field is None or self.field in opportunity.fields)
                and (self.city is None or opportunity.city == self.city)
                and (self.kind is None or opportunity.kind == self.kind)
                and (self.occupation is None or self.occupation in opportunity.occupations))

    def talent_ok(self, talent: TalentFacts) -> bool:
        return ((self.field is None or self.field in talent.fields)
                and (self.occupation is None or self.occupation in talent.occupations
                     or digital_field(self.occupation) in talent.fields)
                and (self.city is None or talent.city == self.city)
                and (self.kind is None or not talent.wanted_kinds or self.kind in talent.wanted_kinds))

    def as_dict(self) -> dict[str, str | None]:
        return {"window": self.window_label, "field": self.field, "city": self.city,
                "kind": self.kind.value if self.kind else None, "occupation": self.occupation}
