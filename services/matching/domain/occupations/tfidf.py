"""Features and TF-IDF: Chinese character n-grams and English words, weighted, sublinear, L2-normalised."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse  # type: ignore[import-untyped]  # no scipy stubs in the venv

from services.matching.domain.occupations.cleaning import CJK_RUN, LATIN_TOKEN
from services.matching.domain.occupations.config import NormalizerConfig

__all__ = ["TfidfIndex", "features"]

_EN_NORMAL = {
    "developers": "developer", "development": "developer", "dev": "developer", "devs": "developer",
    "engineers": "engineer", "eng": "engineer", "programmers": "programmer", "scientists": "scientist",
    "analysts": "analyst", "designers": "designer", "managers": "manager", "mgr": "manager",
    "back-end": "backend", "front-end": "frontend", "fullstack": "full stack", "ml": "machine learning",
}



def features(text: str, cfg: NormalizerConfig) -> dict[str, float]:
    """Weighted sublinear term frequencies: CJK character n-grams, English words and word bigrams."""
    out: dict[str, float] = {}
    runs = CJK_RUN.findall(text)
    for n, weight in enumerate(cfg.ngram_weights, start=1):
        if weight > 0:
            grams = [run[i : i + n] for run in runs for i in range(len(run) - n + 1)]
            out.update((g, _sublinear(c) * weight) for g, c in Counter(grams).items())
    words = [w for tok in LATIN_TOKEN.findall(text) for w in _EN_NORMAL.get(tok, tok).split()]
    if words:
        out.update((f"w:{w}", _sublinear(c) * cfg.word_weight) for w, c in Counter(words).items())
        bigrams = Counter(f"b:{a} {b}" for a, b in itertools.pairwise(words))
        out.update((g, _sublinear(c) * cfg.word_bigram_weight) for g, c in bigrams.items())
    return out


_LOG1 = [0.0, 1.0, *(1.0 + math.log(c) for c in range(2, 64))]


def _sublinear(count: int) -> float:
    return _LOG1[count] if count < 64 else 1.0 + math.log(count)


class TfidfIndex:
    """Document frequencies of a corpus of feature rows; turns rows into L2-normalised sparse vectors."""

    def __init__(self, corpus: Iterable[dict[str, float]]) -> None:
        df: Counter[str] = Counter()
        n_docs = 0
        for feats in corpus:
            df.update(feats.keys())
            n_docs += 1
        self.index = {f: j for j, f in enumerate(df)}
        self.idf = np.array([math.log((n_docs + 1) / (c + 1)) + 1.0 for c in df.values()], dtype=np.float64)
        self.unseen_idf = math.log(n_docs + 1) + 1.0

    def matrix(self, rows: Sequence[dict[str, float]]) -> sparse.csr_matrix:
        """L2-normalised rows; features unseen in the corpus count in the norm, so noise lowers scores."""
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        idf = self.idf
        for feats in rows:
            norm_sq = 0.0
            row_idx: list[int] = []
            row_val: list[float] = []
            for feat, tf in feats.items():
                j = self.index.get(feat)
                v = tf * (self.unseen_idf if j is None else float(idf[j]))
                norm_sq += v * v
                if j is not None:
                    row_idx.append(j)
                    row_val.append(v)
            norm = math.sqrt(norm_sq) or 1.0
            indices.extend(row_idx)
            data.extend(v / norm for v in row_val)
            indptr.append(len(indices))
        return sparse.csr_matrix(
            (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
            shape=(len(rows), len(self.index)),
        )

