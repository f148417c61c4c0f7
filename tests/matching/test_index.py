from __future__ import annotations

import numpy as np
import pytest

from services.matching.domain.index import VectorIndex


def _unit(*values: float) -> np.ndarray:
    v = np.asarray(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_upsert_replaces_instead_of_duplicating() -> None:
    index = VectorIndex(3)
    index.upsert_many([1, 2], np.stack([_unit(1, 0, 0), _unit(0, 1, 0)]))
    index.upsert_many([1], np.stack([_unit(0, 0, 1)]))
    assert len(index) == 2
    hits = index.search(_unit(0, 0, 1), 5)
    assert [i for i, _ in hits] == [1, 2]
    assert hits[0][1] == pytest.approx(1.0)
    assert np.allclose(index.vector(1), _unit(0, 0, 1))  # type: ignore[arg-type]


def test_remove_and_search_with_fewer_than_k() -> None:
    index = VectorIndex(2)
    index.upsert_many([10, 20, 30], np.stack([_unit(1, 0), _unit(1, 1), _unit(0, 1)]))
    assert index.remove_many([20, 99]) == 1
    assert 20 not in index and len(index) == 2
    assert index.vector(20) is None
    assert [i for i, _ in index.search(_unit(1, 1), 10)] in ([10, 30], [30, 10])
    assert index.search(_unit(1, 1), 0) == []
    assert VectorIndex(2).search(_unit(1, 0), 3) == []


def test_filtered_search_widens_until_enough_pass() -> None:
    index = VectorIndex(2)
    n = 500
    angles = np.linspace(0, np.pi / 2, n)
    index.upsert_many(list(range(n)), np.stack([_unit(np.cos(a), np.sin(a)) for a in angles]))
    # Only the ids farthest from the query pass: the first rounds of over-fetching find none.
    hits = index.search(_unit(1, 0), 3, allowed=lambda i: i >= n - 5)
    assert [i for i, _ in hits] == [n - 5, n - 4, n - 3]
    assert index.search(_unit(1, 0), 3, allowed=lambda i: False) == []


def test_rejects_mismatched_or_duplicate_ids() -> None:
    index = VectorIndex(2)
    with pytest.raises(ValueError):
        index.upsert_many([1, 2], np.stack([_unit(1, 0)]))
    with pytest.raises(ValueError):
        index.upsert_many([1, 1], np.stack([_unit(1, 0), _unit(0, 1)]))
