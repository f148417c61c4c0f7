"""Inner-product search over record ids: exact while small, approximate (IVF) once large.

- ``flat``: FAISS ``IndexIDMap2(IndexFlatIP)``, exact. ``IndexIDMap*`` assumes distinct ids (adding one
  twice keeps both copies), so an upsert removes the old vector first; ``IndexIDMap2`` keeps the
  id → row map, which allows ``reconstruct(id)``. Removal is O(n) per call, hence one batched
  ``remove_ids`` per micro-batch.
- ``ivf``: ``IndexIVFFlat`` (``storage="float32"``) or ``IndexIVFScalarQuantizer`` with 8-bit codes of the
  residuals (``storage="sq8"``: a quarter of the bytes, each dimension's range trained on the sample) with
  spherical k-means centroids and a hash-table direct map, so
  ``reconstruct(id)`` and ``remove_ids`` work on record ids directly. A query scans ``nprobe`` of the
  ``nlist`` lists; a filtered query that finds too few widens both ``k`` and ``nprobe`` until it is
  exhaustive, so a rare filter still gets exact results.

A checkpoint streams the live index to its file with ``write`` while its owner keeps writers out (or a
``snapshot()``: a clone in the index's own storage, 8-bit codes stay codes); ``read`` streams it back.

The kind follows the size (``IndexConfig.approx_threshold``): the owner asks ``needs_rebuild()`` after
writing and swaps in ``rebuilt()``, which reads this index (safe next to searches) and returns a new one;
an IVF index is also rebuilt once it has grown 4× past the size its centroids were trained for.
Not thread-safe by itself: ``MatchingState`` serializes access.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any, Literal

import faiss
import numpy as np

from services.matching.domain.encoders import Vectors
from services.matching.domain.ivf_lists import ListCapacity

IndexKind = Literal["flat", "ivf"]
Storage = Literal["float32", "sq8"]
_faiss: Any = faiss  # its bundled stubs lack DirectMap, the keyword search parameters and the callback I/O


@dataclass(frozen=True)
class IndexConfig:
    approx_threshold: int = 100_000  # from this many vectors on: IVF; below half of it: flat again
    nprobe: int = 32  # lists scanned per query (before widening)
    train_per_list: int = 32  # k-means sample size per list
    kmeans_iterations: int = 10
    seed: int = 1234
    storage: Storage = "float32"  # of the IVF kind's vectors; the flat kind (small, untrained) keeps float32

    def nlist(self, n: int) -> int:
        """Lists for ``n`` vectors: the power of two nearest to 2·sqrt(n), within [16, 16384]."""
        target = 2.0 * math.sqrt(max(n, 1))
        return int(min(16384, max(16, 2 ** round(math.log2(target)))))

    def kind_for(self, n: int) -> IndexKind:
        return "ivf" if n >= self.approx_threshold else "flat"


def _matrix(vectors: Vectors, n: int, dim: int) -> Vectors:
    return np.ascontiguousarray(vectors, dtype=np.float32).reshape(n, dim)


def _ids(ids: Iterable[int]) -> np.ndarray[Any, np.dtype[np.int64]]:
    return np.fromiter(ids, dtype=np.int64)


class VectorIndex:
    """Vectors keyed by integer record id; ``search`` post-filters with an optional predicate."""

    def __init__(self, dim: int, *, config: IndexConfig | None = None, kind: IndexKind = "flat",
                 trained_on: Vectors | None = None) -> None:
        """An empty index; ``kind="ivf"`` trains its centroids on ``trained_on`` (a sample of rows)."""
        self.dim = dim
        self.config = config or IndexConfig()
        self.kind: IndexKind = kind
        self._ids: set[int] = set()
        self.trained_for = 0  # vectors the IVF centroids were sized for
        self.nlist = 0
        self._lists: ListCapacity | None = None  # the IVF kind's appends (made at the first one)
        if kind == "flat":
            self._index: Any = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
            return
        if trained_on is None or len(trained_on) == 0:
            raise ValueError("an IVF index needs vectors to train on")
        self._index = self._trained_ivf(_matrix(trained_on, len(trained_on), dim))

    def _trained_ivf(self, sample: Vectors) -> Any:
        n = len(sample)
        self.nlist = min(self.config.nlist(n), max(1, n // 4))
        self._quantizer = faiss.IndexFlatIP(self.dim)  # referenced here: the IVF index does not own it
        ivf: Any
        if self.config.storage == "sq8":
            ivf = faiss.IndexIVFScalarQuantizer(self._quantizer, self.dim, self.nlist, faiss.ScalarQuantizer.QT_8bit,
                                                faiss.METRIC_INNER_PRODUCT)
        else:
            ivf = faiss.IndexIVFFlat(self._quantizer, self.dim, self.nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.cp.spherical = True
        ivf.cp.niter = self.config.kmeans_iterations
        ivf.cp.seed = self.config.seed
        ivf.cp.max_points_per_centroid = self.config.train_per_list
        ivf.cp.min_points_per_centroid = 4  # nlist <= n/4: no warning about a small sample
        take = min(n, self.nlist * self.config.train_per_list)
        rows = np.random.default_rng(self.config.seed).choice(n, size=take, replace=False)
        ivf.train(np.ascontiguousarray(sample[np.sort(rows)]))
        ivf.set_direct_map_type(_faiss.DirectMap.Hashtable)
        ivf.nprobe = min(self.config.nprobe, self.nlist)
        self.trained_for = n
        return ivf

    @classmethod
    def build(cls, dim: int, ids: Sequence[int], vectors: Vectors, *,
              config: IndexConfig | None = None, kind: IndexKind | None = None) -> VectorIndex:
        """An index holding ``ids``/``vectors``, of the kind their number calls for (or ``kind``)."""
        config = config or IndexConfig()
        kind = kind or config.kind_for(len(ids))
        matrix = _matrix(vectors, len(ids), dim)
        index = cls(dim, config=config, kind=kind, trained_on=matrix if kind == "ivf" else None)
        index.upsert_many(ids, matrix)
        return index

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def stored(self) -> int:
        """Vectors FAISS holds: ``len(self)`` unless an id was added twice."""
        return int(self._index.ntotal)

    @classmethod
    def _wrapping(cls, dim: int, inner: Any, ids: Iterable[int], *, config: IndexConfig,
                  trained_for: int) -> VectorIndex:
        index = cls(dim, config=config)
        index._index = inner
        index._ids = set(ids)
        if isinstance(inner, faiss.IndexIVF):
            index.kind, index.nlist, index.trained_for = "ivf", int(inner.nlist), trained_for
            inner.nprobe = min(config.nprobe, index.nlist)
        return index

    def snapshot(self) -> VectorIndex:
        """A detached copy in this index's own storage (what a checkpoint holds while it is written)."""
        return VectorIndex._wrapping(self.dim, faiss.clone_index(self._index), self._ids, config=self.config,
                                     trained_for=self.trained_for)

    def write(self, out: IO[bytes]) -> None:
        """Stream FAISS's own format to ``out`` (no second buffer of the whole index)."""
        faiss.write_index(self._index, _faiss.PyCallbackIOWriter(out.write))

    @classmethod
    def read(cls, data: IO[bytes], dim: int, ids: Iterable[int], *, trained_for: int) -> VectorIndex:
        """An index ``write`` wrote; ``adopt`` gives it the running configuration."""
        inner = faiss.read_index(_faiss.PyCallbackIOReader(data.read))
        if inner.d != dim or (inner.ntotal == 0) != (not ids):
            raise ValueError(f"a stored index of width {inner.d} and {inner.ntotal} vectors does not fit")
        return cls._wrapping(dim, inner, ids, config=IndexConfig(), trained_for=trained_for)

    @property
    def storage(self) -> Storage:
        return "sq8" if isinstance(self._index, faiss.IndexIVFScalarQuantizer) else "float32"

    def adopt(self, config: IndexConfig) -> VectorIndex:
        """This index under ``config``, or a rebuilt one where ``config`` stores vectors another way."""
        if self.kind == "ivf" and self.storage != config.storage:
            ids, vectors = self.export()
            return VectorIndex.build(self.dim, ids, vectors, config=config, kind="ivf")
        return VectorIndex._wrapping(self.dim, self._index, self._ids, config=config, trained_for=self.trained_for)

    def memory_bytes(self) -> int:
        """What FAISS holds for this index (codes, ids, lists, centroids): its serialized size, counted
        as it streams (serializing to bytes would hold a second copy of the index)."""
        total = 0

        def count(chunk: bytes) -> int:
            nonlocal total
            total += len(chunk)
            return len(chunk)

        faiss.write_index(self._index, _faiss.PyCallbackIOWriter(count))
        return total

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
        if self.kind == "ivf":  # lists grown by 1/8, not doubled: see ivf_lists
            if self._lists is None:
                self._lists = ListCapacity(self._index)
            self._lists.add(_matrix(vectors, len(ids), self.dim), _ids(ids))
        else:
            self._index.add_with_ids(_matrix(vectors, len(ids), self.dim), _ids(ids))
        self._ids.update(ids)

    def remove_many(self, ids: Iterable[int]) -> int:
        """Remove the vectors of ``ids`` that are present; returns how many were removed."""
        present = [i for i in ids if i in self._ids]
        if not present:
            return 0
        selector = faiss.IDSelectorBatch(_ids(present)) if self.kind == "flat" \
            else faiss.IDSelectorArray(_ids(present))
        removed = int(self._index.remove_ids(selector))
        self._ids.difference_update(present)
        return removed

    def vector(self, record_id: int) -> Vectors | None:
        if record_id not in self._ids:
            return None
        return np.asarray(self._index.reconstruct(record_id), dtype=np.float32)

    def export(self) -> tuple[list[int], Vectors]:
        """Every id and its vector (rows in the order of the ids)."""
        if not self._ids:
            return [], np.zeros((0, self.dim), dtype=np.float32)
        if self.kind == "flat":
            ids = faiss.vector_to_array(self._index.id_map).astype(np.int64)
            return ids.tolist(), np.asarray(self._index.index.reconstruct_n(0, len(ids)), dtype=np.float32)
        ordered = sorted(self._ids)
        return ordered, np.asarray(self._index.reconstruct_batch(_ids(ordered)), dtype=np.float32)

    def view(self) -> tuple[list[int], Vectors]:
        """The flat kind's ids and its vectors as a view of FAISS's own array, not a copy: valid only while
        nothing writes to this index (a checkpoint holds its owner's writers meanwhile)."""
        if self.kind != "flat":
            raise ValueError("only the flat kind keeps its vectors as one float32 array")
        ids = faiss.vector_to_array(self._index.id_map).astype(np.int64)
        if len(ids) == 0:
            return [], np.zeros((0, self.dim), dtype=np.float32)
        flat: Any = faiss.downcast_index(self._index.index)
        rows: Vectors = _faiss.rev_swig_ptr(flat.get_xb(), len(ids) * self.dim).reshape(len(ids), self.dim)
        return ids.tolist(), rows

    def needs_rebuild(self) -> bool:
        """Small enough for exact search again, large enough for IVF, or grown past its centroids."""
        n = len(self._ids)
        if self.kind == "flat":
            return n >= self.config.approx_threshold
        return n < self.config.approx_threshold // 2 or n > 4 * self.trained_for

    def rebuilt(self) -> VectorIndex:
        """A new index with the same contents, of the kind its size calls for; this one is only read."""
        ids, vectors = self.export()
        n = len(ids)
        kind: IndexKind = "flat" if self.kind == "ivf" and n < self.config.approx_threshold // 2 \
            else self.config.kind_for(n) if self.kind == "flat" else "ivf"
        return VectorIndex.build(self.dim, ids, vectors, config=self.config, kind=kind)

    def search(self, vector: Vectors, k: int, *,
               allowed: Callable[[int], bool] | None = None) -> list[tuple[int, float]]:
        """The ``k`` best (id, inner product) pairs among the ids ``allowed`` accepts, best first.

        With a filter it over-fetches and widens the search (×4 each round, and ×4 the IVF lists
        probed) until ``k`` pass it or the search has been exhaustive.
        """
        total = len(self._ids)
        if k <= 0 or total == 0:
            return []
        query = _matrix(vector, 1, self.dim)
        fetch = min(total, k if allowed is None else max(4 * k, 32))
        nprobe = min(self.config.nprobe, self.nlist) if self.kind == "ivf" else 0
        while True:
            if self.kind == "ivf":
                params = _faiss.SearchParametersIVF(nprobe=nprobe)
                scores, labels = self._index.search(query, fetch, params=params)
            else:
                scores, labels = self._index.search(query, fetch)
            hits = [(int(label), float(score)) for label, score in zip(labels[0], scores[0], strict=True)
                    if label >= 0 and (allowed is None or allowed(int(label)))]
            exhaustive = fetch >= total and (self.kind == "flat" or nprobe >= self.nlist)
            if len(hits) >= k or exhaustive:
                return hits[:k]
            fetch = min(total, fetch * 4)
            nprobe = min(self.nlist, nprobe * 4)
