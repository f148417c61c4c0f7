"""Final ranking: hybrid similarity from the index plus explained structured bonuses.

Matching is reciprocal: the talent's wishes (city and desired cities, wanted kinds) count as well as what
the opportunity asks (skills, level, occupation). Every bonus is a setting (``MATCHING_BONUS_*``), chosen on
real postings (``python -m bench.eval_real``) and counted in standard deviations of the query's own candidate
similarities (``fusion``), since the dense model's similarities are compressed. Only hits the index returned
are ranked, only those with evidence of fit are listed, and a city bonus needs that evidence and a standing
in the upper part of the candidates (``ranking_rules``): the city breaks ties among comparable items.
Reasons come in the seeker's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.matching.domain.documents import Occupation, OpportunityDoc, TalentDoc
from services.matching.domain.fusion import Spread, spread_of
from services.matching.domain.language import Language
from services.matching.domain.ranking_rules import (
    KIND_NAMES,
    LEVEL_NAMES_EN,
    city_counts,
    city_label,
    describe,
    duplicate_key,
    first_of_each,
)
from shared.events.vocabulary import (
    LEVEL_LABELS,
    TRAINING_MODE_LABELS,
    SkillLevel,
    TrainingMode,
)
from shared.reference.skills import skill_label

_LEVEL_RANK = {SkillLevel.JUNIOR: 1, SkillLevel.INTERMEDIATE: 2, SkillLevel.SENIOR: 3}
KIND_LABELS = KIND_NAMES["zh"]

Item = dict[str, Any]


@dataclass(frozen=True)
class RankingWeights:
    # The defaults equal those of ``MatchingSettings`` (``MATCHING_BONUS_*``). Each bonus is counted in
    # standard deviations of the query's candidate similarities (``fusion.Spread``).
    skill_overlap: float = 0.5  # multiplied by the Jaccard index of canonical skills
    same_city: float = 1.5
    desired_city: float = 1.5  # the opportunity lies in one of the talent's desired cities
    wanted_kind: float = 10.0
    level: float = 2.0  # the talent's level reaches the required one
    hiring_commitment: float = 3.0  # order-based class whose sponsor commits to hire
    same_occupation: float = 0.5  # both sides have the same primary occupation
    same_field: float = 0.0  # otherwise: both lie in the same digital field
    # The city bonuses count only for items standing this many standard deviations above the mean of their
    # query's candidates (``ranking_rules.city_counts``): the city breaks ties among comparable items.
    city_min_standing: float = 0.5
    # A similarity this high is evidence of fit on its own (besides a matched skill or occupation). With the
    # default model and weights a nurse's profile and a nursing post score about 0.81, a machine-learning
    # profile and that post 0.69; real postings' top candidates all score above 0.85.
    evidence_similarity: float = 0.80


@dataclass(frozen=True)
class PairScore:
    bonus: float
    reasons: list[dict[str, Any]]
    matched: list[str]  # skill ids of the opportunity the talent has
    missing: list[str]  # skill ids of the opportunity the talent lacks
    evidence: bool = True  # a matched skill, the same occupation or a strong similarity


@dataclass(frozen=True)
class Ranked:
    items: list[Item]
    without_evidence: int  # candidates left out for want of any evidence of fit


def _reason(code: str, detail: str, bonus: float) -> dict[str, Any]:
    return {"code": code, "detail": detail, "bonus": round(bonus, 4)}


def _labels(skill_ids: Sequence[str], language: Language = "zh") -> list[str]:
    return [skill_label(s, lang=language) for s in skill_ids]


def shared_occupation(talent: TalentDoc, opportunity: OpportunityDoc) -> Occupation | None:
    """The primary occupation, when both sides have the same one."""
    mine, theirs = talent.occupation, opportunity.occupation
    return mine if mine is not None and theirs is not None and mine.code == theirs.code else None


def _occupation_reason(talent: TalentDoc, opportunity: OpportunityDoc, weights: RankingWeights,
                       language: Language) -> dict[str, Any] | None:
    shared = shared_occupation(talent, opportunity)
    if shared is not None:
        return _reason("same_occupation", describe("same_occupation", language, name=shared.name, code=shared.code),
                       weights.same_occupation)
    if talent.field and talent.field == opportunity.field:
        return _reason("same_field", describe("same_field", language, field=talent.field), weights.same_field)
    return None


def score_pair(talent: TalentDoc, opportunity: OpportunityDoc, weights: RankingWeights, *,
               similarity: float | None = None, standing: float | None = None,
               language: Language = "zh") -> PairScore:
    """The structured bonuses of one talent–opportunity pair, each with its reason in ``language``.

    Without evidence of fit (a matched skill, the same occupation, or ``similarity`` of at least
    ``weights.evidence_similarity``; a pair scored without a similarity counts as evidenced) the city
    bonuses do not apply, nor for a pair whose ``standing`` among its query's candidates (``fusion``) is
    below ``weights.city_min_standing``: a seeker's city only breaks ties among comparable items.
    """
    have = set(talent.skills)
    matched = [s for s in opportunity.skills if s in have]
    missing = [s for s in opportunity.skills if s not in have]
    union = len(have | set(opportunity.skills))
    shared = shared_occupation(talent, opportunity)
    similar = similarity is None or similarity >= weights.evidence_similarity
    evidence = bool(matched) or shared is not None or similar
    reasons: list[dict[str, Any]] = []
    if matched and weights.skill_overlap:
        reasons.append(_reason("skill_overlap", describe(
            "skill_overlap", language, matched=len(matched), required=len(opportunity.skills),
            skills=("、" if language == "zh" else ", ").join(_labels(matched, language))),
            weights.skill_overlap * len(matched) / union))
    occupation = _occupation_reason(talent, opportunity, weights, language)
    if occupation is not None:
        reasons.append(occupation)
    city = city_label(opportunity.city, language)
    local = city_counts(evidence=evidence, standing=standing, min_standing=weights.city_min_standing)
    if local and talent.city and opportunity.city == talent.city:
        reasons.append(_reason("same_city", describe("same_city", language, city=city), weights.same_city))
    elif local and opportunity.city in talent.desired_cities:
        reasons.append(_reason("desired_city", describe("desired_city", language, city=city), weights.desired_city))
    if opportunity.kind in talent.wanted_kinds:
        reasons.append(_reason("wanted_kind", describe("wanted_kind", language,
                                                       kind=KIND_NAMES[language][opportunity.kind]),
                               weights.wanted_kind))
    if (opportunity.level is not None and talent.level is not None
            and _LEVEL_RANK[talent.level] >= _LEVEL_RANK[opportunity.level]):
        names = LEVEL_LABELS if language == "zh" else LEVEL_NAMES_EN
        reasons.append(_reason("level", describe("level", language, have=names[talent.level],
                                                 need=names[opportunity.level]), weights.level))
    if opportunity.training_mode == TrainingMode.ORDER_BASED and opportunity.hiring_commitment:
        reasons.append(_reason("hiring_commitment", describe(
            "hiring_commitment", language, mode=TRAINING_MODE_LABELS[TrainingMode.ORDER_BASED]),
            weights.hiring_commitment))
    reasons = [r for r in reasons if r["bonus"] > 0]
    if similarity is not None and similar and not matched and shared is None:
        # The similarity is the only evidence: say so (it is the score itself, no bonus).
        reasons.insert(0, _reason("similar_text", describe("similar_text", language,
                                                           similarity=f"{similarity:.2f}"), 0.0))
    return PairScore(sum(r["bonus"] for r in reasons), reasons, matched, missing, evidence)


def _item(base: Item, similarity: float, pair: PairScore, spread: Spread, language: Language = "zh") -> Item:
    return {
        **base,
        "score": round(spread.score(similarity, pair.bonus), 4),
        "similarity": round(similarity, 4),
        "reasons": pair.reasons,
        "matched_skills": _labels(pair.matched, language),
        "missing_skills": _labels(pair.missing, language),
    }


def _top(items: list[Item], k: int) -> list[Item]:
    items.sort(key=lambda item: (-item["score"], item["id"]))  # ties by id: same order on every replica
    return items[:k]


def occupation_public(doc: TalentDoc | OpportunityDoc) -> dict[str, Any] | None:
    """The document's primary occupation; ``field`` is the document's digital field."""
    occupation = doc.occupation
    if occupation is None:
        return None
    return {"code": occupation.code, "name": occupation.name, "digital": occupation.digital,
            "field": doc.field}


def opportunity_item(opportunity: OpportunityDoc) -> Item:
    return {
        "id": opportunity.id,
        "kind": opportunity.kind.value,
        "title": opportunity.title,
        "organization": opportunity.organization,
        "city": opportunity.city,
        "training_mode": opportunity.training_mode.value if opportunity.training_mode else None,
        "hiring_commitment": opportunity.hiring_commitment,
        "occupation": occupation_public(opportunity),
    }


def talent_item(talent: TalentDoc) -> Item:
    return {
        "id": talent.id,
        "kind": "talent",
        "display_name": talent.display_name,
        "city": talent.city,
        "level": talent.level.value if talent.level else None,
        "years_experience": talent.years_experience,
        "occupation": occupation_public(talent),
    }


def rank_opportunities_explained(talent: TalentDoc, hits: Sequence[tuple[int, float]],
                                 docs: Mapping[int, OpportunityDoc], weights: RankingWeights, k: int, *,
                                 language: Language = "zh") -> Ranked:
    """Opportunities for a talent (or a query posing as one), best first: only those with evidence of fit,
    each re-posted job once, reasons in ``language``."""
    spread = spread_of([sim for i, sim in hits if i in docs])
    pairs = [(i, sim, score_pair(talent, docs[i], weights, similarity=sim, standing=spread.standing(sim),
                                 language=language))
             for i, sim in hits if i in docs]
    evidenced = [(i, sim, pair) for i, sim, pair in pairs if pair.evidence]
    items = [_item(opportunity_item(docs[i]), sim, pair, spread, language) for i, sim, pair in evidenced]
    items.sort(key=lambda item: (-item["score"], item["id"]))  # ties by id: same order on every replica
    keys = {i: duplicate_key(docs[i].organization, docs[i].title, docs[i].city) for i, _, _ in evidenced}
    return Ranked(first_of_each(items, keys)[:k], len(pairs) - len(evidenced))


def rank_opportunities(talent: TalentDoc, hits: Sequence[tuple[int, float]],
                       docs: Mapping[int, OpportunityDoc], weights: RankingWeights, k: int, *,
                       language: Language = "zh") -> list[Item]:
    """The items of ``rank_opportunities_explained``."""
    return rank_opportunities_explained(talent, hits, docs, weights, k, language=language).items


def rank_talents(opportunity: OpportunityDoc, hits: Sequence[tuple[int, float]],
                 docs: Mapping[int, TalentDoc], weights: RankingWeights, k: int) -> list[Item]:
    """Talents for an opportunity (or a query posing as one), best first; those without evidence of fit
    are left out."""
    spread = spread_of([sim for i, sim in hits if i in docs])
    pairs = [(i, sim, score_pair(docs[i], opportunity, weights, similarity=sim, standing=spread.standing(sim)))
             for i, sim in hits if i in docs]
    return _top([_item(talent_item(docs[i]), sim, pair, spread) for i, sim, pair in pairs if pair.evidence], k)
