"""The ranking scores every candidate without writing its reasons and builds items only for those listed;
these tests hold it to the previous path (``ranking_reference``), item for item, on a demo state."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.matching.domain.encoders import HybridEncoder
from services.matching.domain.language import Language
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.domain.ranking import (
    RankingWeights,
    rank_opportunities_explained,
    rank_talents,
    score_pair,
)
from services.matching.domain.state import MatchingState
from services.matching.service import INTERNAL, MatchingService
from shared.events.contracts import OpportunityUpsertedV1
from shared.events.vocabulary import OpportunityKind
from tests.matching import ranking_reference as before
from tests.matching.factories import demo_events

WEIGHTS = {
    "defaults": RankingWeights(),
    # the similarity alone is evidence far more often (the lexical channel's cosines are low)
    "similar": RankingWeights(evidence_similarity=0.3, same_field=0.7, city_min_standing=-1.0),
    "integers": RankingWeights(skill_overlap=1, same_city=2, desired_city=1, wanted_kind=0, level=3,
                               hiring_commitment=0, same_occupation=1, same_field=1, evidence_similarity=0.5),
}
KS = (1, 2, 5, 10, 37, 100)
LANGUAGES: tuple[Language, ...] = ("zh", "en")


@pytest.fixture(scope="module")
def state(lexical_encoder: HybridEncoder, occupation_normalizer: OccupationNormalizer) -> MatchingState:
    events: list[Any] = demo_events(profiles=60, opportunities=90)
    reposts = [e.model_copy(update={"record_id": 1000 + e.record_id, "opportunity": e.opportunity.model_copy(
        update={"title": f"{e.opportunity.title}（急招）"})}) for e in events[:40]
        if isinstance(e, OpportunityUpsertedV1)]  # the same jobs re-posted: listed once
    state = MatchingState(lexical_encoder.dim, normalizer=occupation_normalizer)
    state.apply([*events, *reposts], lexical_encoder)
    return state


def _dump(items: list[Any]) -> list[dict[str, Any]]:
    return [item.model_dump() for item in items]


def test_recommendations_equal_the_previous_path(state: MatchingState) -> None:
    docs, today, codes = state.opportunities.docs, date.today(), set()
    for talent_id, talent in state.talents.docs.items():
        vector = state.talents.index.vector(talent_id)
        assert vector is not None
        for pool in (MatchingService._candidates(1), MatchingService._candidates(100)):
            hits = state.opportunities.index.search(vector, pool, allowed=lambda i: docs[i].accepting(today))
            for (name, weights), k, language in ((w, k, lang) for w in WEIGHTS.items() for k in KS
                                                 for lang in LANGUAGES):
                now = rank_opportunities_explained(talent, hits, docs, weights, k, language=language)
                then = before.rank_opportunities_explained(talent, hits, docs, weights, k, language=language)
                assert _dump(now.items) == _dump(then.items), (talent_id, name, k, language)
                assert now.without_evidence == then.without_evidence
                codes |= {reason.code for item in then.items for reason in item.reasons}
    # every kind of reason was compared at least once
    assert codes == {"skill_overlap", "same_occupation", "same_field", "same_city", "desired_city", "wanted_kind",
                     "level", "hiring_commitment", "similar_text"}


def test_shortlists_and_pairs_equal_the_previous_path(state: MatchingState) -> None:
    talents = state.talents.docs
    for opportunity_id, opportunity in state.opportunities.docs.items():
        vector = state.opportunities.index.vector(opportunity_id)
        assert vector is not None
        hits = state.talents.index.search(vector, 100, allowed=lambda i: talents[i].open_to_work)
        for weights in WEIGHTS.values():
            for k in KS:
                assert _dump(rank_talents(opportunity, hits, talents, weights, k)) == \
                    _dump(before.rank_talents(opportunity, hits, talents, weights, k))
            for talent_id, similarity in hits[:5]:
                for language in LANGUAGES:
                    now = score_pair(talents[talent_id], opportunity, weights, similarity=similarity, standing=0.6,
                                     language=language)
                    then = before.score_pair(talents[talent_id], opportunity, weights, similarity=similarity,
                                             standing=0.6, language=language)
                    assert now == then


def test_the_service_serves_the_previous_ranking(state: MatchingState, lexical_encoder: HybridEncoder) -> None:
    service = MatchingService(state=state, encoder=lexical_encoder, cache=None, weights=RankingWeights())
    docs, today = state.opportunities.docs, date.today()
    for talent_id in list(state.talents.docs)[:20]:
        talent = state.talents.docs[talent_id]
        vector = state.talents.index.vector(talent_id)
        assert vector is not None
        wanted = set(talent.wanted_kinds)

        def allowed(i: int, kinds: set[OpportunityKind] = wanted) -> bool:
            return docs[i].accepting(today) and (not kinds or docs[i].kind in kinds)

        hits = state.opportunities.index.search(vector, MatchingService._candidates(30), allowed=allowed)
        served = service.recommend_for_talent(talent_id, k=30, principal=INTERNAL).model
        then = before.rank_opportunities_explained(talent, hits, docs, RankingWeights(), 30, language=talent.language)
        assert _dump(served.items) == _dump(then.items)
