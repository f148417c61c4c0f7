"""Final ranking: hybrid similarity from the index plus small, explained structured bonuses.

The bonuses are small next to the similarity on purpose: they reorder near-ties (same city,
shared canonical skills, an order-based class that commits to hire) rather than override meaning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.matching.domain.documents import OpportunityDoc, TalentDoc
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
    skill_overlap: float = 0.15  # multiplied by the Jaccard index of canonical skills
    same_city: float = 0.05
    desired_city: float = 0.03  # the opportunity lies in one of the talent's desired cities
    wanted_kind: float = 0.03
    level: float = 0.02  # the talent's level reaches the required one
    hiring_commitment: float = 0.03  # order-based class whose sponsor commits to hire


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


def opportunity_item(opportunity: OpportunityDoc) -> Item:
    return {
        "id": opportunity.id,
        "kind": opportunity.kind.value,
        "title": opportunity.title,
        "organization": opportunity.organization,
        "city": opportunity.city,
        "training_mode": opportunity.training_mode.value if opportunity.training_mode else None,
        "hiring_commitment": opportunity.hiring_commitment,
    }


def talent_item(talent: TalentDoc) -> Item:
    return {
        "id": talent.id,
        "kind": "talent",
        "display_name": talent.display_name,
        "city": talent.city,
        "level": talent.level.value if talent.level else None,
        "years_experience": talent.years_experience,
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
