from __future__ import annotations

from collections.abc import Sequence

from services.matching.domain.encoders import HybridEncoder, Vectors
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.domain.state import MatchingState
from tests.matching.factories import ai_posting, nursing_posting, opportunity_deleted, profile, profile_deleted


class CountingEncoder:
    """The real lexical-only encoder, counting its calls (one per batch is the contract)."""

    def __init__(self, inner: HybridEncoder) -> None:
        self.inner = inner
        self.calls: list[int] = []

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def name(self) -> str:
        return self.inner.name

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.calls.append(len(texts))
        return self.inner.encode(texts)


def test_batch_encodes_once_and_keeps_the_newest_version(occupation_normalizer: OccupationNormalizer,
                                                         lexical_encoder: HybridEncoder) -> None:
    state = MatchingState(lexical_encoder.dim, normalizer=occupation_normalizer)
    encoder = CountingEncoder(lexical_encoder)
    batch = state.apply([ai_posting(1, 1, title="旧标题"), ai_posting(1, 3, title="新标题"),
                         ai_posting(1, 2, title="中间标题"), nursing_posting(2), profile(7)], encoder)
    assert encoder.calls == [3]  # one call for all upserts: two opportunities and one talent
    assert (batch.events, batch.upserted, batch.ignored) == (5, 3, 2)
    assert batch.changed == {"talents", "opportunities"}
    assert state.opportunities.docs[1].title == "新标题"
    assert state.opportunities.versions[1] == 3
    assert len(state.opportunities.index) == 2 and len(state.talents.index) == 1


def test_older_or_equal_versions_are_ignored(occupation_normalizer: OccupationNormalizer,
                                             lexical_encoder: HybridEncoder) -> None:
    state = MatchingState(lexical_encoder.dim, normalizer=occupation_normalizer)
    state.apply([ai_posting(1, 2, title="v2")], lexical_encoder)
    replay = state.apply([ai_posting(1, 2, title="v2 replayed"), ai_posting(1, 1, title="v1")],
                         lexical_encoder)
    assert (replay.upserted, replay.ignored, replay.changed) == (0, 2, frozenset())
    assert state.opportunities.docs[1].title == "v2"


def test_delete_leaves_a_tombstone_that_stops_older_upserts(occupation_normalizer: OccupationNormalizer,
                                                            lexical_encoder: HybridEncoder) -> None:
    state = MatchingState(lexical_encoder.dim, normalizer=occupation_normalizer)
    state.apply([profile(5, 1), ai_posting(9, 1)], lexical_encoder)
    deleted = state.apply([profile_deleted(5, 2), opportunity_deleted(9, 2)], lexical_encoder)
    assert deleted.deleted == 2
    assert 5 not in state.talents.index and state.talents.deleted(5)
    late = state.apply([profile(5, 1, display_name="late"), ai_posting(9, 2)], lexical_encoder)
    assert late.upserted == 0 and 5 not in state.talents.docs and 9 not in state.opportunities.docs
    revived = state.apply([profile(5, 3, display_name="back")], lexical_encoder)
    assert revived.upserted == 1 and state.talents.docs[5].display_name == "back"


def test_delete_before_any_upsert_is_remembered(occupation_normalizer: OccupationNormalizer,
                                                lexical_encoder: HybridEncoder) -> None:
    state = MatchingState(lexical_encoder.dim, normalizer=occupation_normalizer)
    state.apply([opportunity_deleted(3, 4)], lexical_encoder)
    state.apply([ai_posting(3, 2)], lexical_encoder)
    assert 3 not in state.opportunities.docs and state.opportunities.deleted(3)


def test_generation_counts_events_and_token_names_offsets(occupation_normalizer: OccupationNormalizer,
                                                          lexical_encoder: HybridEncoder) -> None:
    state = MatchingState(lexical_encoder.dim, normalizer=occupation_normalizer)
    first = state.cache_token()
    state.apply([ai_posting(1), ai_posting(1)], lexical_encoder, offsets={"t:0": 2})
    assert state.generation == 2  # the duplicate counts: the generation depends on offsets alone
    second = state.cache_token()
    state.apply([], lexical_encoder, offsets={"t:1": 1})
    assert len({first, second, state.cache_token()}) == 3


def test_documents_carry_canonical_skills(occupation_normalizer: OccupationNormalizer,
                                          lexical_encoder: HybridEncoder) -> None:
    state = MatchingState(lexical_encoder.dim, normalizer=occupation_normalizer)
    state.apply([profile(1, skills=["Python"], skills_text="做过 machine learning 项目"), ai_posting(2)],
                lexical_encoder)
    assert state.talents.docs[1].skills == ("python", "machine-learning")
    assert state.opportunities.docs[2].skills == ("machine-learning", "python", "pytorch")
