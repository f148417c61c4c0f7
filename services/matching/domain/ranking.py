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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

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
from services.matching.domain.results import OccupationPublic, OpportunityMatch, Reason, TalentMatch
from shared.events.vocabulary import (
    LEVEL_LABELS,
    TRAINING_MODE_LABELS,
    SkillLevel,
    TrainingMode,
)
from shared.reference.skills import skill_label

_LEVEL_RANK = {SkillLevel.JUNIOR: 1, SkillLevel.INTERMEDIATE: 2, SkillLevel.SENIOR: 3}
KIND_LABELS = KIND_NAMES["zh"]


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
    reasons: list[Reason]
    matched: list[str]  # skill ids of the opportunity the talent has
    missing: list[str]  # skill ids of the opportunity the talent lacks
    evidence: bool = True  # a matched skill, the same occupation or a strong similarity


@dataclass(frozen=True, slots=True)
class _Pair:
    """What ranking needs of a pair: its bonus, its evidence and which reasons earned the bonus, as
    (code, rounded bonus) in the order they are listed. Their texts are written only for the items a
    list shows (``_explained``): most candidates are scored and never shown."""

    bonus: float
    earned: tuple[tuple[str, float], ...]
    matched: list[str]
    missing: list[str]
    evidence: bool
    similarity: float | None


@dataclass(frozen=True)
class Ranked:
    items: list[OpportunityMatch]
    without_evidence: int  # candidates left out for want of any evidence of fit


def _labels(skill_ids: Sequence[str], language: Language = "zh") -> list[str]:
    return [skill_label(s, lang=language) for s in skill_ids]


def shared_occupation(talent: TalentDoc, opportunity: OpportunityDoc) -> Occupation | None:
    """The primary occupation, when both sides have the same one."""
    mine, theirs = talent.occupation, opportunity.occupation
    return mine if mine is not None and theirs is not None and mine.code == theirs.code else None


def _pair(talent: TalentDoc, have: frozenset[str] | set[str], opportunity: OpportunityDoc, weights: RankingWeights,
          similarity: float | None, standing: float | None) -> _Pair:
    """``score_pair`` without the texts; ``have``: the talent's skills as a set (made once per query)."""
    matched = [s for s in opportunity.skills if s in have]
    missing = [s for s in opportunity.skills if s not in have]
    shared = shared_occupation(talent, opportunity)
    similar = similarity is None or similarity >= weights.evidence_similarity
    evidence = bool(matched) or shared is not None or similar
    earned: list[tuple[str, float]] = []
    if matched and weights.skill_overlap:
        union = len(have | set(opportunity.skills))
        earned.append(("skill_overlap", weights.skill_overlap * len(matched) / union))
    if shared is not None:
        earned.append(("same_occupation", weights.same_occupation))
    elif talent.field and talent.field == opportunity.field:
        earned.append(("same_field", weights.same_field))
    local = city_counts(evidence=evidence, standing=standing, min_standing=weights.city_min_standing)
    if local and talent.city and opportunity.city == talent.city:
        earned.append(("same_city", weights.same_city))
    elif local and opportunity.city in talent.desired_cities:
        earned.append(("desired_city", weights.desired_city))
    if opportunity.kind in talent.wanted_kinds:
        earned.append(("wanted_kind", weights.wanted_kind))
    if (opportunity.level is not None and talent.level is not None
            and _LEVEL_RANK[talent.level] >= _LEVEL_RANK[opportunity.level]):
        earned.append(("level", weights.level))
    if opportunity.training_mode == TrainingMode.ORDER_BASED and opportunity.hiring_commitment:
        earned.append(("hiring_commitment", weights.hiring_commitment))
    rounded = [(code, float(round(bonus, 4))) for code, bonus in earned]  # as a ``Reason`` holds its bonus
    rounded = [(code, bonus) for code, bonus in rounded if bonus > 0]
    if similarity is not None and similar and not matched and shared is None:
        rounded.insert(0, ("similar_text", 0.0))  # the similarity is the only evidence: said, no bonus
    return _Pair(sum(bonus for _, bonus in rounded), tuple(rounded), matched, missing, evidence, similarity)


def _detail(code: str, talent: TalentDoc, opportunity: OpportunityDoc, pair: _Pair, language: Language) -> str:
    """The text of one earned reason in ``language``."""
    if code == "skill_overlap":
        return describe(code, language, matched=len(pair.matched), required=len(opportunity.skills),
                        skills=("、" if language == "zh" else ", ").join(_labels(pair.matched, language)))
    if code == "same_occupation":
        shared = shared_occupation(talent, opportunity)
        assert shared is not None
        return describe(code, language, name=shared.name, code=shared.code)
    if code == "same_field":
        return describe(code, language, field=talent.field)
    if code in ("same_city", "desired_city"):
        return describe(code, language, city=city_label(opportunity.city, language))
    if code == "wanted_kind":
        return describe(code, language, kind=KIND_NAMES[language][opportunity.kind])
    if code == "level":
        assert talent.level is not None and opportunity.level is not None
        names = LEVEL_LABELS if language == "zh" else LEVEL_NAMES_EN
        return describe(code, language, have=names[talent.level], need=names[opportunity.level])
    if code == "hiring_commitment":
        return describe(code, language, mode=TRAINING_MODE_LABELS[TrainingMode.ORDER_BASED])
    return describe(code, language, similarity=f"{pair.similarity:.2f}")  # similar_text


def _explained(talent: TalentDoc, opportunity: OpportunityDoc, pair: _Pair, language: Language) -> PairScore:
    """``pair`` with the texts of its reasons, for an item that is listed."""
    reasons = [Reason(code=code, detail=_detail(code, talent, opportunity, pair, language), bonus=bonus)
               for code, bonus in pair.earned]
    return PairScore(pair.bonus, reasons, pair.matched, pair.missing, pair.evidence)


def score_pair(talent: TalentDoc, opportunity: OpportunityDoc, weights: RankingWeights, *,
               similarity: float | None = None, standing: float | None = None,
               language: Language = "zh") -> PairScore:
    """The structured bonuses of one talent–opportunity pair, each with its reason in ``language``.

    Without evidence of fit (a matched skill, the same occupation, or ``similarity`` of at least
    ``weights.evidence_similarity``; a pair scored without a similarity counts as evidenced) the city
    bonuses do not apply, nor for a pair whose ``standing`` among its query's candidates (``fusion``) is
    below ``weights.city_min_standing``: a seeker's city only breaks ties among comparable items.
    """
    pair = _pair(talent, set(talent.skills), opportunity, weights, similarity, standing)
    return _explained(talent, opportunity, pair, language)


def _best_first(pairs: Iterable[tuple[int, float, _Pair]], spread: Spread) -> list[tuple[int, float, _Pair]]:
    """Evidenced pairs by score, ties by id (the same order on every replica); items are built only for
    those listed."""
    evidenced = [(i, sim, pair) for i, sim, pair in pairs if pair.evidence]
    return sorted(evidenced, key=lambda p: (-_score(p[1], p[2].bonus, spread), p[0]))


def _score(similarity: float, bonus: float, spread: Spread) -> float:
    return round(spread.score(similarity, bonus), 4)


def occupation_public(doc: TalentDoc | OpportunityDoc) -> OccupationPublic | None:
    """The document's primary occupation; ``field`` is the document's digital field."""
    occupation = doc.occupation
    if occupation is None:
        return None
    return OccupationPublic(code=occupation.code, name=occupation.name, digital=occupation.digital, field=doc.field)


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
        score=_score(similarity, pair.bonus, spread),
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
        score=_score(similarity, pair.bonus, spread),
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
    have = frozenset(talent.skills)
    pairs = [(i, sim, _pair(talent, have, docs[i], weights, sim, spread.standing(sim))) for i, sim in hits if i in docs]
    ranked = _best_first(pairs, spread)
    listed = first_of_each(ranked, lambda p: duplicate_key(docs[p[0]].organization, docs[p[0]].title,
                                                           docs[p[0]].city), limit=k)
    items = [opportunity_match(docs[i], sim, _explained(talent, docs[i], pair, language), spread, language=language)
             for i, sim, pair in listed]
    return Ranked(items, len(pairs) - len(ranked))


def rank_opportunities(talent: TalentDoc, hits: Sequence[tuple[int, float]],
                       docs: Mapping[int, OpportunityDoc], weights: RankingWeights, k: int, *,
                       language: Language = "zh") -> list[OpportunityMatch]:
    """The items of ``rank_opportunities_explained``."""
    return rank_opportunities_explained(talent, hits, docs, weights, k, language=language).items


def rank_talents(opportunity: OpportunityDoc, hits: Sequence[tuple[int, float]],
                 docs: Mapping[int, TalentDoc], weights: RankingWeights, k: int) -> list[TalentMatch]:
    """Talents for an opportunity (or a query posing as one), best first; those without evidence of fit
    are left out."""
    spread = spread_of([sim for i, sim in hits if i in docs])
    pairs = [(i, sim, _pair(docs[i], set(docs[i].skills), opportunity, weights, sim, spread.standing(sim)))
             for i, sim in hits if i in docs]
    return [talent_match(docs[i], sim, _explained(docs[i], opportunity, pair, "zh"), spread)
            for i, sim, pair in _best_first(pairs, spread)[:k]]
