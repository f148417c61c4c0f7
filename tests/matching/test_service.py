from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.matching.domain.encoders import HybridEncoder
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.domain.ranking import RankingWeights
from services.matching.domain.state import MatchingState
from services.matching.service import INTERNAL, MatchingService
from shared.auth import Principal
from shared.errors import ForbiddenError, NotFoundError, UnprocessableError
from shared.events.vocabulary import OpportunityKind, TrainingMode
from tests.matching.factories import (
    ai_posting,
    nursing_posting,
    opportunity_deleted,
    order_class,
    profile,
)


@pytest.fixture
def service(occupation_normalizer: OccupationNormalizer, hybrid_encoder: HybridEncoder) -> MatchingService:
    state = MatchingState(hybrid_encoder.dim, normalizer=occupation_normalizer)
    state.apply([
        profile(1),
        profile(2, display_name="李娜", skills=["护理"], skills_text="五年病房护理经验", city="宁波市",
                desired_cities=["杭州市"]),
        profile(3, display_name="张伟", open_to_work=False),
        ai_posting(10),
        nursing_posting(11),
        order_class(12),
        ai_posting(13, title="机器学习工程师（已招满）", open=False),
        ai_posting(14, title="机器学习工程师（已截止）", closes_on=date.today() - timedelta(days=1)),
        ai_posting(15, city="上海市", organization="上海智算"),
        ai_posting(16), opportunity_deleted(16, 2),
    ], hybrid_encoder)
    return MatchingService(state=state, encoder=hybrid_encoder, cache=None, weights=RankingWeights())


def test_chinese_profile_gets_the_ai_posting_before_nursing(service: MatchingService) -> None:
    result = service.recommend_for_talent(1, k=10, widen=True, principal=INTERNAL).model  # the class too: it wants jobs
    ids = [item.id for item in result.items]
    assert ids[0] == 10
    assert ids.index(12) > 0 and 11 not in ids  # nursing shows no evidence of fit: not padded in
    assert 13 not in ids and 14 not in ids and 16 not in ids  # closed, past closing date, deleted
    assert result.cached is False and result.generation == 11


def test_filters(service: MatchingService) -> None:
    by_city = service.recommend_for_talent(1, k=10, city="上海", principal=INTERNAL).model
    assert [i.id for i in by_city.items] == [15]
    by_kind = service.recommend_for_talent(1, k=10, kind=OpportunityKind.TRAINING_CLASS, principal=INTERNAL).model
    assert [i.id for i in by_kind.items] == [12]
    by_mode = service.recommend_for_talent(1, k=10, training_mode=TrainingMode.DIRECTED, principal=INTERNAL).model
    assert by_mode.items == []
    assert len(service.recommend_for_talent(1, k=2, principal=INTERNAL).model.items) == 2


def test_shortlist_skips_talents_not_open_to_work(service: MatchingService) -> None:
    result = service.shortlist_for_opportunity(10, k=10, principal=INTERNAL).model
    ids = [i.id for i in result.items]
    assert ids[0] == 1 and 3 not in ids
    assert result.items[0].missing_skills == ["PyTorch"]
    # 李娜 wants to work in 杭州
    nursing = service.shortlist_for_opportunity(11, k=10, city="杭州市", principal=INTERNAL).model
    assert nursing.items[0].id == 2


def test_unknown_and_deleted_ids_are_not_found(service: MatchingService) -> None:
    with pytest.raises(NotFoundError, match="not indexed"):
        service.recommend_for_talent(999, principal=INTERNAL)
    with pytest.raises(NotFoundError, match="was deleted"):
        service.shortlist_for_opportunity(16, principal=INTERNAL)


def test_search_text_both_ways(service: MatchingService) -> None:
    jobs = service.search_text("护士 病房护理", target="opportunities", k=3, principal=INTERNAL).model
    assert jobs.items[0].id == 11
    people = service.search_text("机器学习 Python 工程师", target="talents", k=3, principal=INTERNAL).model
    assert people.items[0].id == 1 and people.query_skills == ["机器学习", "Python"]
    english = service.search_text("machine learning engineer", target="opportunities", k=3, principal=INTERNAL).model
    assert {i.id for i in english.items} <= {10, 12, 15}  # the English-only model meets 机器学习


def test_bad_city_and_blank_text_are_unprocessable(service: MatchingService) -> None:
    with pytest.raises(UnprocessableError) as err:
        service.recommend_for_talent(1, city="Atlantis", principal=INTERNAL)
    assert err.value.field == "city"
    with pytest.raises(UnprocessableError):
        service.search_text("   ", target="talents", principal=INTERNAL)


def test_each_use_case_checks_the_caller_against_the_owner(service: MatchingService) -> None:
    seeker, stranger = Principal("seeker-1", "seeker"), Principal("seeker-2", "seeker")
    enterprise, operator = Principal("ent-10", "enterprise"), Principal("op-1", "operator")
    assert service.recommend_for_talent(1, principal=seeker).model.items
    assert service.skill_gap(1, opportunity_id=11, principal=seeker).model.talent_id == 1
    for caller, refusal in ((stranger, NotFoundError), (enterprise, ForbiddenError)):  # another seeker's: as unknown
        with pytest.raises(refusal):
            service.recommend_for_talent(1, principal=caller)
        with pytest.raises(refusal):
            service.skill_gap(1, opportunity_id=11, principal=caller)
    with pytest.raises(NotFoundError):  # unknown stays 404 for everyone
        service.recommend_for_talent(999, principal=seeker)
    assert service.shortlist_for_opportunity(10, principal=enterprise).model.items
    assert service.shortlist_for_opportunity(11, principal=operator).model.opportunity_id == 11
    for caller in (Principal("ent-11", "enterprise"), seeker):
        with pytest.raises(ForbiddenError):
            service.shortlist_for_opportunity(10, principal=caller)
    assert service.search_text("护理", target="opportunities", principal=seeker).model.items
    with pytest.raises(ForbiddenError):
        service.search_text("护理", target="talents", principal=seeker)
    assert service.search_text("护理", target="talents", principal=enterprise).model.target == "talents"


def test_feedback_is_about_the_callers_own_record(service: MatchingService) -> None:
    def authorize(principal: Principal, talent: int, opportunity: int, actor: str) -> None:
        service.authorize_feedback(talent_id=talent, opportunity_id=opportunity, actor_role=actor,
                                   principal=principal)

    authorize(Principal("seeker-1", "seeker"), 1, 11, "seeker")
    authorize(Principal("ent-11", "enterprise"), 2, 11, "enterprise")
    authorize(Principal("svc-1", "service"), 999, 999, "enterprise")  # relayed; not checked against the index
    with pytest.raises(NotFoundError):  # another seeker's talent is answered like an unknown one
        authorize(Principal("seeker-2", "seeker"), 1, 11, "seeker")
    refused = [(Principal("seeker-1", "seeker"), 1, 11, "enterprise"),
               (Principal("ent-10", "enterprise"), 1, 11, "enterprise"),
               (Principal("op-1", "operator"), 1, 11, "seeker")]
    for principal, talent, opportunity, actor in refused:
        with pytest.raises(ForbiddenError):
            authorize(principal, talent, opportunity, actor)
    with pytest.raises(NotFoundError):
        authorize(Principal("seeker-999", "seeker"), 999, 11, "seeker")
