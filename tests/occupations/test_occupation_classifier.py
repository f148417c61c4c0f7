"""Kernel ridge classifier: fits its labels and scores in [0, 1]."""

from __future__ import annotations

import numpy as np
from scipy import sparse  # type: ignore[import-untyped]

from services.matching.domain.occupations.classifier import KernelRidgeClassifier


def _rows(vectors: list[list[float]]) -> sparse.csr_matrix:
    m = np.asarray(vectors, dtype=np.float64)
    return sparse.csr_matrix(m / np.linalg.norm(m, axis=1, keepdims=True))


def test_predicts_the_nearest_labels_and_zero_for_unseen_classes() -> None:
    train = _rows([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0, 0.9, 0.1]])
    model = KernelRidgeClassifier(train, np.array([0, 0, 2, 2]), 4, ridge=0.1)
    scores = model.scores(_rows([[1, 0.05, 0], [0.05, 1, 0]]))
    assert scores.shape == (2, 4)
    assert scores[0].argmax() == 0 and scores[1].argmax() == 2
    assert (scores[:, [1, 3]] == 0).all()
    assert ((scores >= 0) & (scores <= 1)).all()
    assert model.scores(sparse.csr_matrix((0, 3))).shape == (0, 4)
