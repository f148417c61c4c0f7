"""Snapshots turned into what matching keeps: the text to embed and the metadata to filter and rank by.

The text carries the English names of the canonical skills next to the original wording, so the
English-only dense model sees "machine learning" where a profile wrote "机器学习".
No contact data is in a snapshot, so none reaches a document, a vector or a cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.events.contracts import OpportunitySnapshot, ProfileSnapshot
from shared.events.vocabulary import OpportunityKind, SkillLevel, TrainingMode
from shared.reference.skills import extract_skills, skill_label


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

    def accepting(self, today: date) -> bool:
        """Open and not past its closing date."""
        return self.open and (self.closes_on is None or self.closes_on >= today)


def _join(*parts: str) -> str:
    return "\n".join(p.strip() for p in parts if p and p.strip())


def _english_skills(skill_ids: tuple[str, ...]) -> str:
    return "Skills: " + ", ".join(skill_label(s, lang="en") for s in skill_ids) if skill_ids else ""


def talent_document(record_id: int, profile: ProfileSnapshot, *,
                    max_chars: int) -> tuple[TalentDoc, str]:
    """The talent's metadata and its text (skills, certificates, free text; not the name)."""
    certificates = [c.name for c in profile.certificates]
    skills = tuple(extract_skills(profile.skills, certificates, profile.skills_text))
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
    )
    text = _join("、".join(profile.skills), "、".join(certificates), _english_skills(skills),
                 profile.skills_text)
    return doc, text[:max_chars]


def opportunity_document(record_id: int, opportunity: OpportunitySnapshot, *,
                         max_chars: int) -> tuple[OpportunityDoc, str]:
    """The opportunity's metadata and its text (title, skills, description)."""
    skills = tuple(extract_skills(opportunity.skills, opportunity.title, opportunity.description))
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
    )
    text = _join(opportunity.title, "、".join(opportunity.skills), _english_skills(skills),
                 opportunity.description)
    return doc, text[:max_chars]
