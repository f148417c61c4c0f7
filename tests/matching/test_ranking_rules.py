"""What a served list respects: wanted kinds, evidence of fit, re-posted jobs once, the seeker's language,
and English seekers reaching Chinese postings."""

from __future__ import annotations

from services.matching.domain.encoders import HybridEncoder
from services.matching.domain.language import text_language
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.domain.ranking import RankingWeights
from services.matching.domain.ranking_rules import NO_EVIDENCE, city_label, duplicate_key
from services.matching.domain.state import MatchingState
from services.matching.service import INTERNAL, MatchingService
from shared.events.contracts import OpportunityUpsertedV1, ProfileUpsertedV1
from shared.events.vocabulary import OpportunityKind, TrainingMode
from tests.matching.factories import ai_posting, nursing_posting, order_class, profile


def _service(normalizer: OccupationNormalizer, encoder: HybridEncoder,
             *events: ProfileUpsertedV1 | OpportunityUpsertedV1, weights: RankingWeights | None = None
             ) -> MatchingService:
    state = MatchingState(encoder.dim, normalizer=normalizer)
    state.apply(list(events), encoder)
    return MatchingService(state=state, encoder=encoder, cache=None, weights=weights or RankingWeights())


def test_wanted_kinds_filter_by_default_and_widen_lifts_the_filter(occupation_normalizer: OccupationNormalizer,
        lexical_encoder: HybridEncoder) -> None:
    service = _service(occupation_normalizer, lexical_encoder,
                       profile(1, wanted_kinds=[OpportunityKind.TRAINING_CLASS]),
                       ai_posting(10),  # the closest text, but a job posting
                       order_class(11, title="机器学习订单班", skills=["机器学习", "Python"],
                                   training_mode=TrainingMode.ORDER_BASED))
    narrow = service.recommend_for_talent(1, principal=INTERNAL, k=5).model
    assert [i.id for i in narrow.items] == [11] and narrow.widened is False
    wide = service.recommend_for_talent(1, principal=INTERNAL, k=5, widen=True).model
    assert {i.id for i in wide.items} == {10, 11} and wide.widened is True
    jobs = service.recommend_for_talent(1, principal=INTERNAL, k=5, kind=OpportunityKind.JOB_POSTING).model
    assert [i.id for i in jobs.items] == [10]


def test_items_without_evidence_are_not_padded_in_and_get_no_city_bonus(occupation_normalizer: OccupationNormalizer,
        lexical_encoder: HybridEncoder) -> None:
    service = _service(occupation_normalizer, lexical_encoder, profile(1), ai_posting(10), nursing_posting(11),
                       weights=RankingWeights(evidence_similarity=0.9))
    result = service.recommend_for_talent(1, principal=INTERNAL, k=5).model
    assert [i.id for i in result.items] == [10]  # the nursing post shares no skill, occupation or text
    assert result.note == NO_EVIDENCE["zh"]
    # With every candidate evidenced (a threshold of 0), the nursing post is listed, and its city bonus too.
    everything = _service(occupation_normalizer, lexical_encoder, profile(1), ai_posting(10), nursing_posting(11),
                          weights=RankingWeights(evidence_similarity=0.0)).recommend_for_talent(
        1, principal=INTERNAL, k=5).model
    assert [i.id for i in everything.items] == [10, 11] and everything.note is None


def test_a_reposted_job_appears_once(occupation_normalizer: OccupationNormalizer,
        lexical_encoder: HybridEncoder) -> None:
    service = _service(occupation_normalizer, lexical_encoder, profile(1), ai_posting(10),
                       ai_posting(11, title="机器学习算法工程师（急招）"),
                       ai_posting(12, organization="上海云图科技有限公司"))
    ids = [i.id for i in service.recommend_for_talent(1, principal=INTERNAL, k=5).model.items]
    assert len(ids) == 2 and 12 in ids and len({10, 11} & set(ids)) == 1
    assert duplicate_key("杭州智算科技有限公司", "Java 开发（急招）", "杭州市") == \
        duplicate_key("杭州智算科技有限公司", "java开发", "杭州市")


def test_reasons_follow_the_profile_language_or_the_request(occupation_normalizer: OccupationNormalizer,
        lexical_encoder: HybridEncoder) -> None:
    english = profile(1, display_name="Alice Chen", skills=["machine learning", "Python"],
                      skills_text="Machine learning engineer, three years with Python and PyTorch.")
    service = _service(occupation_normalizer, lexical_encoder, english, profile(2), ai_posting(10))
    result = service.recommend_for_talent(1, principal=INTERNAL, k=3).model
    assert result.language == "en"
    details = [r.detail for r in result.items[0].reasons]
    assert "In your city: Hangzhou" in details
    assert "Skills in common 3/3: machine learning, Python, PyTorch" in details  # PyTorch: from the free text
    assert "A kind you want: job posting" in details
    assert result.items[0].matched_skills == ["machine learning", "Python", "PyTorch"]
    chinese = service.recommend_for_talent(2, principal=INTERNAL, k=3).model
    assert chinese.language == "zh" and "同城：杭州市" in [r.detail for r in chinese.items[0].reasons]
    asked = service.recommend_for_talent(2, principal=INTERNAL, k=3, language="en").model
    assert asked.language == "en" and "In your city: Hangzhou" in [r.detail for r in asked.items[0].reasons]
    assert text_language("Java、SQL、Python 开发工程师，熟悉微服务") == "zh" and city_label("北京市", "en") == "Beijing"


def test_an_english_seeker_reaches_the_chinese_posting_of_its_job(occupation_normalizer: OccupationNormalizer,
        hybrid_encoder: HybridEncoder) -> None:
    analyst = profile(1, display_name="Sam", city="北京市", desired_cities=[], skills=["SQL", "Tableau"],
                      skills_text="Data analyst: SQL queries, Tableau dashboards, business reports.")
    postings = [
        ai_posting(10, title="数据分析师", organization="北京数联科技", city="北京市", skills=["数据分析", "SQL"],
                   description="负责业务数据统计分析与报表，制作可视化看板。"),
        nursing_posting(11, city="北京市"),
        ai_posting(12, title="Java后端开发工程师", organization="北京云栈", city="北京市", skills=["Java", "Spring"],
                   description="负责后端服务开发。"),
    ]
    service = _service(occupation_normalizer, hybrid_encoder, analyst, *postings,
                       weights=RankingWeights(evidence_similarity=0.0))
    items = service.recommend_for_talent(1, principal=INTERNAL, k=3).model.items
    assert items[0].id == 10 and items[0].similarity > max(i.similarity for i in items[1:])
