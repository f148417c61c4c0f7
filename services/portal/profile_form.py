"""The profile form: its choices (real cities, the canonical skill vocabulary) and its mapping to the
profiles API body and back."""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import Any

from services.portal.forms import checked, split_list
from services.portal.resume import Proposal
from shared.events.vocabulary import Education, OpportunityKind, SkillLevel
from shared.reference.cities import city_directory
from shared.reference.skills import SKILLS

JSON = dict[str, Any]


@cache
def city_names() -> tuple[str, ...]:
    return tuple(sorted(city.name for city in city_directory().cities))


@cache
def _vocabulary() -> dict[str, str]:
    """Every spelling of a canonical skill (casefolded) → its Chinese label, the value the form sends."""
    return {name.casefold(): skill.zh for skill in SKILLS for name in skill.names}


def skill_groups(lang: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The vocabulary by digital field: ``(field, [(value, label shown)])``."""
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for skill in SKILLS:
        groups[skill.field].append((skill.zh, skill.en if lang == "en" else skill.zh))
    return list(groups.items())


def choices(lang: str) -> JSON:
    return {"cities": city_names(), "skill_groups": skill_groups(lang),
            "educations": [e.value for e in Education], "levels": [s.value for s in SkillLevel],
            "kinds": [k.value for k in OpportunityKind]}


def split_skills(skills: list[str]) -> tuple[list[str], list[str]]:
    """(canonical labels to tick, other skills for the free-text box)."""
    vocabulary = _vocabulary()
    picked, other = [], []
    for skill in skills:
        label = vocabulary.get(skill.casefold())
        if label is not None:
            picked.append(label)
        else:
            other.append(skill)
    return picked, other


def values_from_profile(profile: JSON) -> JSON:
    picked, other = split_skills(list(profile.get("skills", [])))
    return {"display_name": profile.get("display_name", ""), "city": profile.get("city", ""),
            "desired_cities": "，".join(profile.get("desired_cities", [])),
            "education": profile.get("education") or "", "years_experience": profile.get("years_experience", 0),
            "level": profile.get("level") or "", "skills": picked, "other_skills": "，".join(other),
            "skills_text": profile.get("skills_text", ""), "wanted_kinds": list(profile.get("wanted_kinds", [])),
            "open_to_work": bool(profile.get("open_to_work", True)), "version": profile.get("version")}


def values_with_proposal(values: JSON, proposal: Proposal) -> JSON:
    """The current values with what the résumé proposes in place of them where it found something."""
    picked, other = split_skills(proposal.skills)
    merged = dict(values)
    merged["skills"] = list(dict.fromkeys([*values.get("skills", []), *picked]))
    if other:
        merged["other_skills"] = "，".join(filter(None, [values.get("other_skills", ""), *other]))
    if proposal.city:
        merged["city"] = proposal.city
    if proposal.years_experience is not None:
        merged["years_experience"] = proposal.years_experience
    if proposal.education is not None:
        merged["education"] = proposal.education.value
    if proposal.skills_text:
        merged["skills_text"] = proposal.skills_text
    return merged


def values_from_form(form: JSON) -> JSON:
    """What the browser sent, in the shape the template shows again (after an error)."""
    return {"display_name": form.get("display_name", ""), "city": form.get("city", ""),
            "desired_cities": form.get("desired_cities", ""), "education": form.get("education", ""),
            "years_experience": form.get("years_experience", ""), "level": form.get("level", ""),
            "skills": split_list(form.get("skills", [])), "other_skills": form.get("other_skills", ""),
            "skills_text": form.get("skills_text", ""), "wanted_kinds": split_list(form.get("wanted_kinds", [])),
            "open_to_work": checked(form, "open_to_work"), "version": form.get("version")}


def api_body(values: JSON) -> JSON:
    """The profiles API body; a malformed number goes through as text so the API names the field."""
    years: Any = str(values.get("years_experience") or "0").strip()
    years = int(years) if years.isdigit() else years
    skills = list(dict.fromkeys([*values["skills"], *split_list(values.get("other_skills", ""))]))
    return {"display_name": str(values["display_name"]).strip(), "city": str(values["city"]).strip(),
            "desired_cities": split_list(values.get("desired_cities", "")),
            "education": values.get("education") or None, "years_experience": years,
            "level": values.get("level") or None, "skills": skills,
            "skills_text": str(values.get("skills_text", "")).strip(), "wanted_kinds": values["wanted_kinds"],
            "open_to_work": bool(values["open_to_work"])}
