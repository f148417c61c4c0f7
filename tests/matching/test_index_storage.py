"""The IVF kind's 8-bit storage: same behaviour as float32 (upsert, remove, reconstruct, rebuild), a quarter
of the bytes, near-identical neighbours."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from services.matching.domain.index import IndexConfig, VectorIndex

DIM = 256  # wide enough that codes, not ids and centroids, make most of the bytes


def _clustered(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((20, DIM)).astype(np.float32)
    rows = centres[rng.integers(0, 20, n)] + 0.5 * rng.standard_normal((n, DIM)).astype(np.float32)
    normalized: np.ndarray = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return normalized


def _ivf(storage: str, vectors: np.ndarray) -> VectorIndex:
    config = IndexConfig(approx_threshold=100, storage=storage)  # type: ignore[arg-type]
    return VectorIndex.build(DIM, list(range(len(vectors))), vectors, config=config, kind="ivf")


def test_sq8_takes_about_a_quarter_of_the_bytes_and_finds_the_same_neighbours() -> None:
    vectors = _clustered(4000)
    full, small = _ivf("float32", vectors), _ivf("sq8", vectors)
    assert small.memory_bytes() < full.memory_bytes() / 3
    queries = vectors[:50]
    overlap = [len({i for i, _ in small.search(q, 10)} & {i for i, _ in full.search(q, 10)}) for q in queries]
    assert sum(overlap) / (10 * len(queries)) >= 0.9
    assert [small.search(q, 1)[0][0] for q in queries] == list(range(50))  # each finds itself first


def test_sq8_upserts_removes_reconstructs_and_rebuilds_as_float32_does() -> None:
    vectors = _clustered(1000, seed=1)
    index = _ivf("sq8", vectors)
    index.upsert_many([3], vectors[7:8])
    assert index.remove_many([5, 99_999]) == 1
    assert len(index) == index.stored == 999 and 5 not in index
    moved = index.vector(3)
    assert moved is not None and float(moved @ vectors[7]) > 0.99  # 8-bit codes: close, not exact
    assert index.search(vectors[7], 2)[0][0] in {3, 7}
    again = index.rebuilt()
    assert again.config.storage == "sq8" and again.kind == "ivf" and len(again) == 999


def test_a_snapshot_streams_to_a_file_and_back_in_its_own_storage(tmp_path: Path) -> None:
    vectors = _clustered(2000, seed=2)
    index = _ivf("sq8", vectors)
    snapshot = index.snapshot()
    index.remove_many([1, 2, 3])  # the live index moves on; the snapshot does not
    path = tmp_path / "index.faiss"
    with open(path, "wb") as out:
        snapshot.write(out)
    assert path.stat().st_size < 2000 * DIM * 4 / 2  # codes of a byte per value (float32: four), ids, lists
    with open(path, "rb") as data:
        loaded = VectorIndex.read(data, DIM, range(2000), trained_for=snapshot.trained_for)
    assert (loaded.kind, loaded.storage, len(loaded), loaded.stored) == ("ivf", "sq8", 2000, 2000)
    assert [loaded.search(v, 1)[0][0] for v in vectors[:20]] == list(range(20))
    assert loaded.remove_many([1]) == 1 and 1 not in loaded
    adopted = loaded.adopt(IndexConfig(approx_threshold=100, storage="float32"))
    assert adopted.storage == "float32" and len(adopted) == 1999
