"""Both index kinds on small data: the approximate (IVF) one is reached with a low threshold."""

from __future__ import annotations

import numpy as np
import pytest

from services.matching.domain.encoders import HybridEncoder
from services.matching.domain.index import IndexConfig, IndexKind, VectorIndex
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.domain.state import MatchingState
from tests.matching.factories import profile, profile_deleted

DIM = 32
LOW = IndexConfig(approx_threshold=200, nprobe=4)


def _clustered(n: int, *, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(20, DIM))
    rows = centers[rng.integers(0, len(centers), n)] + 0.35 * rng.normal(size=(n, DIM))
    normalized: np.ndarray = (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)
    return normalized


def _exact_top(rows: np.ndarray, ids: list[int], query: np.ndarray, k: int) -> list[int]:
    order = np.argsort(-(rows @ query), kind="stable")[:k]
    return [ids[i] for i in order]


@pytest.fixture(params=["flat", "ivf"])
def kind(request: pytest.FixtureRequest) -> IndexKind:
    return request.param  # type: ignore[no-any-return]


def test_build_picks_the_kind_by_size() -> None:
    rows = _clustered(1000)
    assert VectorIndex.build(DIM, list(range(199)), rows[:199], config=LOW).kind == "flat"
    index = VectorIndex.build(DIM, list(range(1000)), rows, config=LOW)
    assert index.kind == "ivf" and len(index) == 1000 and index.nlist >= 16


def test_upsert_replaces_and_remove_forgets(kind: IndexKind) -> None:
    rows = _clustered(600)
    ids = list(range(1000, 1600))
    index = VectorIndex.build(DIM, ids, rows, config=LOW, kind=kind)
    index.upsert_many([1000, 1001], rows[[10, 11]])
    assert len(index) == 600
    assert np.allclose(index.vector(1000), rows[10])  # type: ignore[arg-type]
    assert index.remove_many([1002, 1003, 99]) == 2
    assert 1002 not in index and index.vector(1002) is None and len(index) == 598
    hits = index.search(rows[10], 600)
    assert 1002 not in {i for i, _ in hits}
    assert sorted(i for i, _ in hits[:2]) == [1000, 1010]  # the replaced vector, and the original row
    assert hits[0][1] == pytest.approx(1.0, abs=1e-5)


def test_search_recall_against_exact(kind: IndexKind) -> None:
    rows = _clustered(3000, seed=1)
    ids = list(range(3000))
    index = VectorIndex.build(DIM, ids, rows, config=IndexConfig(approx_threshold=200, nprobe=16), kind=kind)
    queries = _clustered(40, seed=2)
    recall = np.mean([len({i for i, _ in index.search(q, 10)} & set(_exact_top(rows, ids, q, 10))) / 10
                      for q in queries])
    assert recall >= (1.0 if kind == "flat" else 0.9)


def test_filtered_search_widens_to_exhaustive(kind: IndexKind) -> None:
    rows = _clustered(2000, seed=3)
    index = VectorIndex.build(DIM, list(range(2000)), rows, config=LOW, kind=kind)
    rare = {5, 777, 1999}  # three ids anywhere: only an exhaustive search is sure to find them all
    hits = index.search(rows[0], 5, allowed=lambda i: i in rare)
    assert {i for i, _ in hits} == rare
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True)
    assert index.search(rows[0], 3, allowed=lambda i: False) == []


def test_rebuilt_keeps_contents_and_switches_kind() -> None:
    rows = _clustered(500)
    flat = VectorIndex.build(DIM, list(range(150)), rows[:150], config=LOW)
    flat.upsert_many(list(range(150, 500)), rows[150:])
    assert flat.kind == "flat" and flat.needs_rebuild()
    ivf = flat.rebuilt()
    assert ivf.kind == "ivf" and len(ivf) == 500 and not ivf.needs_rebuild()
    assert np.allclose(ivf.vector(321), rows[321])  # type: ignore[arg-type]
    ivf.remove_many(range(60, 500))
    assert ivf.needs_rebuild()  # below half the threshold: exact search is cheap again
    small = ivf.rebuilt()
    assert small.kind == "flat" and sorted(small.export()[0]) == list(range(60))


def test_ivf_rebuilds_once_grown_past_its_centroids() -> None:
    rows = _clustered(2000)
    index = VectorIndex.build(DIM, list(range(300)), rows[:300], config=LOW)
    index.upsert_many(list(range(300, 1201)), rows[300:1201])
    assert index.kind == "ivf" and index.needs_rebuild()
    assert index.rebuilt().trained_for == 1201


def _kind(state: MatchingState) -> IndexKind:
    return state.talents.index.kind


def test_state_switches_to_ivf_and_back(occupation_normalizer: OccupationNormalizer,
                                        lexical_encoder: HybridEncoder) -> None:
    config = IndexConfig(approx_threshold=40, nprobe=2)
    state = MatchingState(lexical_encoder.dim, index=config, normalizer=occupation_normalizer)
    state.apply([profile(i, skills_text=f"第{i}号候选人，熟悉 Python 与 Spark 项目 {i}") for i in range(1, 61)],
                lexical_encoder)
    assert _kind(state) == "ivf" and len(state.talents.index) == 60 and state.rebuilds == 1
    with state.reading():
        vector = state.talents.index.vector(7)
        assert vector is not None
        assert state.talents.index.search(vector, 1)[0][0] == 7
    state.apply([profile_deleted(i, 2) for i in range(1, 51)], lexical_encoder)
    assert _kind(state) == "flat" and sorted(state.talents.index.export()[0]) == list(range(51, 61))
    assert state.talents.deleted(3) and state.rebuilds == 2


def test_settings_defaults_match_the_index_defaults() -> None:
    from services.matching.settings import MatchingSettings

    settings, config = MatchingSettings(), IndexConfig()
    assert (settings.index_approx_threshold, settings.index_nprobe) == (config.approx_threshold, config.nprobe)
    assert MatchingSettings(index_approx_threshold=5).index_approx_threshold == 5
