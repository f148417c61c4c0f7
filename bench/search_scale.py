"""Search at scale: exact flat search against the approximate indexes at 100k (quick) or 1M vectors of
384 dimensions — recall@10, single-query queries/s, build time, memory per vector, removals.

Vectors are synthetic but shaped like matching's: demo document embeddings (all-MiniLM-L6-v2) as
centres, each vector a centre plus a random share of a second centre plus Gaussian noise, normalized.
Queries are drawn the same way (never indexed). Query loops run single queries, as the service does,
in interleaved rounds.

``python -m bench.search_scale [--quick]``
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import faiss
import numpy as np

from bench._common import RESULTS_DIR, Samples, demo_texts, header, progress, run_main, table, write_result

_faiss: Any = faiss  # its bundled stubs lack the keyword search parameters
DIM = 384
NOISE = 0.8  # norm of the noise added to a centre (cosine to the centre ≈ 0.78)


def centres(count: int) -> np.ndarray:
    """Embeddings of ``count`` demo document texts (cached under var/bench)."""
    path = RESULTS_DIR / f"demo-vectors-{count}.npy"
    if path.exists():
        cached: np.ndarray = np.load(path)
        return cached
    from services.matching.domain.encoders import DenseEncoder

    encoder = DenseEncoder(backend="openvino", cache_dir="var/models")
    vectors = encoder.encode(demo_texts(count, seed=11))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def synthetic(base: np.ndarray, n: int, *, seed: int, chunk: int = 100_000) -> np.ndarray:
    """``n`` normalized rows: centre a + u·centre b (u in [0, 0.5)) + noise of norm ≈ NOISE."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        a, b = rng.integers(0, len(base), m), rng.integers(0, len(base), m)
        rows = base[a] + rng.uniform(0, 0.5, (m, 1)).astype(np.float32) * base[b]
        rows += rng.normal(0, NOISE / np.sqrt(base.shape[1]), (m, base.shape[1])).astype(np.float32)
        out[start:start + m] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return out


def index_bytes(index: Any) -> int:
    return int(faiss.serialize_index(index).nbytes)


def recall(found: list[list[int]], truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t.tolist())) / 10 for f, t in zip(found, truth, strict=True)]))


def run(quick: bool) -> dict[str, Any]:
    from services.matching.domain.index import IndexConfig, VectorIndex

    n, n_centres, n_queries, rounds = (50_000, 1000, 200, 3) if quick else (1_000_000, 2000, 200, 3)
    flat_queries = 50 if not quick else 100
    header("search at scale: exact vs approximate", quick,
           f"{n:,} vectors x {DIM} dims from {n_centres} demo embeddings + noise; {n_queries} unseen queries, "
           f"single-query loops, {rounds} interleaved rounds; faiss threads {faiss.omp_get_max_threads()}")
    base = centres(n_centres)
    data = synthetic(base, n, seed=1)
    queries = synthetic(base, n_queries, seed=2)
    ids = np.arange(n, dtype=np.int64)

    builds: dict[str, float] = {}
    start = time.perf_counter()
    flat = faiss.IndexFlatIP(DIM)
    flat.add(data)
    builds["flat"] = time.perf_counter() - start
    truth = flat.search(queries, 10)[1]

    start = time.perf_counter()
    ivf = VectorIndex.build(DIM, ids.tolist(), data, config=IndexConfig(approx_threshold=1), kind="ivf")
    builds["ivf"] = time.perf_counter() - start

    hnsw = faiss.IndexHNSWFlat(DIM, 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 64
    start = time.perf_counter()
    for begin in progress(range(0, n, 50_000), desc="hnsw build"):
        hnsw.add(data[begin:begin + 50_000])
    builds["hnsw"] = time.perf_counter() - start

    searches: dict[str, Callable[[np.ndarray], list[int]]] = {
        "flat (exact)": lambda q: flat.search(q.reshape(1, DIM), 10)[1][0].tolist(),
    }
    for nprobe in (8, 16, 32, 64):
        params = _faiss.SearchParametersIVF(nprobe=nprobe)
        searches[f"ivf nprobe={nprobe}"] = _searcher(ivf._index, params)
    searches["ivf via VectorIndex (service)"] = lambda q: [i for i, _ in ivf.search(q, 10)]
    for ef in (16, 32, 64, 128):
        params_h = _faiss.SearchParametersHNSW(efSearch=ef)
        searches[f"hnsw M=32 ef={ef}"] = _searcher(hnsw, params_h)

    times = {name: Samples() for name in searches}
    with progress(total=rounds * len(searches), desc="query rounds") as bar:
        for _ in range(rounds):
            for name, search in searches.items():
                batch = queries[:flat_queries] if name.startswith("flat") else queries
                start = time.perf_counter()
                for q in batch:
                    search(q)
                times[name].add(len(batch) / (time.perf_counter() - start))
                bar.update()
    flat_qps = times["flat (exact)"].median

    memory = {"flat": index_bytes(flat) / n, "ivf": index_bytes(ivf._index) / n, "hnsw": index_bytes(hnsw) / n}
    rows: list[list[Any]] = []
    results: list[dict[str, Any]] = []
    for name, search in searches.items():
        found = [search(q) for q in queries]
        kind = "flat" if name.startswith("flat") else "hnsw" if name.startswith("hnsw") else "ivf"
        qps = times[name]
        result = {"index": name, "recall_at_10": recall(found, truth), "qps": qps.median,
                  "qps_spread": list(qps.spread), "ratio_vs_flat": qps.median / flat_qps,
                  "bytes_per_vector": memory[kind], "build_s": builds[kind]}
        results.append(result)
        rows.append([name, f"{result['recall_at_10']:.3f}", f"{qps.median:,.0f}",
                     f"{qps.spread[0]:,.0f}–{qps.spread[1]:,.0f}", f"{result['ratio_vs_flat']:.0f}x",
                     f"{memory[kind]:.0f}", f"{builds[kind]:.1f}"])
    removal = _removal(ivf, n)
    print(table(["index", "recall@10", "q/s", "spread", "vs flat", "bytes/vec", "build s"], rows))
    print(f"ivf: nlist {ivf.nlist}, trained on {min(n, ivf.nlist * 32):,} rows; removing 1,000 ids took "
          f"{removal['remove_1000_s'] * 1000:.1f} ms, re-adding them {removal['readd_1000_s'] * 1000:.1f} ms; "
          f"hnsw cannot remove (tombstones + rebuild), so the service uses ivf")
    ok = [r for r in results if r["recall_at_10"] >= 0.95 and not r["index"].startswith("flat")]
    best = max(ok, key=lambda r: r["qps"]) if ok else None
    if best:
        print(f"fastest approximate at recall@10 >= 0.95: {best['index']}, {best['ratio_vs_flat']:.0f}x flat "
              f"(target 20x)")
    payload = {"vectors": n, "dim": DIM, "centres": n_centres, "queries": n_queries, "rounds": rounds,
               "results": results, "removal": removal, "nlist": ivf.nlist,
               "best": best["index"] if best else None, "target_ratio": 20.0}
    print(f"→ {write_result('search_scale', payload, quick=quick)}")
    return payload


def _searcher(index: Any, params: Any) -> Callable[[np.ndarray], list[int]]:
    def search(query: np.ndarray) -> list[int]:
        ids: list[int] = index.search(query.reshape(1, DIM), 10, params=params)[1][0].tolist()
        return ids

    return search


def _removal(index: Any, n: int) -> dict[str, float]:
    victims = list(range(0, n, max(1, n // 1000)))[:1000]
    vectors = np.stack([index.vector(i) for i in victims])
    start = time.perf_counter()
    index.remove_many(victims)
    removed = time.perf_counter() - start
    assert all(index.vector(i) is None for i in victims[:10])
    start = time.perf_counter()
    index.upsert_many(victims, vectors)
    return {"remove_1000_s": removed, "readd_1000_s": time.perf_counter() - start}


def main(argv: Sequence[str] | None = None) -> int:
    return run_main(run, argv, __doc__.split("\n")[0] if __doc__ else "")


if __name__ == "__main__":
    raise SystemExit(main())

