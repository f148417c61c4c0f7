"""Final ranking: hybrid similarity from the index plus explained structured bonuses.

Matching is reciprocal: the talent's wishes (city and desired cities, wanted kinds) count as well as what
the opportunity asks (skills, level, occupation). Every bonus is a setting (``MATCHING_BONUS_*``); the
defaults were measured with ``python -m bench.eval_matching --tune``: the seeker's cities and wanted kinds
weigh like a good part of the similarity (near-requirements), the same primary occupation breaks near-ties,
and the skill-overlap and same-field bonuses are off (the similarity already carries skills and field).
Only hits the index returned are ranked, so no bonus lifts an unrelated opportunity from nowhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.matching.domain.documents import Occupation, OpportunityDoc, TalentDoc
from shared.events.vocabulary import (
    LEVEL_LABELS,
    TRAINING_MODE_LABELS,
    OpportunityKind,
    SkillLevel,
    TrainingMode,
)
from shared.reference.skills import skill_label

KIND_LABELS = {
    OpportunityKind.JOB_POSTING: "招聘岗位",
    OpportunityKind.TRAINING_CLASS: "培训班",
    OpportunityKind.INCUBATOR_PROGRAM: "孵化项目",
    OpportunityKind.INDUSTRIAL_PARK: "产业园区",
}
_LEVEL_RANK = {SkillLevel.JUNIOR: 1, SkillLevel.INTERMEDIATE: 2, SkillLevel.SENIOR: 3}

Item = dict[str, Any]


@dataclass(frozen=True)
class RankingWeights:
    # The defaults equal those of ``MatchingSettings`` (``MATCHING_BONUS_*``).
    skill_overlap: float = 0.1  # multiplied by the Jaccard index of canonical skills
    same_city: float = 0.04
    desired_city: float = 0.04  # the opportunity lies in one of the talent's desired cities
    wanted_kind: float = 0.12
    level: float = 0.02  # the talent's level reaches the required one
    hiring_commitment: float = 0.03  # order-based class whose sponsor commits to hire
    same_occupation: float = 0.03  # both sides have the same primary occupation
    same_field: float = 0.0  # otherwise: both lie in the same digital field


@dataclass(frozen=True)
class PairScore:
    bonus: float
    reasons: list[dict[str, Any]]
    matched: list[str]  # skill ids of the opportunity the talent has
    missing: list[str]  # skill ids of the opportunity the talent lacks


def _reason(code: str, detail: str, bonus: float) -> dict[str, Any]:
    return {"code": code, "detail": detail, "bonus": round(bonus, 4)}


def _labels(skill_ids: Sequence[str]) -> list[str]:
    return [skill_label(s) for s in skill_ids]


def shared_occupation(talent: TalentDoc, opportunity: OpportunityDoc) -> Occupation | None:
    """The primary occupation, when both sides have the same one."""
    mine, theirs = talent.occupation, opportunity.occupation
    return mine if mine is not None and theirs is not None and mine.code == theirs.code else None


def _occupation_reason(talent: TalentDoc, opportunity: OpportunityDoc,
                       weights: RankingWeights) -> dict[str, Any] | None:
    shared = shared_occupation(talent, opportunity)
    if shared is not None:
        return _reason("same_occupation", f"职业对口：{shared.name}（{shared.code}）", weights.same_occupation)
    if talent.field and talent.field == opportunity.field:
        return _reason("same_field", f"同属数字领域：{talent.field}", weights.same_field)
    return None


def score_pair(talent: TalentDoc, opportunity: OpportunityDoc, weights: RankingWeights) -> PairScore:
    """The structured bonuses of one talent–opportunity pair, each with its reason."""
    have = set(talent.skills)
    matched = [s for s in opportunity.skills if s in have]
    missing = [s for s in opportunity.skills if s not in have]
    union = len(have | set(opportunity.skills))
    reasons: list[dict[str, Any]] = []
    if matched and weights.skill_overlap:
        jaccard = len(matched) / union
        reasons.append(_reason("skill_overlap", f"技能重合 {len(matched)}/{len(opportunity.skills)}："
                               + "、".join(_labels(matched)), weights.skill_overlap * jaccard))
    occupation = _occupation_reason(talent, opportunity, weights)
    if occupation is not None:
        reasons.append(occupation)
    if talent.city and opportunity.city == talent.city:
        reasons.append(_reason("same_city", f"同城：{opportunity.city}", weights.same_city))
    elif opportunity.city in talent.desired_cities:
        reasons.append(_reason("desired_city", f"意向城市：{opportunity.city}", weights.desired_city))
    if opportunity.kind in talent.wanted_kinds:
        reasons.append(_reason("wanted_kind", f"意向类型：{KIND_LABELS[opportunity.kind]}",
                               weights.wanted_kind))
    if (opportunity.level is not None and talent.level is not None
            and _LEVEL_RANK[talent.level] >= _LEVEL_RANK[opportunity.level]):
        reasons.append(_reason("level", f"级别达到要求：{LEVEL_LABELS[talent.level]}"
                               f"（要求{LEVEL_LABELS[opportunity.level]}）", weights.level))
    if opportunity.training_mode == TrainingMode.ORDER_BASED and opportunity.hiring_commitment:
        reasons.append(_reason("hiring_commitment",
                               f"{TRAINING_MODE_LABELS[TrainingMode.ORDER_BASED]}，结业承诺录用",
                               weights.hiring_commitment))
    reasons = [r for r in reasons if r["bonus"] > 0]
    return PairScore(sum(r["bonus"] for r in reasons), reasons, matched, missing)


def _item(base: Item, similarity: float, pair: PairScore) -> Item:
    return {
        **base,
        "score": round(similarity + pair.bonus, 4),
        "similarity": round(similarity, 4),
        "reasons": pair.reasons,
        "matched_skills": _labels(pair.matched),
        "missing_skills": _labels(pair.missing),
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


def rank_opportunities(talent: TalentDoc, hits: Sequence[tuple[int, float]],
                       docs: Mapping[int, OpportunityDoc], weights: RankingWeights, k: int) -> list[Item]:
    """Opportunities for a talent (or a query posing as one), best first."""
    items = [_item(opportunity_item(docs[i]), sim, score_pair(talent, docs[i], weights))
             for i, sim in hits if i in docs]
    return _top(items, k)


def rank_talents(opportunity: OpportunityDoc, hits: Sequence[tuple[int, float]],
                 docs: Mapping[int, TalentDoc], weights: RankingWeights, k: int) -> list[Item]:
    """Talents for an opportunity (or a query posing as one), best first."""
    items = [_item(talent_item(docs[i]), sim, score_pair(docs[i], opportunity, weights))
             for i, sim in hits if i in docs]
    return _top(items, k)
