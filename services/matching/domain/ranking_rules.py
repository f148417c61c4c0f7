"""What a ranked list must respect beyond the scores: evidence of fit, one entry per re-posted job, and
reasons in the seeker's language.

- Evidence: an item is listed only with a matched skill, a shared occupation or a strong similarity
  (``RankingWeights.evidence_similarity``); without any, a list says so instead of padding.
- City: a tie-breaker among items of comparable relevance. The city bonuses count only for items with
  evidence that also stand at least ``RankingWeights.city_min_standing`` standard deviations above their
  query's candidates (``domain/fusion.py``): an in-town item from the weak half of the candidates is not
  lifted over a relevant one elsewhere.
- Near-duplicates: the same organization re-posting the same title (ignoring case, spaces, punctuation and
  bracketed notes such as "（急招）") in the same city is one job; the best-scored entry stays.
- Language: Chinese by default; English for a request that asks for it or a profile written in English.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable
from functools import lru_cache
from typing import Any, TypeVar

from services.matching.domain.documents import TalentDoc
from services.matching.domain.language import Language
from shared.events.vocabulary import OpportunityKind, SkillLevel
from shared.reference.cities import PINYIN_FIXES, UnknownCityError, city_directory

_BRACKETED = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]")
_NOT_WORD = re.compile(r"[\W_]+")
ItemT = TypeVar("ItemT")


def wanted_kinds_filter(talent: TalentDoc, *, kind: OpportunityKind | None,
                        widen: bool) -> frozenset[OpportunityKind] | None:
    """The kinds a talent's recommendations may hold: ``kind`` when asked for, else the talent's wanted
    kinds unless ``widen`` (or it wants none); None: any kind."""
    if kind is not None:
        return frozenset({kind})
    if widen or not talent.wanted_kinds:
        return None
    return frozenset(talent.wanted_kinds)


def city_counts(*, evidence: bool, standing: float | None, min_standing: float) -> bool:
    """Whether an item's city bonus applies: it has evidence of fit and (when its ``standing`` among the
    query's candidates is known) stands at least ``min_standing`` above their mean."""
    return evidence and (standing is None or standing >= min_standing)


@lru_cache(maxsize=16_384)
def duplicate_key(organization: str, title: str, city: str) -> tuple[str, str, str]:
    """What makes two postings the same job re-posted (remembered: a posting is keyed on every query)."""
    def fold(text: str) -> str:
        text = unicodedata.normalize("NFKC", text).lower()
        return _NOT_WORD.sub("", _BRACKETED.sub("", text)) or text

    return fold(organization), fold(title), city


def first_of_each(items: Iterable[ItemT], key_of: Callable[[ItemT], Hashable], *, limit: int) -> list[ItemT]:
    """The first ``limit`` of ``items`` (best first) without later items of a key already seen; keys are
    asked only until ``limit`` items are found."""
    seen: set[Hashable] = set()
    out: list[ItemT] = []
    for item in items:
        if len(out) >= limit:
            break
        key = key_of(item)
        if key in seen:
            continue
        seen.add(key)
        out.append(item)
    return out


KIND_NAMES: dict[Language, dict[OpportunityKind, str]] = {
    "zh": {OpportunityKind.JOB_POSTING: "招聘岗位", OpportunityKind.TRAINING_CLASS: "培训班",
           OpportunityKind.INCUBATOR_PROGRAM: "孵化项目", OpportunityKind.INDUSTRIAL_PARK: "产业园区"},
    "en": {OpportunityKind.JOB_POSTING: "job posting", OpportunityKind.TRAINING_CLASS: "training class",
           OpportunityKind.INCUBATOR_PROGRAM: "incubator program", OpportunityKind.INDUSTRIAL_PARK: "industrial park"},
}
LEVEL_NAMES_EN = {SkillLevel.JUNIOR: "junior", SkillLevel.INTERMEDIATE: "intermediate", SkillLevel.SENIOR: "senior"}

TEMPLATES: dict[str, dict[Language, str]] = {
    "skill_overlap": {"zh": "技能重合 {matched}/{required}：{skills}",
                      "en": "Skills in common {matched}/{required}: {skills}"},
    "same_occupation": {"zh": "职业对口：{name}（{code}）", "en": "Same occupation: {name} ({code})"},
    "same_field": {"zh": "同属数字领域：{field}", "en": "Same digital field: {field}"},
    "same_city": {"zh": "同城：{city}", "en": "In your city: {city}"},
    "desired_city": {"zh": "意向城市：{city}", "en": "In a city you want: {city}"},
    "wanted_kind": {"zh": "意向类型：{kind}", "en": "A kind you want: {kind}"},
    "level": {"zh": "级别达到要求：{have}（要求{need}）", "en": "Your level meets the requirement: {have} "
                                                           "(requires {need})"},
    "hiring_commitment": {"zh": "{mode}，结业承诺录用",
                          "en": "Order-based class: the sponsor commits to hire graduates"},
    "similar_text": {"zh": "描述高度相似（相似度 {similarity}）", "en": "Closely similar description "
                                                                       "(similarity {similarity})"},
}
NO_EVIDENCE: dict[Language, str] = {
    "zh": "其余候选没有匹配的技能、职业或高度相似的描述，未列出",
    "en": "No other candidate has a matched skill, occupation or a closely similar description; none is padded in",
}


def city_label(name: str, language: Language) -> str:
    """The city's name in ``language`` ("北京市" → "Beijing")."""
    if language == "zh" or not name:
        return name
    try:
        city = city_directory().resolve(name)
    except UnknownCityError:
        return name
    return (PINYIN_FIXES.get(city.name) or city.pinyin).capitalize()


def describe(reason: str, language: Language, /, **fields: Any) -> str:
    """The text of ``reason`` in ``language``."""
    return TEMPLATES[reason][language].format(**fields)
