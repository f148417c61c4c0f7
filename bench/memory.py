"""Memory: resident size of the matching state (documents, versions, vector index) with N profiles
indexed, each N in a fresh process: 100k and 1M in full mode, 10k and 50k in quick mode.

Vectors have the service's width (384 dense + 1024 lexical = 1408) and go through the real commit
path (so from ``approx_threshold`` on the index is IVF, rebuilt as it grows); documents are demo
profiles' documents with their own string objects, as decoded events would have.

``python -m bench.memory [--quick]``
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
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


def child(n: int) -> dict[str, Any]:
    """Build the state with ``n`` profiles in this process; RSS before and after."""
    import numpy as np

    from services.matching.domain.documents import record_tags, talent_document
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
    state = MatchingState(DIM)
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
    return {"profiles": n, "python_objects_bytes": python_bytes, "python_bytes_per_profile": python_bytes / n,
            "rss_before_bytes": before * 1024, "rss_after_bytes": after * 1024,
            "state_bytes": (after - before) * 1024, "peak_bytes": _status_kb("VmHWM") * 1024,
            "bytes_per_profile": (after - before) * 1024 / n, "vector_bytes_per_profile": 4 * DIM,
            "index_kind": state.talents.index.kind, "rebuilds": state.rebuilds,
            "build_s": time.perf_counter() - start}


def run(quick: bool) -> dict[str, Any]:
    sizes = (10_000, 50_000) if quick else (100_000, 1_000_000)
    header("memory: resident size of the matching state", quick,
           f"profiles {', '.join(f'{n:,}' for n in sizes)}{' (quick mode: smaller N)' if quick else ''}; "
           f"vectors {DIM} float32 (384 dense + 1024 lexical); each size in a fresh process")
    results = []
    for n in sizes:
        out = subprocess.run([sys.executable, "-m", "bench.memory", "--child", str(n)], check=True,
                             capture_output=True, text=True, timeout=3600)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    rows = [[f"{r['profiles']:,}", f"{r['state_bytes'] / 2**20:,.0f}", f"{r['bytes_per_profile']:,.0f}",
             f"{r['vector_bytes_per_profile']:,}", f"{r['python_bytes_per_profile']:,.0f}",
             f"{r['peak_bytes'] / 2**20:,.0f}", r["index_kind"], r["rebuilds"], f"{r['build_s']:.0f}"]
            for r in results]
    print(table(["profiles", "RSS growth MiB", "RSS bytes/profile", "vector bytes", "python objects bytes/profile",
                 "peak RSS MiB", "index", "rebuilds", "build s"], rows))
    print("RSS growth = resident size after minus before building the state (freed arenas are reused, so "
          "it can undercount the Python part, which tracemalloc gives exactly)")
    payload = {"dim": DIM, "results": results}
    print(f"→ {write_result('memory', payload, quick=quick)}")
    return payload


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true", help="10k and 50k profiles")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    offline()
    if args.child:
        print(json.dumps(child(args.child)))
        return 0
    run(args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
