"""Memory: resident size of the matching state (documents, versions, vector index) with N profiles
indexed, each N and each vector layout in a fresh process: 100k and 1M in full mode, 20k and 50k in
quick mode (where the IVF threshold is lowered to 10k, so the quick sizes use the layout 1M uses).
Layouts side by side: ``float32`` (IVF-Flat, the earlier layout) and ``sq8`` (IVF with 8-bit codes).

Vectors have the service's width (384 dense + 1024 lexical = 1408) and go through the real commit
path (so from ``approx_threshold`` on the index is IVF, rebuilt as it grows); documents are demo
profiles' documents with their own string objects, as decoded events would have. The index's own
bytes per record are FAISS's serialized size (codes, ids, lists, centroids), which is what it holds.

Recall is measured apart, on real hybrid vectors (demo texts through the service's default encoder):
recall@10 of each layout's IVF search against exact search, and how many of the exact top 10 are
among the 100 candidates the ranking re-scores (``MatchingService._candidates``).

A checkpoint of the largest sq8 state is written twice, the earlier way (a clone of the index, written
after) and streaming the live index while writers wait: resident peak above the state, and how long
the writers are held.

``python -m bench.memory [--quick] [--sizes N ...]``
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench._common import header, offline, progress, table, write_result

DIM = 384 + 1024


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _fresh(text: str) -> str:
    return text.encode("utf-8").decode("utf-8")  # a new string object, as JSON decoding makes


def _build(n: int, storage: str, threshold: int) -> tuple[Any, dict[str, Any]]:
    """The state with ``n`` profiles, built in this process; RSS before and after."""
    import numpy as np

    from services.matching.domain.documents import record_tags, talent_document
    from services.matching.domain.index import IndexConfig
    from services.matching.domain.occupations import build_normalizer
    from services.matching.domain.state import Change, MatchingState, Plan
    from shared.events.contracts import ProfileSnapshot
    from talentmatch.demo.generate import DemoGenerator

    fields = set(ProfileSnapshot.model_fields)
    snapshots = [ProfileSnapshot.model_validate({k: v for k, v in body.items() if k in fields})
                 for body in DemoGenerator(seed=21).profiles(2000)]
    tags = record_tags(snapshots, normalizer=build_normalizer())
    pool = [talent_document(i, snapshot, max_chars=2000, tags=found)[0]
            for i, (snapshot, found) in enumerate(zip(snapshots, tags, strict=True))]
    state = MatchingState(DIM, index=IndexConfig(approx_threshold=threshold, storage=storage))  # type: ignore[arg-type]
    rng = np.random.default_rng(0)
    gc.collect()
    before = _status_kb("VmRSS")
    tracemalloc.start()  # Python objects only (documents, versions, id sets); FAISS memory is not traced
    start = time.perf_counter()
    chunk = 10_000
    for begin in progress(range(0, n, chunk), desc=f"state with {n:,} profiles"):
        ids = range(begin + 1, min(n, begin + chunk) + 1)
        changes = []
        for record in ids:
            doc = pool[record % len(pool)]
            doc = replace(doc, id=record, display_name=_fresh(doc.display_name), city=_fresh(doc.city),
                          desired_cities=tuple(_fresh(c) for c in doc.desired_cities))
            changes.append(Change(side="talents", record_id=record, version=1, doc=doc))
        vectors = rng.standard_normal((len(changes), DIM), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        state.commit(Plan(changes=tuple(changes), events=len(changes), ignored=0), vectors)
        del changes, vectors
    gc.collect()
    python_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    after = _status_kb("VmRSS")
    index_bytes = state.talents.index.memory_bytes()
    return state, {"profiles": n, "storage": storage, "index_bytes_per_profile": index_bytes / n,
            "python_objects_bytes": python_bytes, "python_bytes_per_profile": python_bytes / n,
            "rss_before_bytes": before * 1024, "rss_after_bytes": after * 1024,
            "state_bytes": (after - before) * 1024, "peak_bytes": _status_kb("VmHWM") * 1024,
            "bytes_per_profile": (after - before) * 1024 / n, "vector_bytes_per_profile": 4 * DIM,
            "index_kind": state.talents.index.kind, "rebuilds": state.rebuilds,
            "build_s": time.perf_counter() - start}


def child(n: int, storage: str, threshold: int) -> dict[str, Any]:
    return _build(n, storage, threshold)[1]


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM back to the current VmRSS


def checkpoint_peak(n: int, storage: str, threshold: int, directory: str, mode: str) -> dict[str, Any]:
    """Resident peak while a checkpoint is written, the earlier way (``clone``: a clone of the index, written
    in the background) or streaming the live index (``stream``: writers wait until it is in the file); FAISS's
    own memory is C++, so RSS (VmHWM, reset before the write), not tracemalloc."""
    from services.matching.domain import checkpoint as ckpt
    from services.matching.domain.encoders import HybridEncoder, LexicalEncoder
    from shared.background import utc_now

    state, built = _build(n, storage, threshold)
    encoder = HybridEncoder(dense=None, lexical=LexicalEncoder(DIM), dense_weight=0.0, lexical_weight=1.0)
    fingerprint = ckpt.Fingerprint.of(encoder, max_text_chars=2000)
    out: dict[str, Any] = {"profiles": n, "storage": storage, "index_bytes": built["index_bytes_per_profile"] * n,
                           "rss_bytes": _status_kb("VmRSS") * 1024}
    if mode not in ("stream", "clone"):
        raise ValueError(f"mode {mode!r}: stream or clone")
    gc.collect()  # one mode per process: memory one freed would lower the other's peak
    _reset_peak()
    before = _status_kb("VmRSS")
    start = time.perf_counter()
    copy = state.copy_out(hold=mode == "stream")
    captured = time.perf_counter() - start
    written = ckpt.write(Path(directory), ckpt.Checkpoint(state=copy, positions={"p:0": n}, last_records={},
                                                          figures=None, saved_at=utc_now()), fingerprint)
    peak = _status_kb("VmHWM")
    held = copy.hold.seconds if copy.hold is not None else captured
    del copy
    out[mode] = {"peak_above_bytes": (peak - before) * 1024, "writers_held_s": held, "capture_s": captured,
                 "write_s": written.seconds, "file_bytes": written.bytes}
    return out


def recall(count: int, queries: int = 200) -> dict[str, Any]:
    """Recall@10 of each IVF layout against exact search, on the default encoder's vectors of demo texts."""
    import numpy as np

    from bench._common import demo_texts
    from services.matching.domain.index import IndexConfig, Storage, VectorIndex
    from services.matching.encoder_setup import build_encoder
    from services.matching.settings import MatchingSettings

    texts = list(dict.fromkeys(demo_texts(count)))
    encoder = build_encoder(MatchingSettings())
    vectors = np.concatenate([encoder.encode(texts[i:i + 256]) for i in range(0, len(texts), 256)])
    ids = list(range(len(texts)))
    probe = np.random.default_rng(5).choice(len(texts), size=min(queries, len(texts)), replace=False)
    exact = VectorIndex.build(encoder.dim, ids, vectors, kind="flat")
    truth = {q: {i for i, _ in exact.search(vectors[q], 11) if i != q} for q in probe}
    out: dict[str, Any] = {"texts": len(texts), "encoder": encoder.name, "queries": len(probe)}
    layouts: tuple[Storage, ...] = ("float32", "sq8")
    for storage in layouts:
        start = time.perf_counter()
        index = VectorIndex.build(encoder.dim, ids, vectors, kind="ivf",
                                  config=IndexConfig(storage=storage))
        built = time.perf_counter() - start
        top10 = [len({i for i, _ in index.search(vectors[q], 11) if i != q} & truth[q]) / len(truth[q])
                 for q in probe]
        top100 = [len({i for i, _ in index.search(vectors[q], 101)} & truth[q]) / len(truth[q]) for q in probe]
        out[storage] = {"recall_at_10": statistics.mean(top10), "exact_top10_in_100": statistics.mean(top100),
                        "build_s": built, "nlist": index.nlist}
    return out


def run(quick: bool, only: Sequence[int] = ()) -> dict[str, Any]:
    sizes = tuple(only) or ((20_000, 50_000) if quick else (100_000, 1_000_000))
    threshold = 10_000 if quick else 100_000
    header("memory: resident size of the matching state", quick,
           f"profiles {', '.join(f'{n:,}' for n in sizes)}{' (quick mode: smaller N, IVF from 10k)' if quick else ''};"
           f" vectors {DIM} wide (384 dense + 1024 lexical), layouts float32 and sq8; each run in a fresh process")
    results = []
    for n in sizes:
        for storage in ("float32", "sq8"):
            out = subprocess.run([sys.executable, "-m", "bench.memory", "--child", str(n), storage, str(threshold)],
                                 check=True, capture_output=True, text=True, timeout=3600)
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    rows = [[f"{r['profiles']:,}", r["storage"], f"{r['index_bytes_per_profile']:,.0f}",
             f"{r['state_bytes'] / 2**20:,.0f}", f"{r['bytes_per_profile']:,.0f}",
             f"{r['python_bytes_per_profile']:,.0f}", f"{r['peak_bytes'] / 2**20:,.0f}", r["index_kind"],
             r["rebuilds"], f"{r['build_s']:.0f}"]
            for r in results]
    print(table(["profiles", "vectors", "index bytes/profile", "RSS growth MiB", "RSS bytes/profile",
                 "python objects bytes/profile", "peak RSS MiB", "index", "rebuilds", "build s"], rows))
    Path("var").mkdir(exist_ok=True)
    saved: dict[str, Any] = {}
    for mode in ("clone", "stream"):
        with tempfile.TemporaryDirectory(dir="var") as directory:
            out = subprocess.run([sys.executable, "-m", "bench.memory", "--checkpoint", str(sizes[-1]), "sq8",
                                  str(threshold), directory, mode],
                                 check=True, capture_output=True, text=True, timeout=3600)
        saved = {**json.loads(out.stdout.strip().splitlines()[-1]), **saved}
    print(table(["checkpoint of the sq8 state", "RSS peak above the state MiB", "writers held s", "write s",
                 "file MiB"],
                [[f"{saved['profiles']:,}, {label}", f"{saved[mode]['peak_above_bytes'] / 2**20:,.0f}",
                  f"{saved[mode]['writers_held_s']:.1f}", f"{saved[mode]['write_s']:.1f}",
                  f"{saved[mode]['file_bytes'] / 2**20:,.0f}"]
                 for mode, label in (("clone", "clone of the index (earlier)"), ("stream", "live index streamed"))]))
    measured = subprocess.run([sys.executable, "-m", "bench.memory", "--recall", str(3000 if quick else 20_000)],
                              check=True, capture_output=True, text=True, timeout=3600)
    quality = json.loads(measured.stdout.strip().splitlines()[-1])
    print(table(["vectors", "recall@10 vs exact", "exact top 10 in 100 candidates", "IVF build s", "nlist"],
                [[storage, f"{quality[storage]['recall_at_10']:.3f}", f"{quality[storage]['exact_top10_in_100']:.3f}",
                  f"{quality[storage]['build_s']:.1f}", quality[storage]["nlist"]] for storage in ("float32", "sq8")]))
    print(f"recall on {quality['texts']:,} distinct demo texts through {quality['encoder']}, "
          f"{quality['queries']} queries")
    print("RSS growth = resident size after minus before building the state (freed arenas are reused, so "
          "it can undercount the Python part, which tracemalloc gives exactly)")
    payload = {"dim": DIM, "threshold": threshold, "results": results, "checkpoint": saved, "recall": quality}
    print(f"→ {write_result('memory', payload, quick=quick)}")
    return payload


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true", help="20k and 50k profiles")
    parser.add_argument("--sizes", type=int, nargs="+", default=(), help="only these numbers of profiles")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--recall", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--checkpoint", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    offline()
    if args.child:
        print(json.dumps(child(int(args.child[0]), args.child[1], int(args.child[2]))))
        return 0
    if args.checkpoint:
        n, storage, threshold, directory, mode = args.checkpoint
        print(json.dumps(checkpoint_peak(int(n), storage, int(threshold), directory, mode)))
        return 0
    if args.recall:
        print(json.dumps(recall(args.recall)))
        return 0
    run(args.quick, args.sizes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
