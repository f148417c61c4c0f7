"""Skill gaps and training paths, on a real state with the lexical encoder."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from services.matching.domain.encoders import HybridEncoder
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.domain.ranking import RankingWeights
from services.matching.domain.state import MatchingState
from services.matching.service import INTERNAL, MatchingService
from shared.errors import NotFoundError, UnprocessableError
from shared.events.contracts import OpportunityUpsertedV1
from shared.events.vocabulary import TrainingMode
from tests.matching.factories import ai_posting, opportunity_deleted, order_class, profile

BIG_DATA = "2-02-38-03"


def _class(record_id: int, skills: list[str], *, mode: TrainingMode, city: str = "成都市",
           **fields: Any) -> OpportunityUpsertedV1:
    return order_class(record_id, title=f"大数据开发{record_id}班", skills=skills, city=city, training_mode=mode,
                       hiring_commitment=mode == TrainingMode.ORDER_BASED, **fields)


@pytest.fixture
def service(occupation_normalizer: OccupationNormalizer, lexical_encoder: HybridEncoder) -> MatchingService:
    state = MatchingState(lexical_encoder.dim, normalizer=occupation_normalizer)
    state.apply([
        profile(1, skills=["Python"], skills_text="两年Python开发经验。", city="杭州市", desired_cities=["上海市"]),
        ai_posting(10, title="大数据开发工程师", skills=["Spark", "Python", "Flink", "Kafka"],
                   details={"occupation_code": BIG_DATA}, description=""),
        ai_posting(11, title="数据仓库工程师", skills=["Spark", "数据仓库", "SQL"],
                   details={"occupation_code": BIG_DATA}, description=""),
        ai_posting(12, title="Hadoop开发工程师", skills=["Spark", "Hadoop"], description=""),
        # training classes for the gap Spark, Flink, Kafka
        _class(20, ["Spark"], mode=TrainingMode.CUSTOM),  # 1/3, elsewhere
        _class(21, ["Spark", "Flink", "Kafka"], mode=TrainingMode.CUSTOM),  # 3/3, elsewhere
        _class(22, ["Spark"], mode=TrainingMode.ORDER_BASED),  # 1/3 but commits to hire
        _class(23, ["Spark", "Flink"], mode=TrainingMode.DIRECTED),  # 2/3, elsewhere
        _class(24, ["Flink", "Kafka"], mode=TrainingMode.DIRECTED, city="上海市"),  # 2/3, a desired city
        _class(25, ["Spark", "Flink"], mode=TrainingMode.DIRECTED, city="杭州市"),  # 2/3, the talent's city
        _class(26, ["Spark", "Flink", "Kafka"], mode=TrainingMode.CUSTOM, open=False),  # closed
        _class(27, ["Spark", "Flink", "Kafka"], mode=TrainingMode.CUSTOM,
               closes_on=date.today() - timedelta(days=1)),  # past its closing date
        _class(28, ["Java"], mode=TrainingMode.ORDER_BASED),  # teaches nothing missing
        ai_posting(30), opportunity_deleted(30, 2),
    ], lexical_encoder)
    return MatchingService(state=state, encoder=lexical_encoder, cache=None, weights=RankingWeights())


def test_gap_for_an_opportunity_orders_the_training_paths(service: MatchingService) -> None:
    gap = service.skill_gap(1, opportunity_id=10, principal=INTERNAL)
    assert gap["target"]["kind"] == "opportunity" and gap["target"]["title"] == "大数据开发工程师"
    assert gap["target"]["occupation"]["code"] == BIG_DATA and gap["target"]["based_on"] == 1
    assert gap["required_skills"] == ["Spark", "Python", "Flink", "Kafka"]
    assert gap["matched_skills"] == ["Python"] and gap["missing_skills"] == ["Spark", "Flink", "Kafka"]
    assert gap["readiness"] == 0.25
    classes = gap["classes"]
    # order-based with a hiring commitment first; then by coverage; then the talent's city, desired cities
    assert [c["id"] for c in classes] == [22, 21, 25, 24, 23, 20]
    first = classes[0]
    assert first["training_mode"] == "order_based" and first["hiring_commitment"] is True
    assert first["closes"] == ["Spark"] and first["coverage"] == pytest.approx(1 / 3, abs=1e-3)
    assert classes[1]["closes"] == ["Spark", "Flink", "Kafka"] and classes[1]["coverage"] == 1.0
    assert [c["location"] for c in classes[2:5]] == ["same_city", "desired_city", "elsewhere"]
    assert len(service.skill_gap(1, opportunity_id=10, k=2, principal=INTERNAL)["classes"]) == 2


def test_gap_for_an_occupation_reads_the_market(service: MatchingService) -> None:
    gap = service.skill_gap(1, occupation=BIG_DATA, principal=INTERNAL)
    target = gap["target"]
    assert target["kind"] == "occupation" and target["opportunity_id"] is None
    assert target["occupation"] == {"code": BIG_DATA, "name": "大数据工程技术人员", "digital": True, "field": "大数据"}
    assert target["based_on"] >= 3  # the two coded postings, the tagged one, and classes aimed at it
    assert gap["required_skills"][0] == "Spark"  # asked by every posting tagged 大数据
    demand = {d["skill"]: d["share"] for d in gap["demand"]}
    assert demand["Spark"] == max(demand.values()) and all(0 < s <= 1 for s in demand.values())
    assert "Python" in gap["matched_skills"] and "Spark" in gap["missing_skills"]
    assert gap["classes"] and gap["classes"][0]["hiring_commitment"] is True


def test_unknown_targets_are_not_found_and_one_target_is_required(service: MatchingService) -> None:
    with pytest.raises(NotFoundError, match="not indexed"):
        service.skill_gap(999, opportunity_id=10, principal=INTERNAL)
    with pytest.raises(NotFoundError, match="not indexed"):
        service.skill_gap(1, opportunity_id=999, principal=INTERNAL)
    with pytest.raises(NotFoundError, match="was deleted"):
        service.skill_gap(1, opportunity_id=30, principal=INTERNAL)
    with pytest.raises(NotFoundError, match="unknown occupation"):
        service.skill_gap(1, occupation="9-99-99-99", principal=INTERNAL)
    with pytest.raises(UnprocessableError):
        service.skill_gap(1, principal=INTERNAL)
    with pytest.raises(UnprocessableError):
        service.skill_gap(1, opportunity_id=10, occupation=BIG_DATA, principal=INTERNAL)
