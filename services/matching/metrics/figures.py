"""The operators' figures, computed from a snapshot of the store: pure functions of (snapshot, filters, now).

The window applies to flows (served lists, feedback, new records); stocks (live records, seats,
enrolments, supply and demand) are as of ``now``. Rates are ``None`` where the denominator is 0.
Funnel rates are over *impressions*, the distinct (talent, opportunity) pairs with any feedback in the
window (any action implies the pair was shown), so they nest and never exceed 1.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime

from services.matching.metrics.facts import FeedbackFacts, OpportunityFacts, ServedList, TalentFacts
from services.matching.metrics.filters import Filters
from services.matching.metrics.schemas import (
    ClassFigures,
    Figures,
    FilterOptions,
    ModeFigures,
    OccupationSupply,
    Quality,
    ScarceSkill,
    SupplyDemand,
    SupplyRow,
    Training,
    Volumes,
)
from services.matching.metrics.store import FiguresSnapshot
from shared.events.vocabulary import ActorRole, FeedbackAction, OpportunityKind, TrainingMode
from shared.reference.cities import UnknownCityError, city_directory
from shared.reference.occupations import digital_field, occupation_by_code
from shared.reference.skills import skill_index

POSITIVE = frozenset({FeedbackAction.CLICKED, FeedbackAction.APPLIED, FeedbackAction.ENROLLED,
                      FeedbackAction.INTERVIEWED, FeedbackAction.HIRED})
APPLIED = frozenset({FeedbackAction.APPLIED, FeedbackAction.ENROLLED})
PRECISION_KS = (5, 10)
TOP_ROWS = 30
TOP_SKILLS = 10


def ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _in_window(moment: datetime, since: datetime | None, now: datetime) -> bool:
    return (since is None or moment >= since) and moment <= now


class _View:
    """The snapshot narrowed by the filters, computed once per request."""

    def __init__(self, snapshot: FiguresSnapshot, filters: Filters, now: datetime) -> None:
        since = filters.since(now)
        self.snapshot, self.filters, self.now, self.today = snapshot, filters, now, now.date()
        self.talents = [t for t in snapshot.talents.values() if filters.talent_ok(t)]
        self.opportunities = [o for o in snapshot.opportunities.values() if filters.opportunity_ok(o)]
        self.open_opportunities = [o for o in self.opportunities if o.accepting(self.today)]
        self.since = since
        self.all_feedback = [f for f in snapshot.feedback
                             if f.occurred_at <= now and filters.opportunity_ok(snapshot.opportunity(f.opportunity_id))]
        self.feedback = [f for f in self.all_feedback if _in_window(f.occurred_at, since, now)]
        self.served = [s for s in snapshot.served if _in_window(s.at, since, now) and self._list_ok(s)]

    def _list_ok(self, served: ServedList) -> bool:
        if served.operation == "shortlist":
            return self.filters.opportunity_ok(self.snapshot.opportunity(served.subject_id))
        return not self.filters.on_opportunities or bool(self.matches_of(served))

    def matches_of(self, served: ServedList) -> list[float]:
        """Scores of the list's matches that pass the filters."""
        return [m.score for m in served.matches
                if self.filters.opportunity_ok(self.snapshot.opportunity(m.opportunity_id))]


def volumes(view: _View) -> Volumes:
    since, now = view.since, view.now
    by_kind = Counter(o.kind for o in view.opportunities)
    by_action = Counter(f.action for f in view.feedback)
    return Volumes(
        profiles=len(view.talents),
        profiles_open_to_work=sum(t.open_to_work for t in view.talents),
        new_profiles=sum(_in_window(t.first_seen, since, now) for t in view.talents),
        opportunities=len(view.opportunities),
        open_opportunities=len(view.open_opportunities),
        new_opportunities=sum(_in_window(o.first_seen, since, now) for o in view.opportunities),
        opportunities_by_kind={k.value: by_kind.get(k, 0) for k in OpportunityKind},
        recommendations_served=sum(s.operation == "recommendations" for s in view.served),
        shortlists_served=sum(s.operation == "shortlist" for s in view.served),
        feedback_events=len(view.feedback),
        feedback_by_action={a.value: by_action.get(a, 0) for a in FeedbackAction},
    )


def _pairs(feedback: Iterable[FeedbackFacts]) -> dict[tuple[int, int], tuple[set[FeedbackAction], int | None]]:
    """Per (talent, opportunity): the actions taken and the best (smallest) position it was shown at."""
    pairs: dict[tuple[int, int], tuple[set[FeedbackAction], int | None]] = {}
    for f in feedback:
        actions, position = pairs.get((f.talent_id, f.opportunity_id), (set(), None))
        actions.add(f.action)
        if f.position is not None and (position is None or f.position < position):
            position = f.position
        pairs[(f.talent_id, f.opportunity_id)] = (actions, position)
    return pairs


def precision_at(k: int, feedback: Iterable[FeedbackFacts]) -> float | None:
    """Mean over lists (a seeker's recommendations, an enterprise's shortlist) of the share of the pairs
    shown at positions 1..k that got a positive action (clicked, applied, enrolled, interviewed, hired)."""
    lists: dict[tuple[ActorRole, int], list[FeedbackFacts]] = defaultdict(list)
    for f in feedback:
        subject = f.talent_id if f.actor_role == ActorRole.SEEKER else f.opportunity_id
        lists[(f.actor_role, subject)].append(f)
    shares = []
    for events in lists.values():
        top = [(actions, pos) for actions, pos in _pairs(events).values() if pos is not None and pos <= k]
        if top:
            shares.append(sum(bool(actions & POSITIVE) for actions, _ in top) / len(top))
    return round(statistics.fmean(shares), 4) if shares else None


def quality(view: _View, *, coverage_threshold: float) -> Quality:
    pairs = _pairs(view.feedback)
    impressions = len(pairs)
    with_action = {a: sum(a in actions for actions, _ in pairs.values()) for a in FeedbackAction}
    applied = sum(bool(actions & APPLIED) for actions, _ in pairs.values())
    talents_served: dict[int, bool] = {}
    scores: list[float] = []
    for served in view.served:
        passing = view.matches_of(served)
        scores += passing
        if served.operation == "recommendations":
            covered = any(score >= coverage_threshold for score in passing)
            talents_served[served.subject_id] = talents_served.get(served.subject_id, False) or covered
    return Quality(
        impressions=impressions,
        clicked=with_action[FeedbackAction.CLICKED],
        applied_or_enrolled=applied,
        interviewed=with_action[FeedbackAction.INTERVIEWED],
        hired=with_action[FeedbackAction.HIRED],
        dismissed=with_action[FeedbackAction.DISMISSED],
        click_through_rate=ratio(with_action[FeedbackAction.CLICKED], impressions),
        apply_rate=ratio(applied, impressions),
        hire_rate=ratio(with_action[FeedbackAction.HIRED], impressions),
        dismiss_rate=ratio(with_action[FeedbackAction.DISMISSED], impressions),
        precision_at_k={str(k): precision_at(k, view.feedback) for k in PRECISION_KS},
        coverage=ratio(sum(talents_served.values()), len(talents_served)),
        coverage_threshold=coverage_threshold,
        talents_served=len(talents_served),
        served_matches=len(scores),
        median_score=round(statistics.median(scores), 4) if scores else None,
    )


def _distinct_talents(feedback: Iterable[FeedbackFacts], action: FeedbackAction) -> dict[int, set[int]]:
    """Per opportunity: the talents with ``action`` on it."""
    found: dict[int, set[int]] = defaultdict(set)
    for f in feedback:
        if f.action == action:
            found[f.opportunity_id].add(f.talent_id)
    return found


def _class_row(o: OpportunityFacts, enrolled: int, hires: int) -> ClassFigures:
    return ClassFigures(id=o.id, title=o.title, city=o.city, mode=o.training_mode.value if o.training_mode else None,
                        seats=o.seats or 0, enrolled=enrolled, fill_rate=ratio(enrolled, o.seats or 0), hires=hires)


def training(view: _View) -> Training:
    """Live training classes: seats, distinct enrolled talents (all time), fill rate, order-class hires."""
    classes = [o for o in view.opportunities if o.kind == OpportunityKind.TRAINING_CLASS]
    enrolled = _distinct_talents(view.all_feedback, FeedbackAction.ENROLLED)
    hired = _distinct_talents(view.all_feedback, FeedbackAction.HIRED)
    in_window = _distinct_talents(view.feedback, FeedbackAction.ENROLLED)
    hired_in_window = _distinct_talents(view.feedback, FeedbackAction.HIRED)
    rows = [_class_row(o, len(enrolled.get(o.id, ())), len(hired.get(o.id, ()))) for o in classes]
    by_mode: dict[str, ModeFigures] = {}
    for mode in TrainingMode:
        mine = [r for r in rows if r.mode == mode.value]
        seats, taken = sum(r.seats for r in mine), sum(r.enrolled for r in mine)
        by_mode[mode.value] = ModeFigures(classes=len(mine), seats=seats, enrolled=taken, fill_rate=ratio(taken, seats))
    order = [o for o in classes if o.training_mode == TrainingMode.ORDER_BASED]
    seats, taken = sum(r.seats for r in rows), sum(r.enrolled for r in rows)
    return Training(
        classes=len(rows),
        seats=seats,
        enrolled=taken,
        fill_rate=ratio(taken, seats),
        enrolments_in_window=sum(len(in_window.get(o.id, ())) for o in classes),
        by_mode=by_mode,
        order_based_hires=sum(len(hired.get(o.id, ())) for o in order),
        order_based_hires_in_window=sum(len(hired_in_window.get(o.id, ())) for o in order),
        order_based_committed_hires=sum(o.committed_hires or 0 for o in order),
        per_class=sorted(rows, key=lambda r: (-r.seats, r.id))[:TOP_ROWS],
    )


def _supply_rows(groups: dict[str, tuple[int, int, int]]) -> list[SupplyRow]:
    ordered = sorted(groups.items(), key=lambda g: (-g[1][2], -g[1][0], g[0]))[:TOP_ROWS]
    return [SupplyRow(name=name, talents=t, opportunities=n, positions=p, talents_per_position=ratio(t, p))
            for name, (t, n, p) in ordered]


def _province(city: str) -> str:
    """The province of a (normalized) city name; a municipality is its own province."""
    try:
        return city_directory().resolve(city).province or city
    except UnknownCityError:
        return city


def supply_demand(view: _View) -> SupplyDemand:
    """Open-to-work talents against the positions of accepting opportunities, by field, city, occupation."""
    talents: list[TalentFacts] = [t for t in view.talents if t.open_to_work]
    demand = view.open_opportunities
    by_field: dict[str, tuple[int, int, int]] = {}
    for name in sorted({f for t in talents for f in t.fields} | {f for o in demand for f in o.fields}):
        mine = [o for o in demand if name in o.fields]
        by_field[name] = (sum(name in t.fields for t in talents), len(mine), sum(o.positions for o in mine))
    by_city: dict[str, tuple[int, int, int]] = {}
    for name in sorted({t.city for t in talents} | {o.city for o in demand}):
        mine = [o for o in demand if o.city == name]
        by_city[name] = (sum(t.city == name for t in talents), len(mine), sum(o.positions for o in mine))
    by_province: dict[str, tuple[int, int, int]] = {}
    for city, (t, n, p) in by_city.items():  # every city: by_city is cut to TOP_ROWS only when returned
        before = by_province.get(_province(city), (0, 0, 0))
        by_province[_province(city)] = (before[0] + t, before[1] + n, before[2] + p)
    occupations: list[OccupationSupply] = []
    for code in sorted({c for o in demand for c in o.occupations}):
        mine = [o for o in demand if code in o.occupations]
        field = digital_field(code)
        known = occupation_by_code().get(code)
        occupations.append(OccupationSupply(
            code=code, name=known.name if known else code, field=field, opportunities=len(mine),
            positions=sum(o.positions for o in mine), talents=sum(code in t.occupations for t in talents),
            talents_in_field=sum(field in t.fields for t in talents) if field else None))
    wanted = Counter(s for o in demand for s in o.skills)
    held = Counter(s for t in talents for s in t.skills)
    index = skill_index()
    scarce = sorted(wanted, key=lambda s: (-wanted[s] / (held[s] + 1), -wanted[s], s))[:TOP_SKILLS]
    return SupplyDemand(
        talents=len(talents),
        positions=sum(o.positions for o in demand),
        by_field=_supply_rows(by_field),
        by_city=_supply_rows(by_city),
        by_province=_supply_rows(by_province),
        by_occupation=sorted(occupations, key=lambda r: (-r.positions, r.code))[:TOP_ROWS],
        scarce_skills=[ScarceSkill(skill=s, label=index[s].zh if s in index else s,
                                   field=index[s].field if s in index else None, demand=wanted[s],
                                   supply=held[s], gap=round(wanted[s] / (held[s] + 1), 4)) for s in scarce],
    )


def options(snapshot: FiguresSnapshot) -> FilterOptions:
    """The values the dashboard's filters offer (from every live record, unfiltered)."""
    talents, opportunities = snapshot.talents.values(), snapshot.opportunities.values()
    return FilterOptions(
        fields=sorted({f for t in talents for f in t.fields} | {f for o in opportunities for f in o.fields}),
        cities=sorted({t.city for t in talents} | {o.city for o in opportunities}),
        kinds=[k.value for k in OpportunityKind],
        occupations=sorted({c for o in opportunities for c in o.occupations}),
    )


def compute_figures(snapshot: FiguresSnapshot, filters: Filters, *, now: datetime,
                    coverage_threshold: float) -> Figures:
    """Every event-derived figure group for ``filters`` at ``now``."""
    view = _View(snapshot, filters, now)
    return Figures(
        volumes=volumes(view),
        quality=quality(view, coverage_threshold=coverage_threshold),
        training=training(view),
        supply_demand=supply_demand(view),
    )
