"""Exact inner-product search over record ids: FAISS ``IndexIDMap2(IndexFlatIP)``.

``IndexIDMap*`` assumes distinct ids (adding one twice keeps both copies), so an upsert removes the
old vector first. ``IndexIDMap2`` keeps the id → row map, which allows ``reconstruct(id)``;
removal is O(n) per call, hence one batched ``remove_ids`` per micro-batch.
Not thread-safe by itself: ``MatchingState`` serializes access.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import faiss
import numpy as np

from services.matching.domain.encoders import Vectors


class VectorIndex:
    """Vectors keyed by integer record id; ``search`` post-filters with an optional predicate."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self._ids: set[int] = set()

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._ids

    def upsert_many(self, ids: Sequence[int], vectors: Vectors) -> None:
        """Add or replace the vectors of ``ids`` (rows of ``vectors``, same order; ids must be distinct)."""
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} ids for {len(vectors)} vectors")
        if len(set(ids)) != len(ids):
            raise ValueError("ids in one upsert must be distinct")
        if not ids:
            return
        self.remove_many(ids)
        matrix = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)
        self._index.add_with_ids(matrix, np.asarray(ids, dtype=np.int64))
        self._ids.update(ids)

    def remove_many(self, ids: Iterable[int]) -> int:
        """Remove the vectors of ``ids`` that are present; returns how many were removed."""
        present = [i for i in ids if i in self._ids]
        if not present:
            return 0
        removed = int(self._index.remove_ids(faiss.IDSelectorBatch(np.asarray(present, dtype=np.int64))))
        self._ids.difference_update(present)
        return removed

    def vector(self, record_id: int) -> Vectors | None:
        if record_id not in self._ids:
            return None
        return np.asarray(self._index.reconstruct(record_id), dtype=np.float32)

    def search(self, vector: Vectors, k: int, *,
               allowed: Callable[[int], bool] | None = None) -> list[tuple[int, float]]:
        """The ``k`` best (id, inner product) pairs among the ids ``allowed`` accepts, best first.

        With a filter it over-fetches and widens the search (×4 each round) until ``k`` pass it
        or the whole index has been scanned.
        """
        total = len(self._ids)
        if k <= 0 or total == 0:
            return []
        query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, self.dim)
        fetch = min(total, k if allowed is None else max(4 * k, 32))
        while True:
            scores, labels = self._index.search(query, fetch)
            hits = [(int(label), float(score)) for label, score in zip(labels[0], scores[0], strict=True)
                    if label >= 0 and (allowed is None or allowed(int(label)))]
            if len(hits) >= k or fetch >= total:
                return hits[:k]
            fetch = min(total, fetch * 4)
