"""Snapshots turned into what matching keeps: the text to embed and the metadata to filter and rank by.

The text carries the English names of the canonical skills next to the original wording, so the
English-only dense model sees "machine learning" where a profile wrote "机器学习".
No contact data is in a snapshot, so none reaches a document, a vector or a cache.

Every document is tagged at ingest with up to three CSCO 2022 occupations (the publisher's codes first)
and one digital field (``occupations_for``, ``digital_field_of``). Tagging costs about 2 ms a document;
batching it across documents was measured to save only ~10% (the normalizer's per-title work dominates),
so each document is tagged on its own, with its phrases in one batched call.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from services.matching.domain.occupation_normalizer import (
    OccupationMatch,
    default_normalizer,
    load_occupations,
)
from shared.events.contracts import OpportunitySnapshot, ProfileSnapshot
from shared.events.vocabulary import OpportunityKind, SkillLevel, TrainingMode
from shared.reference.occupations import DIGITAL_FIELDS
from shared.reference.skills import extract_skills, skill_index, skill_label

Occupation = OccupationMatch  # code, name, score (1.0 for a code the publisher gave), digital, field

OCCUPATION_TAGS = 3  # occupations kept per document
MAX_PHRASES = 12
# Phrases after the first (the title, or the lead of a profile's text). On 435 Chinese demo profiles the
# first tag was the occupation the text was written for in 81% of cases at 0.3, 49% at 0.5, 25% at 0.85
# (the normalizer's own ``tag``): later phrases such as "Python" match labelled titles exactly.
LATER_PHRASE_WEIGHT = 0.3
MIN_TAG_SCORE = 0.15  # as the normalizer's own ``tag``
_PHRASES = re.compile(r"[\n\r。；;，,|!?！？]+|\.(?:\s|$)")


@dataclass(frozen=True)
class TalentDoc:
    id: int
    display_name: str
    city: str
    desired_cities: tuple[str, ...]
    level: SkillLevel | None
    years_experience: int
    skills: tuple[str, ...]  # canonical skill ids
    wanted_kinds: tuple[OpportunityKind, ...]
    open_to_work: bool
    occupations: tuple[Occupation, ...] = ()  # best first
    field: str | None = None  # digital field, e.g. "大数据"
    owner: str = ""  # the seeker account that owns the profile (its token subject); "" when unknown

    @property
    def occupation(self) -> Occupation | None:
        return self.occupations[0] if self.occupations else None


@dataclass(frozen=True)
class OpportunityDoc:
    id: int
    kind: OpportunityKind
    title: str
    organization: str
    city: str
    level: SkillLevel | None
    training_mode: TrainingMode | None
    hiring_commitment: bool
    skills: tuple[str, ...]  # canonical skill ids
    open: bool
    closes_on: date | None
    occupations: tuple[Occupation, ...] = ()  # explicit codes first, then tags; best first
    field: str | None = None  # digital field, e.g. "大数据"
    owner: str = ""  # the enterprise account that posted it (its token subject); "" when unknown

    @property
    def occupation(self) -> Occupation | None:
        return self.occupations[0] if self.occupations else None

    def accepting(self, today: date) -> bool:
        """Open and not past its closing date."""
        return self.open and (self.closes_on is None or self.closes_on >= today)


def _join(*parts: str) -> str:
    return "\n".join(p.strip() for p in parts if p and p.strip())


def _english_skills(skill_ids: tuple[str, ...]) -> str:
    return "Skills: " + ", ".join(skill_label(s, lang="en") for s in skill_ids) if skill_ids else ""


@cache
def _taxonomy() -> dict[str, Occupation]:
    """Every CSCO 2022 code (leaf or not) as a score-1.0 match, for codes a publisher gave."""
    return {o.code: Occupation(o.code, o.name, 1.0, o.digital, DIGITAL_FIELDS.get(o.code))
            for o in load_occupations()}


def occupation_by_code(code: str) -> Occupation | None:
    """The taxonomy entry of ``code`` (score 1.0), or None for an unknown code."""
    return _taxonomy().get(code.strip())


def _phrases(texts: Iterable[str]) -> list[str]:
    out = [p.strip() for text in texts for p in _PHRASES.split(text or "") if p and p.strip()]
    return out[:MAX_PHRASES]


def occupations_for(*, lead: str, more: Sequence[str] = (), explicit: Sequence[str] = (),
                    top: int = OCCUPATION_TAGS) -> tuple[Occupation, ...]:
    """Occupations of a document: the ``explicit`` codes first, then the normalizer's tags.

    The texts are cut into phrases; each is normalized as a job title (one batched call). The first
    phrase (a title, or the lead of a profile's text, e.g. "3年大数据开发工程师经验") counts fully, later
    ones (skills, projects, certificates, description) at ``LATER_PHRASE_WEIGHT``: a bare "Python"
    further on matches a labelled title exactly and would otherwise outrank the real title.
    An occupation keeps its best phrase; scores under ``MIN_TAG_SCORE`` are dropped.
    """
    chosen: dict[str, Occupation] = {}
    for code in explicit:
        found = occupation_by_code(code)
        if found is not None:
            chosen.setdefault(found.code, found)
    phrases = _phrases([lead, *more])
    if len(chosen) < top and phrases:
        best: dict[str, Occupation] = {}
        for position, matches in enumerate(default_normalizer().normalize_many(phrases, top=top + 2)):
            weight = 1.0 if position == 0 else LATER_PHRASE_WEIGHT
            for m in matches:
                score = round(m.score * weight, 4)
                if score >= MIN_TAG_SCORE and (m.code not in best or score > best[m.code].score):
                    best[m.code] = Occupation(m.code, m.name, score, m.digital, m.field)
        for m in sorted(best.values(), key=lambda m: (-m.score, m.code)):
            chosen.setdefault(m.code, m)
    return tuple(chosen.values())[:top]


def digital_field_of(occupations: Sequence[Occupation], skills: Iterable[str]) -> str | None:
    """The digital field with most votes: 2 for the first occupation's field, 1 per canonical skill.

    Ties go to the field seen first (the occupation, then the skills in order of appearance).
    """
    votes: Counter[str] = Counter()
    first: dict[str, int] = {}
    if occupations and occupations[0].field:
        votes[occupations[0].field] += 2
        first[occupations[0].field] = -1
    index = skill_index()
    for position, skill_id in enumerate(skills):
        skill = index.get(skill_id)
        if skill is not None:
            votes[skill.field] += 1
            first.setdefault(skill.field, position)
    if not votes:
        return None
    return min(votes, key=lambda f: (-votes[f], first[f]))


def _codes(value: Any) -> list[str]:
    """Occupation codes from an event's ``details`` value (a code or a list of codes)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []


def explicit_codes(opportunity: OpportunitySnapshot) -> list[str]:
    """Codes the publisher gave: a posting's ``occupation_code``, a class's ``target_occupations``."""
    details = opportunity.details
    return [*_codes(details.get("occupation_code")), *_codes(details.get("target_occupations"))]


@dataclass(frozen=True)
class Tags:
    """What tagging derived from a record's text: canonical skills and occupations (the costly part of
    building a document; an embedding worker ships them to replicas)."""

    skills: tuple[str, ...]
    occupations: tuple[Occupation, ...]


def talent_document(record_id: int, profile: ProfileSnapshot, *, max_chars: int,
                    owner: str = "", tags: Tags | None = None) -> tuple[TalentDoc, str]:
    """The talent's metadata and its text (skills, certificates, free text; not the name); ``owner``: the
    event's ``owner_id``, which decides who may read the talent's recommendations; ``tags``: already
    derived elsewhere from the same snapshot."""
    certificates = [c.name for c in profile.certificates]
    if tags is None:
        tags = Tags(tuple(extract_skills(profile.skills, certificates, profile.skills_text)),
                    occupations_for(lead=profile.skills_text, more=certificates))
    skills, occupations = tags.skills, tags.occupations
    doc = TalentDoc(
        id=record_id,
        display_name=profile.display_name,
        city=profile.city,
        desired_cities=tuple(profile.desired_cities),
        level=profile.level,
        years_experience=profile.years_experience,
        skills=skills,
        wanted_kinds=tuple(profile.wanted_kinds),
        open_to_work=profile.open_to_work,
        occupations=occupations,
        field=digital_field_of(occupations, skills),
        owner=owner,
    )
    text = _join("、".join(profile.skills), "、".join(certificates), _english_skills(skills),
                 profile.skills_text)
    return doc, text[:max_chars]


def opportunity_document(record_id: int, opportunity: OpportunitySnapshot, *, max_chars: int,
                         owner: str = "", tags: Tags | None = None) -> tuple[OpportunityDoc, str]:
    """The opportunity's metadata and its text (title, skills, description); ``owner``: the event's
    ``owner_id``, which decides who may read the opportunity's shortlist; ``tags``: already derived."""
    if tags is None:
        tags = Tags(tuple(extract_skills(opportunity.skills, opportunity.title, opportunity.description)),
                    occupations_for(lead=opportunity.title, more=[opportunity.description],
                                    explicit=explicit_codes(opportunity)))
    skills, occupations = tags.skills, tags.occupations
    doc = OpportunityDoc(
        id=record_id,
        kind=opportunity.kind,
        title=opportunity.title,
        organization=opportunity.organization,
        city=opportunity.city,
        level=opportunity.level,
        training_mode=opportunity.training_mode,
        hiring_commitment=opportunity.hiring_commitment,
        skills=skills,
        open=opportunity.open,
        closes_on=opportunity.closes_on,
        occupations=occupations,
        field=digital_field_of(occupations, skills),
        owner=owner,
    )
    text = _join(opportunity.title, "、".join(opportunity.skills), _english_skills(skills),
                 opportunity.description)
    return doc, text[:max_chars]
