"""The exported backends against the PyTorch vectors, the text cache, and the export cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from services.matching.domain.embedding_backends import (
    artifact_key,
    cached_build,
    calibration_texts,
    inspect_model,
)
from services.matching.domain.encoders import DenseEncoder, VectorCache, packaged_model_path

TEXTS = [
    "Python、机器学习、数据治理\nSkills: Python, machine learning, data governance\n"
    "三年大数据平台开发经验，熟悉 Spark、Flink。",
    "5 years as a cloud engineer. Experienced in Linux, Kubernetes, DevOps; worked on a data platform.",
    "护理人员\n负责病房护理与老人照护，持有护士执业证书。",
    "工业互联网平台运维订单班\n工业互联网、Linux、边缘计算",
]


@pytest.fixture(scope="module")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.mark.parametrize("backend", ["onnx", "openvino"])
def test_exported_backend_matches_torch(backend: str, dense_encoder: DenseEncoder, model_cache: Path) -> None:
    fast = DenseEncoder(backend=backend, threads=1, cache_dir=str(model_cache))  # type: ignore[arg-type]
    assert fast.dim == dense_encoder.dim and fast.name.endswith(f"@{backend}")
    rows, reference = fast.encode(TEXTS), dense_encoder.encode(TEXTS)
    assert rows.dtype == np.float32 and np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-3)
    assert float(np.min(np.sum(rows * reference, axis=1))) > 0.98
    assert fast.encode([]).shape == (0, fast.dim)
    assert len(list(model_cache.iterdir())) >= 1  # the export was kept for the next process


def test_duplicates_are_encoded_once_and_the_lru_reuses_rows(dense_encoder: DenseEncoder) -> None:
    encoder = DenseEncoder(threads=1, cache_size=2)
    rows = encoder.encode([TEXTS[0], TEXTS[1], TEXTS[0]])
    assert np.array_equal(rows[0], rows[2])
    assert np.allclose(rows, dense_encoder.encode([TEXTS[0], TEXTS[1], TEXTS[0]]), atol=1e-5)
    assert len(encoder.cache) == 2 and encoder.cache.hits == 0
    again = encoder.encode([TEXTS[1]])
    assert encoder.cache.hits == 1 and np.array_equal(again[0], rows[1])


def test_vector_cache_evicts_the_least_recently_used() -> None:
    cache = VectorCache(2)
    one, two, three = (np.full(3, v, dtype=np.float32) for v in (1, 2, 3))
    cache.put("a", one)
    cache.put("b", two)
    assert cache.get("a") is one  # "a" is now the most recent
    cache.put("c", three)
    assert cache.get("b") is None and cache.get("a") is one and cache.get("c") is three
    off = VectorCache(0)
    off.put("a", one)
    assert off.get("a") is None and len(off) == 0


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown embedding backend"):
        DenseEncoder(backend="cuda")  # type: ignore[arg-type]


def test_cached_build_runs_once_and_keys_follow_the_recipe(tmp_path: Path) -> None:
    calls: list[Path] = []

    def build(folder: Path) -> None:
        calls.append(folder)
        (folder / "model.bin").write_bytes(b"x")

    first = cached_build(tmp_path, "k", build)
    second = cached_build(tmp_path, "k", build)
    assert first == second == tmp_path / "k" and len(calls) == 1 and (first / "model.bin").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["k"]  # the work folder was renamed, nothing left
    spec = inspect_model(packaged_model_path())
    assert spec.dim == 384 and spec.max_seq_length == 256
    assert artifact_key(spec, "onnx-int8", ("onnxruntime",)) != artifact_key(spec, "openvino-int8", ("openvino",))


def test_calibration_texts_are_deterministic_and_bilingual() -> None:
    texts = calibration_texts(40)
    assert texts == calibration_texts(40) and len(set(texts)) == 40
    assert any("Skills:" in t for t in texts) and any("熟悉" in t for t in texts)
