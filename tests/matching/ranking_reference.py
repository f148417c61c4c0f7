"""The ranking as it was before candidates were scored without their texts (``ranking._pair``): every
candidate's reasons written, ``pydantic`` models built for each, and every duplicate key computed. Kept only
as the oracle that ``test_ranking_fast_path`` holds the ranking to, item for item."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from services.matching.domain.documents import OpportunityDoc, TalentDoc
from services.matching.domain.fusion import Spread, spread_of
from services.matching.domain.language import Language
from services.matching.domain.ranking import (
    _LEVEL_RANK,
    PairScore,
    Ranked,
    RankingWeights,
    _labels,
    occupation_public,
    shared_occupation,
)
from services.matching.domain.ranking_rules import (
    KIND_NAMES,
    LEVEL_NAMES_EN,
    city_counts,
    city_label,
    describe,
    duplicate_key,
)
from services.matching.domain.results import OpportunityMatch, Reason, TalentMatch
from shared.events.vocabulary import LEVEL_LABELS, TRAINING_MODE_LABELS, TrainingMode


def first_of_each(ids: Iterable[int], key_of: Mapping[int, tuple[str, str, str]]) -> list[int]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for record_id in ids:
        key = key_of.get(record_id)
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        out.append(record_id)
    return out


def _reason(code: str, detail: str, bonus: float) -> Reason:
    return Reason(code=code, detail=detail, bonus=round(bonus, 4))


def _occupation_reason(talent: TalentDoc, opportunity: OpportunityDoc, weights: RankingWeights,
                       language: Language) -> Reason | None:
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
    have = set(talent.skills)
    matched = [s for s in opportunity.skills if s in have]
    missing = [s for s in opportunity.skills if s not in have]
    union = len(have | set(opportunity.skills))
    shared = shared_occupation(talent, opportunity)
    similar = similarity is None or similarity >= weights.evidence_similarity
    evidence = bool(matched) or shared is not None or similar
    reasons: list[Reason] = []
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
    reasons = [r for r in reasons if r.bonus > 0]
    if similarity is not None and similar and not matched and shared is None:
        # The similarity is the only evidence: say so (it is the score itself, no bonus).
        reasons.insert(0, _reason("similar_text", describe("similar_text", language,
                                                           similarity=f"{similarity:.2f}"), 0.0))
    return PairScore(sum(r.bonus for r in reasons), reasons, matched, missing, evidence)


def _best_first(pairs: Iterable[tuple[int, float, PairScore]], spread: Spread) -> list[tuple[int, float, PairScore]]:
    """Evidenced pairs by score, ties by id (the same order on every replica); items are built only for
    those listed."""
    evidenced = [(i, sim, pair) for i, sim, pair in pairs if pair.evidence]
    return sorted(evidenced, key=lambda p: (-_score(p[1], p[2], spread), p[0]))


def _score(similarity: float, pair: PairScore, spread: Spread) -> float:
    return round(spread.score(similarity, pair.bonus), 4)


def opportunity_match(opportunity: OpportunityDoc, similarity: float, pair: PairScore, spread: Spread, *,
                      language: Language = "zh") -> OpportunityMatch:
    return OpportunityMatch(
        id=opportunity.id,
        kind=opportunity.kind.value,
        title=opportunity.title,
        organization=opportunity.organization,
        city=opportunity.city,
        training_mode=opportunity.training_mode.value if opportunity.training_mode else None,
        hiring_commitment=opportunity.hiring_commitment,
        occupation=occupation_public(opportunity),
        score=_score(similarity, pair, spread),
        similarity=round(similarity, 4),
        reasons=pair.reasons,
        matched_skills=_labels(pair.matched, language),
        missing_skills=_labels(pair.missing, language),
    )


def talent_match(talent: TalentDoc, similarity: float, pair: PairScore, spread: Spread) -> TalentMatch:
    return TalentMatch(
        id=talent.id,
        kind="talent",
        display_name=talent.display_name,
        city=talent.city,
        level=talent.level.value if talent.level else None,
        years_experience=talent.years_experience,
        occupation=occupation_public(talent),
        score=_score(similarity, pair, spread),
        similarity=round(similarity, 4),
        reasons=pair.reasons,
        matched_skills=_labels(pair.matched),
        missing_skills=_labels(pair.missing),
    )


def rank_opportunities_explained(talent: TalentDoc, hits: Sequence[tuple[int, float]],
                                 docs: Mapping[int, OpportunityDoc], weights: RankingWeights, k: int, *,
                                 language: Language = "zh") -> Ranked:
    """Opportunities for a talent (or a query posing as one), best first: only those with evidence of fit,
    each re-posted job once, reasons in ``language``."""
    spread = spread_of([sim for i, sim in hits if i in docs])
    pairs = [(i, sim, score_pair(talent, docs[i], weights, similarity=sim, standing=spread.standing(sim),
                                 language=language))
             for i, sim in hits if i in docs]
    ranked = _best_first(pairs, spread)
    keys = {i: duplicate_key(docs[i].organization, docs[i].title, docs[i].city) for i, _, _ in ranked}
    listed = set(first_of_each([i for i, _, _ in ranked], keys)[:k])
    items = [opportunity_match(docs[i], sim, pair, spread, language=language)
             for i, sim, pair in ranked if i in listed]
    return Ranked(items, len(pairs) - len(ranked))


def rank_talents(opportunity: OpportunityDoc, hits: Sequence[tuple[int, float]],
                 docs: Mapping[int, TalentDoc], weights: RankingWeights, k: int) -> list[TalentMatch]:
    """Talents for an opportunity (or a query posing as one), best first; those without evidence of fit
    are left out."""
    spread = spread_of([sim for i, sim in hits if i in docs])
    pairs = [(i, sim, score_pair(docs[i], opportunity, weights, similarity=sim, standing=spread.standing(sim)))
             for i, sim in hits if i in docs]
    return [talent_match(docs[i], sim, pair, spread) for i, sim, pair in _best_first(pairs, spread)[:k]]
