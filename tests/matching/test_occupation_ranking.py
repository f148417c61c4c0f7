"""The occupation signal in ranking: its bonus, its reason line and the occupation on each item."""

from __future__ import annotations

from services.matching.domain.documents import OpportunityDoc, TalentDoc, occupation_by_code
from services.matching.domain.encoders import HybridEncoder
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.domain.ranking import RankingWeights, rank_opportunities, rank_talents, score_pair
from services.matching.domain.results import OccupationPublic
from services.matching.domain.state import MatchingState
from services.matching.service import INTERNAL, MatchingService
from shared.events.vocabulary import OpportunityKind, SkillLevel
from tests.matching.factories import ai_posting, profile

BIG_DATA = occupation_by_code("2-02-38-03")
AI = occupation_by_code("2-02-38-01")
ONLY_OCCUPATION = RankingWeights(0, 0, 0, 0, 0, 0, same_occupation=0.05, same_field=0.02)


def _talent(**fields: object) -> TalentDoc:
    base: dict[str, object] = dict(id=1, display_name="王敏", city="杭州市", desired_cities=(),
                                   level=SkillLevel.INTERMEDIATE, years_experience=3, skills=("spark",),
                                   wanted_kinds=(OpportunityKind.JOB_POSTING,), open_to_work=True,
                                   occupations=(BIG_DATA,), field="大数据")
    base.update(fields)
    return TalentDoc(**base)  # type: ignore[arg-type]


def _posting(id_: int, **fields: object) -> OpportunityDoc:
    base: dict[str, object] = dict(id=id_, kind=OpportunityKind.JOB_POSTING, title="大数据开发工程师",
                                   organization="数智", city="杭州市", level=None, training_mode=None,
                                   hiring_commitment=False, skills=("spark", "flink"), open=True, closes_on=None,
                                   occupations=(BIG_DATA,), field="大数据")
    base.update(fields)
    return OpportunityDoc(**base)  # type: ignore[arg-type]


def test_same_occupation_then_same_field_then_nothing() -> None:
    same = score_pair(_talent(), _posting(1), ONLY_OCCUPATION)
    assert [r.code for r in same.reasons] == ["same_occupation"]
    assert same.reasons[0].detail == "职业对口：大数据工程技术人员（2-02-38-03）"
    assert same.bonus == 0.05
    field_only = score_pair(_talent(), _posting(2, occupations=(AI,)), ONLY_OCCUPATION)
    assert [(r.code, r.detail) for r in field_only.reasons] == [("same_field", "同属数字领域：大数据")]
    other = score_pair(_talent(), _posting(3, occupations=(AI,), field="人工智能"), ONLY_OCCUPATION)
    assert other.reasons == [] and other.bonus == 0
    untagged = score_pair(_talent(occupations=(), field=None), _posting(4), ONLY_OCCUPATION)
    assert untagged.reasons == []


def test_the_occupation_breaks_a_tie_and_items_carry_it() -> None:
    docs = {1: _posting(1, occupations=(AI,), field="人工智能", organization="智云"), 2: _posting(2)}
    items = rank_opportunities(_talent(), [(1, 0.6), (2, 0.6)], docs, ONLY_OCCUPATION, 2)
    assert [i.id for i in items] == [2, 1]
    assert items[0].occupation == OccupationPublic(code="2-02-38-03", name="大数据工程技术人员", digital=True,
                                                   field="大数据")
    assert items[1].occupation is not None and items[1].occupation.code == "2-02-38-01"
    talents = rank_talents(_posting(2), [(1, 0.5)], {1: _talent()}, ONLY_OCCUPATION, 1)
    assert talents[0].occupation is not None and talents[0].occupation.code == "2-02-38-03"
    assert rank_opportunities(_talent(), [(5, 0.5)], {5: _posting(5, occupations=(), field=None)},
                              ONLY_OCCUPATION, 1)[0].occupation is None


def test_recommendations_explain_the_occupation_match(occupation_normalizer: OccupationNormalizer,
                                                      lexical_encoder: HybridEncoder) -> None:
    state = MatchingState(lexical_encoder.dim, normalizer=occupation_normalizer)
    state.apply([
        profile(1, skills=["Spark", "Python"], skills_text="3年大数据开发工程师经验，熟悉Spark、Hadoop。"),
        ai_posting(10, title="大数据开发工程师", skills=["Spark", "Hadoop"], description="负责数据平台开发。"),
        ai_posting(11),  # 机器学习算法工程师
    ], lexical_encoder)
    service = MatchingService(state=state, encoder=lexical_encoder, cache=None, weights=RankingWeights())
    items = service.recommend_for_talent(1, k=5, principal=INTERNAL).model.items
    assert items[0].id == 10
    assert items[0].occupation is not None
    assert items[0].occupation.code == "2-02-38-03" and items[0].occupation.field == "大数据"
    reasons = {r.code: r.detail for r in items[0].reasons}
    assert reasons["same_occupation"] == "职业对口：大数据工程技术人员（2-02-38-03）"
    assert items[0].matched_skills == ["Spark", "Hadoop"] and items[0].missing_skills == []
    second = next(i for i in items if i.id == 11)
    assert second.occupation is not None and second.occupation.code == "2-02-38-01"
    assert "same_occupation" not in {r.code for r in second.reasons}
    assert second.missing_skills == ["机器学习", "PyTorch"]
    search = service.search_text("大数据开发工程师 Spark", target="opportunities", k=2, principal=INTERNAL).model
    assert "same_occupation" in {r.code for r in search.items[0].reasons}
