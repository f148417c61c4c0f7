from __future__ import annotations

from services.matching.domain.documents import OpportunityDoc, TalentDoc
from services.matching.domain.ranking import RankingWeights, rank_opportunities, rank_talents, score_pair
from shared.events.vocabulary import OpportunityKind, SkillLevel, TrainingMode


def _talent(**fields: object) -> TalentDoc:
    base: dict[str, object] = dict(id=1, display_name="王敏", city="杭州市", desired_cities=("上海市",),
                                   level=SkillLevel.INTERMEDIATE, years_experience=3,
                                   skills=("machine-learning", "python"),
                                   wanted_kinds=(OpportunityKind.TRAINING_CLASS,), open_to_work=True)
    base.update(fields)
    return TalentDoc(**base)  # type: ignore[arg-type]


def _opportunity(**fields: object) -> OpportunityDoc:
    base: dict[str, object] = dict(id=10, kind=OpportunityKind.TRAINING_CLASS, title="人工智能订单班",
                                   organization="智算", city="杭州市", level=SkillLevel.JUNIOR,
                                   training_mode=TrainingMode.ORDER_BASED, hiring_commitment=True,
                                   skills=("machine-learning", "python", "pytorch"), open=True,
                                   closes_on=None)
    base.update(fields)
    return OpportunityDoc(**base)  # type: ignore[arg-type]


def test_reasons_matched_and_missing_skills() -> None:
    weights = RankingWeights(skill_overlap=0.15, same_city=0.05, desired_city=0.03, wanted_kind=0.03, level=0.02,
                             hiring_commitment=0.03)  # every bonus on (the default skill overlap is 0)
    pair = score_pair(_talent(), _opportunity(), weights)
    codes = [r.code for r in pair.reasons]
    assert codes == ["skill_overlap", "same_city", "wanted_kind", "level", "hiring_commitment"]
    assert pair.matched == ["machine-learning", "python"] and pair.missing == ["pytorch"]
    jaccard = 2 / 3
    expected = (weights.skill_overlap * jaccard + weights.same_city + weights.wanted_kind + weights.level
                + weights.hiring_commitment)
    assert abs(pair.bonus - expected) < 1e-3


def test_desired_city_level_short_and_no_commitment() -> None:
    pair = score_pair(_talent(level=SkillLevel.JUNIOR),
                      _opportunity(city="上海市", level=SkillLevel.SENIOR, hiring_commitment=False,
                                   kind=OpportunityKind.JOB_POSTING, skills=("java",)), RankingWeights())
    assert [r.code for r in pair.reasons] == ["desired_city"]
    assert pair.matched == [] and pair.missing == ["java"]


def test_items_have_labels_and_bonuses_reorder_near_ties() -> None:
    near = _opportunity(id=11, city="杭州市")
    far = _opportunity(id=12, city="成都市", skills=("python",), hiring_commitment=False)  # evidence: python
    items = rank_opportunities(_talent(), [(12, 0.60), (11, 0.58)], {11: near, 12: far}, RankingWeights(), 2)
    assert [i.id for i in items] == [11, 12]
    first = items[0]
    assert first.matched_skills == ["机器学习", "Python"] and first.missing_skills == ["PyTorch"]
    assert first.similarity == 0.58 and first.score > first.similarity
    assert {"title", "organization", "city", "kind", "reasons"} <= set(first.model_dump())


def test_talent_items_and_zero_weights() -> None:
    items = rank_talents(_opportunity(), [(1, 0.5)], {1: _talent()}, RankingWeights(0, 0, 0, 0, 0, 0), 5)
    assert items[0].display_name == "王敏" and items[0].kind == "talent"
    assert items[0].reasons == [] and items[0].score == 0.5
    assert items[0].missing_skills == ["PyTorch"]
