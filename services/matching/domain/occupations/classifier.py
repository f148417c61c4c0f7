"""Kernel ridge classifier over labelled job titles, one of the occupation normalizer's scorers.

Each labelled title is an L2-normalised TF-IDF vector ``x``; the kernel is ``k(x, x') = (x·x' + offset)^degree``
(degree 2: pairs of shared n-grams count, so "销售" + "经理" weighs more than either alone). Training solves
``(K + ridge·I) A = Y`` once (Cholesky) for a one-hot ``Y`` over the classes
seen in training; a query's scores are ``k(q, X) A`` — a similarity-weighted vote of the labelled titles
whose weights were fitted to reproduce the labels, so that near-duplicates do not outvote the rest.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import linalg, sparse  # type: ignore[import-untyped]  # no scipy stubs in the venv

__all__ = ["KernelRidgeClassifier"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class KernelRidgeClassifier:
    """Multi-class kernel ridge regression on sparse, L2-normalised rows; scores roughly in [0, 1]."""

    def __init__(
        self,
        rows: sparse.csr_matrix,
        labels: IntArray,
        n_classes: int,
        *,
        ridge: float = 1.0,
        offset: float = 1.0,
        degree: int = 2,
    ) -> None:
        if rows.shape[0] != labels.shape[0]:
            raise ValueError("one label per row is required")
        if ridge <= 0:
            raise ValueError("ridge must be > 0")
        self.offset, self.degree, self.n_classes = offset, degree, n_classes
        self._train_t = rows.T.tocsr()
        self._classes: IntArray = np.unique(labels)
        targets = np.zeros((rows.shape[0], len(self._classes)), dtype=np.float64)
        targets[np.arange(rows.shape[0]), np.searchsorted(self._classes, labels)] = 1.0
        gram = self._kernel(rows)
        gram[np.diag_indices_from(gram)] += ridge
        self._dual = linalg.cho_solve(linalg.cho_factor(gram, overwrite_a=True), targets).astype(np.float32)

    def _kernel(self, queries: sparse.csr_matrix) -> FloatArray:
        sims: FloatArray = (queries @ self._train_t).toarray()
        sims += self.offset
        out: FloatArray = sims**self.degree
        return out

    def scores(self, queries: sparse.csr_matrix) -> FloatArray:
        """(n_queries, n_classes) scores clipped to [0, 1]; classes unseen in training score 0."""
        out = np.zeros((queries.shape[0], self.n_classes), dtype=np.float64)
        if queries.shape[0]:
            out[:, self._classes] = self._kernel(queries).astype(np.float32) @ self._dual
        clipped: FloatArray = np.clip(out, 0.0, 1.0)
        return clipped
