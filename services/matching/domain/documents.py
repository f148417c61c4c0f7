"""Snapshots turned into what matching keeps: the text to embed and the metadata to filter and rank by.

The text carries the English names of the canonical skills next to the original wording, so even the
English-only all-MiniLM-L6-v2 (selectable) sees "machine learning" where a profile wrote "机器学习"; the
multilingual default reads both. A profile written in English leads with its own headline and names its
skills once (no second, canonical English list). A profile's language (``language``) decides the language
of its reasons.
No contact data is in a snapshot, so none reaches a document, a vector or a cache.

Every document is tagged at ingest with up to three CSCO 2022 occupations (the publisher's codes first)
and one digital field (``occupations_for``, ``digital_field_of``). This is the one tagging path: the service,
the embedding workers, the benchmarks and the tests all tag through it, with the normalizer their owner
built once and passed in. Tagging a batch of records (``record_tags``) normalizes every phrase of every
record in one call, as the normalizer's classifier and sparse products work on whole matrices.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from services.matching.domain.language import Language, text_language
from services.matching.domain.occupations import OccupationMatch, TitleNormalizer
from shared.events.contracts import OpportunitySnapshot, ProfileSnapshot
from shared.events.vocabulary import OpportunityKind, SkillLevel, TrainingMode
from shared.reference.occupations import DIGITAL_FIELDS
from shared.reference.occupations import occupations as csco_occupations
from shared.reference.skills import extract_skills, skill_index, skill_label

Occupation = OccupationMatch  # code, name, score (1.0 for a code the publisher gave), digital, field

OCCUPATION_TAGS = 3  # occupations kept per document
MAX_PHRASES = 12  # phrases of a record's text normalized as titles: a cap on the normalizer's work per record
# Phrases after the first (the title, or the lead of a profile's text) count this much: later phrases such
# as "Python" match labelled titles exactly and would otherwise outrank the real title (the README's
# matching section has the measurement behind the value).
LATER_PHRASE_WEIGHT = 0.3
MIN_TAG_SCORE = 0.15  # weaker tags say more about the normalizer's noise than about the record
EXTRA_CANDIDATES = 2  # matches read per phrase beyond ``top``: merging phrases can promote a runner-up
_PHRASES = re.compile(r"[\n\r。；;，,|!?！？]+|\.(?:\s|$)")


def _shared(text: str) -> str:
    """One string object per distinct city or organization across a side's documents (a million records
    name a few hundred cities), not one per decoded event."""
    return sys.intern(text)


@dataclass(frozen=True, slots=True)  # slots: no per-instance __dict__, which a million documents feel
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
    language: Language = "zh"  # the language the profile is written in: its reasons come in it

    def __post_init__(self) -> None:
        object.__setattr__(self, "city", _shared(self.city))
        object.__setattr__(self, "desired_cities", tuple(_shared(c) for c in self.desired_cities))

    @property
    def occupation(self) -> Occupation | None:
        return self.occupations[0] if self.occupations else None


@dataclass(frozen=True, slots=True)
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

    def __post_init__(self) -> None:
        object.__setattr__(self, "city", _shared(self.city))
        object.__setattr__(self, "organization", _shared(self.organization))
        object.__setattr__(self, "owner", _shared(self.owner))

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
            for o in csco_occupations()}


def occupation_by_code(code: str) -> Occupation | None:
    """The taxonomy entry of ``code`` (score 1.0), or None for an unknown code."""
    return _taxonomy().get(code.strip())


def _phrases(texts: Iterable[str]) -> list[str]:
    out = [p.strip() for text in texts for p in _PHRASES.split(text or "") if p and p.strip()]
    return out[:MAX_PHRASES]


@dataclass(frozen=True)
class TagRequest:
    """What a record's occupations are derived from (see ``occupations_for``)."""

    lead: str
    more: Sequence[str] = ()
    explicit: Sequence[str] = ()


def occupations_for(normalizer: TitleNormalizer, *, lead: str, more: Sequence[str] = (),
                    explicit: Sequence[str] = (), top: int = OCCUPATION_TAGS) -> tuple[Occupation, ...]:
    """Occupations of a document: the ``explicit`` codes first, then the normalizer's tags.

    The texts are cut into phrases; each is normalized as a job title. The first phrase (a title, or the
    lead of a profile's text, e.g. "3年大数据开发工程师经验") counts fully, later ones (skills, projects,
    certificates, description) at ``LATER_PHRASE_WEIGHT``: a bare "Python" further on matches a labelled
    title exactly and would otherwise outrank the real title. An occupation keeps its best phrase;
    scores under ``MIN_TAG_SCORE`` are dropped.
    """
    return occupations_for_many(normalizer, [TagRequest(lead, more, explicit)], top=top)[0]


def occupations_for_many(normalizer: TitleNormalizer, requests: Sequence[TagRequest], *,
                         top: int = OCCUPATION_TAGS) -> list[tuple[Occupation, ...]]:
    """``occupations_for`` of many documents, with every phrase normalized in one batched call."""
    chosen: list[dict[str, Occupation]] = []
    phrases: list[list[str]] = []
    for request in requests:
        given: dict[str, Occupation] = {}
        for code in request.explicit:
            found = occupation_by_code(code)
            if found is not None:
                given.setdefault(found.code, found)
        chosen.append(given)
        phrases.append(_phrases([request.lead, *request.more]) if len(given) < top else [])
    flat = [phrase for texts in phrases for phrase in texts]
    matches = iter(normalizer.normalize_many(flat, top=top + EXTRA_CANDIDATES) if flat else [])
    for given, texts in zip(chosen, phrases, strict=True):
        best: dict[str, Occupation] = {}
        for position in range(len(texts)):
            weight = 1.0 if position == 0 else LATER_PHRASE_WEIGHT
            for m in next(matches):
                score = round(m.score * weight, 4)
                if score >= MIN_TAG_SCORE and (m.code not in best or score > best[m.code].score):
                    best[m.code] = Occupation(m.code, m.name, score, m.digital, m.field)
        for m in sorted(best.values(), key=lambda m: (-m.score, m.code)):
            given.setdefault(m.code, m)
    return [tuple(given.values())[:top] for given in chosen]


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


def prepare_tagging(normalizer: TitleNormalizer) -> None:
    """Have ``normalizer`` ready now (a lazy one builds in seconds), so that a consumer or a worker does not
    pay for it inside its first batch, after it has taken its partitions."""
    normalizer.normalize_many([], top=1)


def record_tags(snapshots: Sequence[ProfileSnapshot | OpportunitySnapshot], *,
                normalizer: TitleNormalizer) -> list[Tags]:
    """The tags of many records, their occupations in one batched normalizer call."""
    requests, skills = [], []
    for snapshot in snapshots:
        if isinstance(snapshot, ProfileSnapshot):
            certificates = [c.name for c in snapshot.certificates]
            requests.append(TagRequest(snapshot.skills_text, certificates))
            skills.append(tuple(extract_skills(snapshot.skills, certificates, snapshot.skills_text)))
        else:
            requests.append(TagRequest(snapshot.title, [snapshot.description], explicit_codes(snapshot)))
            skills.append(tuple(extract_skills(snapshot.skills, snapshot.title, snapshot.description)))
    tagged = occupations_for_many(normalizer, requests)
    return [Tags(found, occupations) for found, occupations in zip(skills, tagged, strict=True)]


def talent_document(record_id: int, profile: ProfileSnapshot, *, max_chars: int, tags: Tags,
                    owner: str = "") -> tuple[TalentDoc, str]:
    """The talent's metadata and its text (skills, certificates, free text; not the name); ``owner``: the
    event's ``owner_id``, which decides who may read the talent's recommendations; ``tags``: what
    ``record_tags`` derived from the same snapshot."""
    certificates = [c.name for c in profile.certificates]
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
        language=text_language(" ".join([profile.skills_text, *profile.skills])),
    )
    if doc.language == "en":
        # An English profile leads with its own words and names its skills once: the canonical English
        # labels would repeat them, and a repeated "Python" outweighs the headline that says which Python
        # job (backend, data pipelines, testing) the seeker wants (README, "Matching quality").
        text = _join(profile.skills_text, "、".join(profile.skills), "、".join(certificates))
    else:
        text = _join("、".join(profile.skills), "、".join(certificates), _english_skills(skills),
                     profile.skills_text)
    return doc, text[:max_chars]


def opportunity_document(record_id: int, opportunity: OpportunitySnapshot, *, max_chars: int, tags: Tags,
                         owner: str = "") -> tuple[OpportunityDoc, str]:
    """The opportunity's metadata and its text (title, skills, description); ``owner``: the event's
    ``owner_id``, which decides who may read the opportunity's shortlist; ``tags``: what ``record_tags``
    derived from the same snapshot."""
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
