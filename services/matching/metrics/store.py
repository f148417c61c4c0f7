"""The figures' inputs: current records and every feedback fact from the events, served lists from the API.

Applications (the jobs service's ``application.changed`` events) become the same facts as feedback:
applied, enrolled, interviewed and hired are counted from them, named by application id and version.

Applying follows the index's rules: a record version not newer than the one held is ignored (so a
replay or a duplicate changes nothing) and a delete keeps the last facts for attribution (a click on
an opportunity deleted since still counts under its kind and city). Feedback is keyed by ``event_id``:
a repeated one is ignored. Hence the event-derived figures are a pure function of the set of events.

A deleted profile is erased: its facts, its feedback facts and the served lists about it go (a
shortlist loses its match), and feedback or lists about it arriving later are dropped on arrival, so
the result does not depend on the order a replay reads the topics in. Only counts of what was erased
stay (``erased``), and the version tombstone, a bare id, so a replayed old version stays ignored.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from services.matching.metrics.facts import (
    FeedbackFacts,
    OpportunityFacts,
    ServedList,
    TalentFacts,
    application_fact,
    as_utc,
    opportunity_facts,
    talent_facts,
)
from shared.events.contracts import (
    ApplicationChangedV1,
    FeedbackRecordedV1,
    OpportunityDeletedV1,
    OpportunityUpsertedV1,
    ProfileDeletedV1,
    ProfileUpsertedV1,
)

FigureEvent = (ProfileUpsertedV1 | ProfileDeletedV1 | OpportunityUpsertedV1 | OpportunityDeletedV1
               | FeedbackRecordedV1 | ApplicationChangedV1)
MAX_SERVED_LISTS = 100_000  # served lists are a recent sample per replica, not history
Tags = Mapping[tuple[Literal["talents", "opportunities"], int], frozenset[str]]


def _codes(document: Any) -> frozenset[str]:
    """The CSCO codes a matching document was tagged with; none for documents without tags."""
    tags = getattr(document, "occupations", None) or ()
    return frozenset(code for code in (getattr(tag, "code", None) for tag in tags) if isinstance(code, str))


def document_tags(state: Any, events: Sequence[FigureEvent]) -> dict[tuple[Literal["talents", "opportunities"],
                                                                          int], frozenset[str]]:
    """Occupation tags of the documents the index holds for the upserted records of ``events``.

    ``state`` is the ``MatchingState`` (read under its lock); attributes are read defensively, so
    documents without tags simply give none.
    """
    tags: dict[tuple[Literal["talents", "opportunities"], int], frozenset[str]] = {}
    with state.reading():
        for event in events:
            if isinstance(event, ProfileUpsertedV1):
                codes = _codes(state.talents.docs.get(event.record_id))
                if codes:
                    tags[("talents", event.record_id)] = codes
            elif isinstance(event, OpportunityUpsertedV1):
                codes = _codes(state.opportunities.docs.get(event.record_id))
                if codes:
                    tags[("opportunities", event.record_id)] = codes
    return tags


@dataclass(frozen=True)
class FiguresSnapshot:
    """An immutable copy of the store, read without holding its lock."""

    talents: dict[int, TalentFacts]
    opportunities: dict[int, OpportunityFacts]
    deleted_opportunities: dict[int, OpportunityFacts]
    feedback: tuple[FeedbackFacts, ...]
    served: tuple[ServedList, ...]

    def opportunity(self, opportunity_id: int) -> OpportunityFacts | None:
        """The opportunity's facts, live or as last seen before its delete."""
        return self.opportunities.get(opportunity_id) or self.deleted_opportunities.get(opportunity_id)


class FiguresStore:
    """Thread-safe: the consumer applies events, the served-lists middleware records, readers snapshot."""

    def __init__(self, *, max_served: int = MAX_SERVED_LISTS) -> None:
        self._lock = threading.Lock()
        self._talents: dict[int, TalentFacts] = {}
        self._talent_versions: dict[int, int] = {}
        self._opportunities: dict[int, OpportunityFacts] = {}
        self._deleted_opportunities: dict[int, OpportunityFacts] = {}
        self._opportunity_versions: dict[int, int] = {}
        self._feedback: list[FeedbackFacts] = []
        self._feedback_ids: set[str] = set()
        self._served: deque[ServedList] = deque(maxlen=max_served)
        self._feedback_per_talent: Counter[int] = Counter()  # so erasing a talent without any costs nothing
        self._served_per_talent: Counter[int] = Counter()
        self.erased: Counter[str] = Counter()  # talents, feedback, served: aggregate counts only

    def apply(self, events: Iterable[FigureEvent], *, tags: Tags | None = None) -> int:
        """Apply a batch (``tags``: occupation codes per upserted record); returns how many changed something."""
        changed = 0
        with self._lock:
            for event in events:
                changed += self._apply_one(event, tags or {})
        return changed

    def _apply_one(self, event: FigureEvent, tags: Tags) -> bool:
        if isinstance(event, FeedbackRecordedV1):
            return self._apply_fact(FeedbackFacts.of(event))
        if isinstance(event, ApplicationChangedV1):
            fact = application_fact(event)
            return fact is not None and self._apply_fact(fact)
        if isinstance(event, ProfileUpsertedV1 | ProfileDeletedV1):
            return self._apply_talent(event, tags)
        return self._apply_opportunity(event, tags)

    def _apply_fact(self, fact: FeedbackFacts) -> bool:
        """A feedback or application fact, once per ``event_id``; dropped for an erased talent."""
        if fact.event_id in self._feedback_ids:
            return False
        self._feedback_ids.add(fact.event_id)
        if self._erased(fact.talent_id):
            self.erased["feedback"] += 1
            return True
        self._feedback.append(fact)
        self._feedback_per_talent[fact.talent_id] += 1
        return True

    def _apply_talent(self, event: ProfileUpsertedV1 | ProfileDeletedV1, tags: Tags) -> bool:
        if event.record_version <= self._talent_versions.get(event.record_id, 0):
            return False
        self._talent_versions[event.record_id] = event.record_version
        held = self._talents.pop(event.record_id, None)
        if isinstance(event, ProfileUpsertedV1):
            facts = talent_facts(event.record_id, event.record_version, event.profile, event.occurred_at)
            facts = replace(facts, occupations=tags.get(("talents", event.record_id), frozenset()))
            if held is not None and held.first_seen < facts.first_seen:
                facts = replace(facts, first_seen=held.first_seen)
            self._talents[event.record_id] = facts
        else:
            self._erase_talent(event.record_id)
        return True

    def _erased(self, talent_id: int) -> bool:
        return talent_id in self._talent_versions and talent_id not in self._talents

    def _erase_talent(self, talent_id: int) -> None:
        """Drop a deleted profile's raw data: its feedback facts and the served lists about it."""
        self.erased["talents"] += 1
        if self._feedback_per_talent.pop(talent_id, 0):
            kept = [f for f in self._feedback if f.talent_id != talent_id]
            self.erased["feedback"] += len(self._feedback) - len(kept)
            self._feedback = kept
        if self._served_per_talent.pop(talent_id, 0):
            lists = list(self._served)
            self._served.clear()
            self._served_per_talent.clear()
            for served in lists:
                self._append_served(served)

    def _without_erased(self, served: ServedList) -> ServedList | None:
        """``served`` without the talents erased since; None when it was served to one."""
        if served.operation == "recommendations" and self._erased(served.subject_id):
            self.erased["served"] += 1
            return None
        matches = tuple(m for m in served.matches if not self._erased(m.talent_id))
        return served if len(matches) == len(served.matches) else replace(served, matches=matches)

    def _append_served(self, served: ServedList) -> None:
        kept = self._without_erased(served)
        if kept is None:
            return
        if len(self._served) == self._served.maxlen:
            self._count_served(self._served[0], -1)
        self._served.append(kept)
        self._count_served(kept, 1)

    def _count_served(self, served: ServedList, delta: int) -> None:
        talents = {m.talent_id for m in served.matches}
        if served.operation == "recommendations":
            talents.add(served.subject_id)
        for talent in talents:
            self._served_per_talent[talent] += delta
            if self._served_per_talent[talent] <= 0:
                del self._served_per_talent[talent]

    def _apply_opportunity(self, event: OpportunityUpsertedV1 | OpportunityDeletedV1, tags: Tags) -> bool:
        if event.record_version <= self._opportunity_versions.get(event.record_id, 0):
            return False
        self._opportunity_versions[event.record_id] = event.record_version
        held = self._opportunities.pop(event.record_id, None)
        if isinstance(event, OpportunityUpsertedV1):
            facts = opportunity_facts(event.record_id, event.record_version, event.opportunity,
                                      event.occurred_at)
            tagged = tags.get(("opportunities", event.record_id), frozenset())
            facts = replace(facts, occupations=facts.occupations | tagged)
            if held is not None and held.first_seen < facts.first_seen:
                facts = replace(facts, first_seen=held.first_seen)
            self._opportunities[event.record_id] = facts
            self._deleted_opportunities.pop(event.record_id, None)
        elif held is not None:
            self._deleted_opportunities[event.record_id] = held
        return True

    def record_served(self, served: ServedList) -> None:
        with self._lock:
            self._append_served(replace(served, at=as_utc(served.at)))

    def export(self) -> dict[str, Any]:
        """The event-derived part, for a checkpoint (served lists are a per-process sample: not kept)."""
        with self._lock:
            return {"talents": dict(self._talents), "talent_versions": dict(self._talent_versions),
                    "opportunities": dict(self._opportunities),
                    "deleted_opportunities": dict(self._deleted_opportunities),
                    "opportunity_versions": dict(self._opportunity_versions), "feedback": list(self._feedback),
                    "feedback_ids": set(self._feedback_ids), "erased": Counter(self.erased)}

    def restore(self, data: Mapping[str, Any] | None) -> None:
        """Replace the event-derived part by an ``export()`` (None: empty, before a rebuild)."""
        data = data or {}
        with self._lock:
            self._talents = dict(data.get("talents", {}))
            self._talent_versions = dict(data.get("talent_versions", {}))
            self._opportunities = dict(data.get("opportunities", {}))
            self._deleted_opportunities = dict(data.get("deleted_opportunities", {}))
            self._opportunity_versions = dict(data.get("opportunity_versions", {}))
            self._feedback = list(data.get("feedback", []))
            self._feedback_ids = set(data.get("feedback_ids", set()))
            self.erased = Counter(data.get("erased", {}))
            self._feedback_per_talent = Counter(f.talent_id for f in self._feedback)

    def snapshot(self) -> FiguresSnapshot:
        with self._lock:
            return FiguresSnapshot(talents=dict(self._talents), opportunities=dict(self._opportunities),
                                   deleted_opportunities=dict(self._deleted_opportunities),
                                   feedback=tuple(self._feedback), served=tuple(self._served))
