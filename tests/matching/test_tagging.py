"""Occupation tags and digital fields given to documents at ingest."""

from __future__ import annotations

from services.matching.domain.documents import (
    Occupation,
    OpportunityDoc,
    TalentDoc,
    digital_field_of,
    occupations_for,
    opportunity_document,
    record_tags,
    talent_document,
)
from services.matching.domain.encoders import HybridEncoder
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.domain.state import MatchingState
from shared.events.contracts import OpportunitySnapshot, ProfileSnapshot
from shared.events.vocabulary import OpportunityKind, TrainingMode
from tests.matching.factories import ai_posting, nursing_posting, order_class, profile


def _codes(occupations: tuple[Occupation, ...]) -> list[str]:
    return [o.code for o in occupations]


def _opportunity(snapshot: OpportunitySnapshot, normalizer: OccupationNormalizer) -> OpportunityDoc:
    return opportunity_document(1, snapshot, max_chars=2000, tags=record_tags([snapshot], normalizer=normalizer)[0])[0]


def _talent(snapshot: ProfileSnapshot, normalizer: OccupationNormalizer) -> TalentDoc:
    return talent_document(1, snapshot, max_chars=2000, tags=record_tags([snapshot], normalizer=normalizer)[0])[0]


def test_big_data_posting_is_tagged_with_its_occupation_and_field(occupation_normalizer: OccupationNormalizer,
                                                                  lexical_encoder: HybridEncoder) -> None:
    state = MatchingState(lexical_encoder.dim, normalizer=occupation_normalizer)
    state.apply([ai_posting(1, title="大数据开发工程师", skills=["Spark", "Hadoop", "Python"],
                            description="负责数据仓库与实时计算平台的开发。")], lexical_encoder)
    doc = state.opportunities.docs[1]
    assert doc.occupation is not None
    assert doc.occupation.code == "2-02-38-03" and doc.occupation.name == "大数据工程技术人员"
    assert doc.occupation.digital and doc.occupation.field == "大数据"
    assert doc.field == "大数据"
    assert 1 <= len(doc.occupations) <= 3
    assert all(0 < o.score <= 1 for o in doc.occupations)


def test_explicit_codes_come_first(occupation_normalizer: OccupationNormalizer) -> None:
    posting = ai_posting(2, title="大数据开发工程师", details={"occupation_code": "2-02-38-01"}).opportunity
    doc = _opportunity(posting, occupation_normalizer)
    assert doc.occupations[0].code == "2-02-38-01" and doc.occupations[0].score == 1.0
    assert "2-02-38-03" in _codes(doc.occupations)  # the title's own tag follows
    course = order_class(3, title="工业互联网平台运维订单班",
                         details={"target_occupations": ["2-02-38-06", "9-99-99-99"],
                                  "training_mode": TrainingMode.ORDER_BASED.value}).opportunity
    doc = _opportunity(course, occupation_normalizer)
    assert doc.kind == OpportunityKind.TRAINING_CLASS
    assert doc.occupations[0].code == "2-02-38-06" and doc.field == "工业互联网"
    assert "9-99-99-99" not in _codes(doc.occupations)  # an unknown code is skipped


def test_talent_is_tagged_from_the_lead_of_the_text(occupation_normalizer: OccupationNormalizer) -> None:
    chinese = profile(1, skills=["Spark", "Python"],
                      skills_text="3年大数据开发工程师经验，熟悉Spark、Python，参与过城市数据中台的设计与开发。").profile
    doc = _talent(chinese, occupation_normalizer)
    assert doc.occupation is not None and doc.occupation.code == "2-02-38-03"
    assert doc.field == "大数据"
    english = profile(2, skills=["machine learning", "PyTorch"],
                      skills_text="4 years as a machine learning engineer. Experienced in PyTorch, SQL.").profile
    doc = _talent(english, occupation_normalizer)
    assert doc.occupation is not None and doc.occupation.code == "2-02-38-01"
    assert doc.field == "人工智能"


def test_field_votes_and_empty_text(occupation_normalizer: OccupationNormalizer) -> None:
    assert occupations_for(occupation_normalizer, lead="") == ()
    assert digital_field_of((), ["java", "sql", "linux"]) == "软件开发"  # a tie goes to the first seen
    assert digital_field_of((), ["machine-learning", "python", "sql"]) == "大数据"
    big_data = occupations_for(occupation_normalizer, lead="大数据开发工程师")
    # two votes each: the occupation comes first
    assert digital_field_of(big_data, ["machine-learning", "pytorch"]) == "大数据"
    assert digital_field_of((), []) is None


def test_a_batch_is_tagged_as_each_record_alone(occupation_normalizer: OccupationNormalizer) -> None:
    """``record_tags`` normalizes a whole batch's phrases in one call; the result must not depend on it."""
    snapshots: list[ProfileSnapshot | OpportunitySnapshot] = [
        profile(1, skills_text="5年Java后端开发经验，熟悉Spring Boot与MySQL，参与过支付系统重构。").profile,
        ai_posting(2, title="大数据开发工程师", details={"occupation_code": "2-02-38-01"}).opportunity,
        nursing_posting(3).opportunity,
        profile(4, skills_text="Machine learning engineer: PyTorch, recommender systems, A/B testing.").profile,
        order_class(5).opportunity,
        profile(6, skills_text="").profile,
    ]
    batched = record_tags(snapshots, normalizer=occupation_normalizer)
    assert batched == [record_tags([snapshot], normalizer=occupation_normalizer)[0] for snapshot in snapshots]
    assert _codes(batched[1].occupations)[0] == "2-02-38-01"  # the publisher's code first
    assert batched[5].occupations == ()
