"""Bonuses counted against the query's own candidates: the city breaks ties among comparable items and never
lifts a weak in-town one over a relevant one elsewhere; canonical skills carry an English seeker to a Chinese
posting when the dense similarities are compressed."""

from __future__ import annotations

import math

from services.matching.domain.documents import OpportunityDoc, TalentDoc
from services.matching.domain.fusion import MIN_SPREAD, spread_of
from services.matching.domain.ranking import RankingWeights, rank_opportunities
from services.matching.domain.ranking_rules import city_counts
from shared.events.vocabulary import OpportunityKind

CITY_ONLY = RankingWeights(skill_overlap=0.0, same_city=1.5, desired_city=1.5, wanted_kind=0.0, level=0.0,
                           hiring_commitment=0.0, same_occupation=0.0, city_min_standing=0.5,
                           evidence_similarity=0.0)


def _talent(**fields: object) -> TalentDoc:
    base: dict[str, object] = dict(id=1, display_name="seeker", city="杭州市", desired_cities=(), level=None,
                                   years_experience=0, skills=("spark", "hadoop"),
                                   wanted_kinds=(OpportunityKind.JOB_POSTING,), open_to_work=True)
    base.update(fields)
    return TalentDoc(**base)  # type: ignore[arg-type]


def _posting(record_id: int, *, city: str, skills: tuple[str, ...] = (), title: str = "岗位") -> OpportunityDoc:
    return OpportunityDoc(id=record_id, kind=OpportunityKind.JOB_POSTING, title=title, organization=f"机构{record_id}",
                          city=city, level=None, training_mode=None, hiring_commitment=False, skills=skills,
                          open=True, closes_on=None)


def _fillers(count: int, low: float, high: float) -> list[tuple[int, float]]:
    """Candidates 100.. spread evenly over [low, high], in another city."""
    return [(100 + n, low + (high - low) * n / (count - 1)) for n in range(count)]


def test_spread_and_standing() -> None:
    spread = spread_of([0.9, 0.8, 0.7])
    assert math.isclose(spread.mean, 0.8) and math.isclose(spread.std, math.sqrt(0.02 / 3))
    standing = spread.standing(0.9)
    assert standing is not None and math.isclose(standing, 0.1 / spread.std)
    assert math.isclose(spread.score(0.7, 2.0), 0.7 + 2 * spread.std)  # a bonus counts in standard deviations
    assert spread_of([0.85, 0.85]).std == MIN_SPREAD  # identical candidates: the floor, not a division by 0
    assert spread_of([0.85]).standing(0.85) is None  # a lone candidate has nothing to stand against


def test_city_needs_evidence_and_standing() -> None:
    assert city_counts(evidence=True, standing=None, min_standing=0.5)
    assert city_counts(evidence=True, standing=0.5, min_standing=0.5)
    assert not city_counts(evidence=True, standing=0.4, min_standing=0.5)
    assert not city_counts(evidence=False, standing=3.0, min_standing=0.5)


def test_a_relevant_out_of_town_item_stays_above_an_unrelated_in_town_one() -> None:
    # Compressed similarities, as the dense model gives real postings: 40 candidates within 0.03.
    hits = [*_fillers(40, 0.870, 0.900), (1, 0.899), (2, 0.884)]
    docs = {i: _posting(i, city="成都市") for i, _ in hits}
    docs[1] = _posting(1, city="成都市", skills=("spark", "hadoop"))  # relevant, out of town, near the top
    docs[2] = _posting(2, city="杭州市", skills=("nursing",))  # unrelated, in town, middling similarity
    items = rank_opportunities(_talent(), hits, docs, CITY_ONLY, 50)
    order = [item["id"] for item in items]
    assert order.index(1) < order.index(2)
    unrelated = next(item for item in items if item["id"] == 2)
    assert all(r["code"] != "same_city" for r in unrelated["reasons"])  # below the standing: no city bonus
    # A fixed bonus of 0.04 (the previous default) would have put it 0.009 above the relevant one.
    assert 0.884 + 0.04 > 0.899 + 0.009


def test_the_city_breaks_ties_among_comparable_items() -> None:
    hits = [*_fillers(40, 0.870, 0.900), (1, 0.899), (2, 0.897)]
    docs = {i: _posting(i, city="成都市") for i, _ in hits}
    docs[2] = _posting(2, city="杭州市")  # as strong as 1 (both well above the mean), and in town
    items = rank_opportunities(_talent(), hits, docs, CITY_ONLY, 3)
    assert items[0]["id"] == 2 and "same_city" in [r["code"] for r in items[0]["reasons"]]


def test_an_english_seeker_reaches_the_chinese_posting_of_its_skills() -> None:
    # The dense model puts an unrelated Chinese posting marginally first; the canonical skills the English
    # profile and the Chinese posting share ("Spark", "Hadoop" ↔ their Chinese labels) decide.
    english = _talent(language="en", city="上海市")
    hits = [*_fillers(30, 0.860, 0.880), (1, 0.8805), (2, 0.8810)]
    docs = {i: _posting(i, city="北京市") for i, _ in hits}
    docs[1] = _posting(1, city="北京市", skills=("spark", "hadoop", "sql"), title="大数据开发工程师")
    docs[2] = _posting(2, city="北京市", skills=("accounting",), title="财务会计")
    items = rank_opportunities(english, hits, docs, RankingWeights(), 3, language="en")
    assert items[0]["id"] == 1
    assert items[0]["matched_skills"] == ["Apache Spark", "Hadoop"]
    assert items[0]["reasons"][0]["detail"] == "Skills in common 2/3: Apache Spark, Hadoop"
