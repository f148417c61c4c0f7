"""Queries under contention: free-text search and uncached recommendations, p50 idle vs while matching
ingests a steady background of profile changes (another process PATCHes ``--rate`` a second, each a new
``skills_text`` that matching re-embeds), with ``/healthz`` of the same server as the ceiling.

Every query is new (distinct text or ``k``), so each one tags the text with occupations, embeds it and
searches: nothing comes from the cache. ``--compare`` also starts a second stack with every native
thread count left at the libraries' defaults (``MATCHING_BLAS_THREADS=0``,
``MATCHING_INGEST_OPENMP_THREADS=0``, ``MATCHING_QUERY_OPENMP_THREADS=0``): the before and after of
``services/matching/threads.py`` in one run.

``python -m bench.contention [--quick] [--rate N] [--compare]``
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench._common import header, machine, offline, percentile, table, write_result
from bench._stack import bearer_of, demo_stack, profile_owners
from bench.api_load import load
from bench.freshness import background_load
from talentmatch.stack import LocalStack

LIBRARY_DEFAULTS = {"MATCHING_BLAS_THREADS": "0", "MATCHING_INGEST_OPENMP_THREADS": "0",
                    "MATCHING_QUERY_OPENMP_THREADS": "0"}


def _queries(stack: LocalStack, *, profiles: int) -> dict[str, tuple[list[str], list[str], list[Any]]]:
    """Per scenario: URLs, authorizations and (for search) bodies, each request never asked before."""
    from talentmatch.demo.generate import DemoGenerator

    base = stack.config.url("matching")
    owners = profile_owners(stack)
    talents = sorted(owners)[:profiles]
    auth = {t: bearer_of(stack, "seeker", owners[t]) for t in talents}
    rng = random.Random(3)
    recommend = [(t, k) for t in talents for k in range(1, 101)]
    rng.shuffle(recommend)
    postings = DemoGenerator(seed=17).opportunities(400)
    texts = [f"{p['title']} {' '.join(p.get('skills') or [])}" for p in postings]
    search = [(text, k) for text in dict.fromkeys(texts) for k in range(1, 101)]
    rng.shuffle(search)
    searcher = auth[talents[0]]
    return {
        "/healthz (ceiling)": ([f"{base}/healthz"], [], []),
        "free-text search": ([f"{base}/v1/search"] * len(search), [searcher] * len(search),
                             [{"text": text, "k": k} for text, k in search]),
        "recommendations, uncached": ([f"{base}/v1/talents/{t}/recommendations?k={k}" for t, k in recommend],
                                      [auth[t] for t, _ in recommend], []),
    }


def _closed(urls: list[str], authorizations: list[str], bodies: list[Any], *, seconds: float,
            concurrency: int) -> dict[str, Any]:
    return load(urls, concurrency=concurrency, seconds=seconds, authorizations=authorizations or None,
                max_requests=len(urls) if len(urls) > 1 else 200_000, bodies=bodies or None)


def _phases(stack: LocalStack, *, profiles: int, rounds: int, seconds: float, concurrency: int,
            rate: float) -> dict[str, dict[str, Any]]:
    """Interleaved rounds of each scenario, idle then under the background; per scenario and phase the
    latencies and rates."""
    scenarios = _queries(stack, profiles=profiles)
    used = dict.fromkeys(scenarios, 0)
    out: dict[str, dict[str, Any]] = {name: {} for name in scenarios}

    def rounds_of(phase: str) -> None:
        for _ in range(rounds):
            for name, (urls, auth, bodies) in scenarios.items():
                start = used[name] if len(urls) > 1 else 0
                outcome = _closed(urls[start:], auth[start:], bodies[start:], seconds=seconds,
                                  concurrency=concurrency)
                if len(urls) > 1:
                    used[name] += outcome["requests"]
                entry = out[name].setdefault(phase, {"latencies": [], "rates": [], "errors": 0, "load": []})
                entry["latencies"] += outcome["latencies"]
                entry["rates"].append(outcome["requests"] / outcome["seconds"])
                entry["errors"] += outcome["errors"]
                entry["load"].append(machine()["load_average"][0])

    rounds_of("idle")
    with tempfile.TemporaryDirectory() as tmp:
        span = rounds * len(scenarios) * (seconds + 3.0) + 10.0
        writer = background_load(stack, stack.config.url("profiles"), profile_owners(stack), rate=rate,
                                 seconds=span, out=Path(tmp) / "bg.json")
        time.sleep(3.0)  # the background reaches its rate and matching starts applying
        rounds_of("ingest")
        writer.terminate()
        writer.wait(timeout=60)
    return out


def _summary(config: str, results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    ceiling = statistics.median(results["/healthz (ceiling)"]["idle"]["rates"])
    rows = []
    for name, phases in results.items():
        idle, busy = phases["idle"], phases["ingest"]
        idle_rate = statistics.median(idle["rates"])
        rows.append({"config": config, "scenario": name, "idle_p50_ms": percentile(idle["latencies"], 50) * 1000,
                     "ingest_p50_ms": percentile(busy["latencies"], 50) * 1000,
                     "ingest_p99_ms": percentile(busy["latencies"], 99) * 1000,
                     "idle_requests_per_s": idle_rate, "of_ceiling": idle_rate / ceiling,
                     "errors": idle["errors"] + busy["errors"],
                     "load": [max(idle["load"]), max(busy["load"])]})
        rows[-1]["ratio"] = rows[-1]["ingest_p50_ms"] / rows[-1]["idle_p50_ms"]
    return rows


def run(quick: bool, *, rate: float, compare: bool) -> dict[str, Any]:
    profiles, opportunities = (200, 150) if quick else (1000, 300)
    rounds, seconds, concurrency = (2, 4.0, 4) if quick else (3, 10.0, 4)
    header("queries under contention: idle vs during ingest", quick,
           f"{profiles} profiles, {opportunities} opportunities; {concurrency} client threads, {rounds} rounds of "
           f"{seconds:.0f}s per scenario and phase; background {rate:.0f} profile changes/s (another process)")
    configs: dict[str, dict[str, str]] = {"per-role threads (defaults)": {}}
    if compare:
        configs["library defaults"] = LIBRARY_DEFAULTS
    summary: list[dict[str, Any]] = []
    for config, env in configs.items():
        with demo_stack(profiles=profiles, opportunities=opportunities, env=env) as stack:
            summary += _summary(config, _phases(stack, profiles=profiles, rounds=rounds, seconds=seconds,
                                                concurrency=concurrency, rate=rate))
    print(table(["threads", "scenario", "idle p50 ms", "ingest p50 ms", "ratio", "ingest p99 ms", "idle req/s",
                 "of ceiling", "errors", "load idle/ingest"],
                [[r["config"], r["scenario"], f"{r['idle_p50_ms']:.1f}", f"{r['ingest_p50_ms']:.1f}",
                  f"{r['ratio']:.2f}×", f"{r['ingest_p99_ms']:.1f}", f"{r['idle_requests_per_s']:,.0f}",
                  f"{r['of_ceiling']:.0%}", r["errors"], f"{r['load'][0]:.1f}/{r['load'][1]:.1f}"] for r in summary]))
    print("targets: p50 during ingest <= 1.5× idle for search and uncached recommendations; "
          "uncached recommendations >= 25% of the ceiling")
    payload = {"profiles": profiles, "opportunities": opportunities, "rate": rate, "rounds": rounds,
               "seconds": seconds, "concurrency": concurrency, "results": summary}
    print(f"→ {write_result('contention', payload, quick=quick)}")
    return payload


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true", help="200 profiles, short rounds")
    parser.add_argument("--rate", type=float, default=50.0, help="background profile changes per second")
    parser.add_argument("--compare", action="store_true", help="also a stack with library-default threads")
    args = parser.parse_args(argv)
    offline()
    run(args.quick, rate=args.rate, compare=args.compare)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
