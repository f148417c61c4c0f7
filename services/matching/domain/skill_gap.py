"""Skill gaps: what a target (an opportunity or an occupation) requires, and the training that closes it.

An occupation's requirements are read off the market: the canonical skills most often asked by the
indexed job postings and training classes tagged with it, each posting weighted by how sure its tag is
(1.0 for a code its publisher gave). Training paths are open training classes teaching at least one
missing skill: order-based classes whose sponsor commits to hire first, then those that close more of
the gap, then those in the talent's city or desired cities.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from services.matching.domain.documents import OpportunityDoc, TalentDoc
from services.matching.domain.occupations import is_hit
from services.matching.domain.ranking import occupation_public
from services.matching.domain.results import TrainingPath
from shared.events.vocabulary import OpportunityKind, TrainingMode
from shared.reference.skills import skill_label

DEMAND_KINDS = frozenset({OpportunityKind.JOB_POSTING, OpportunityKind.TRAINING_CLASS})
REQUIRED_TOP = 8  # skills an occupation requires, at most
MIN_SHARE = 0.1  # a skill asked by fewer of the occupation's postings (weighted) is left out

Location = Literal["same_city", "desired_city", "elsewhere"]
_LOCATION_RANK: dict[Location, int] = {"same_city": 0, "desired_city": 1, "elsewhere": 2}


@dataclass(frozen=True)
class Demand:
    skills: list[tuple[str, float]]  # (skill id, weighted share of postings asking it), most asked first
    postings: int  # opportunities the requirements were read from


def occupation_demand(code: str, level: int, opportunities: Iterable[OpportunityDoc], *,
                      top: int = REQUIRED_TOP, min_share: float = MIN_SHARE) -> Demand:
    """The skills most asked by postings and classes tagged with ``code`` (or a leaf under it)."""
    counts: dict[str, float] = {}
    total, postings = 0.0, 0
    for doc in opportunities:
        if doc.kind not in DEMAND_KINDS:
            continue
        weight = max((o.score for o in doc.occupations if is_hit(code, o.code, level)), default=0.0)
        if weight <= 0:
            continue
        postings += 1
        total += weight
        for skill in set(doc.skills):
            counts[skill] = counts.get(skill, 0.0) + weight
    ranked = sorted(counts, key=lambda s: (-counts[s], s))
    shares = [(s, round(counts[s] / total, 4)) for s in ranked if counts[s] / total >= min_share]
    return Demand(skills=shares[:top], postings=postings)


def _location(talent: TalentDoc, city: str) -> Location:
    if city == talent.city:
        return "same_city"
    return "desired_city" if city in talent.desired_cities else "elsewhere"


def _committed(doc: OpportunityDoc) -> bool:
    return doc.training_mode == TrainingMode.ORDER_BASED and doc.hiring_commitment


def training_paths(talent: TalentDoc, missing: Sequence[str], opportunities: Iterable[OpportunityDoc], *,
                   today: date, k: int) -> list[TrainingPath]:
    """Open training classes teaching any of the ``missing`` skill ids, best path first."""
    if not missing:
        return []
    rows: list[tuple[tuple[int, int, int, int], TrainingPath]] = []
    for doc in opportunities:
        if doc.kind != OpportunityKind.TRAINING_CLASS or not doc.accepting(today):
            continue
        taught = set(doc.skills)
        closes = [s for s in missing if s in taught]
        if not closes:
            continue
        location = _location(talent, doc.city)
        key = (0 if _committed(doc) else 1, -len(closes), _LOCATION_RANK[location], doc.id)
        rows.append((key, TrainingPath(
            id=doc.id,
            title=doc.title,
            organization=doc.organization,
            city=doc.city,
            training_mode=doc.training_mode.value if doc.training_mode else None,
            hiring_commitment=doc.hiring_commitment,
            closes=[skill_label(s) for s in closes],
            coverage=round(len(closes) / len(missing), 4),
            location=location,
            occupation=occupation_public(doc),
        )))
    rows.sort(key=lambda row: row[0])
    return [item for _, item in rows[:k]]
