"""API under closed-loop load: the recommendations endpoint cached and uncached (every request a new key)
against ``/healthz`` of the same server as the ceiling — requests/s, p50, p99. Cached answers come from
the replica's near cache; the full mode measures a second stack with it off (every hit a Redis GET).
The client is another process (httpx, threads), loopback only, bounded in requests and seconds.

``python -m bench.api_load [--quick]``
"""

from __future__ import annotations

import functools
import json
import random
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from bench._common import Samples, header, percentile, progress, run_main, table, write_result
from bench._stack import bearer_of, demo_stack, matching_status, profile_owners
from talentmatch.stack import LocalStack


def load(urls: list[str], *, concurrency: int, seconds: float, max_requests: int,
         authorizations: list[str] | None = None, bodies: list[Any] | None = None) -> dict[str, Any]:
    """Run the closed-loop client in its own process; its summary with every latency (``bodies``: POST
    ``bodies[i]`` to URL ``i``)."""
    with tempfile.TemporaryDirectory() as tmp:
        spec, out = Path(tmp) / "spec.json", Path(tmp) / "out.json"
        unique = list(dict.fromkeys(authorizations or []))  # a token per account, not per URL
        position = {value: n for n, value in enumerate(unique)}
        spec.write_text(json.dumps({"mode": "closed", "urls": urls, "authorizations": unique,
                                    "authorization_of": [position[value] for value in authorizations or []],
                                    "concurrency": concurrency, "seconds": seconds,
                                    "max_requests": max_requests, "bodies": bodies or []}))
        subprocess.run([sys.executable, "-m", "bench._load", str(spec), str(out)], check=True,
                       timeout=seconds + 120)
        result: dict[str, Any] = json.loads(out.read_text())
        return result


def measure(stack: LocalStack, *, profiles: int, rounds: int, seconds: float, concurrency: int,
            uncached: bool, label: str = "") -> tuple[dict[str, Samples], dict[str, list[float]], dict[str, int]]:
    """Interleaved rounds of each scenario against ``stack``: rates, latencies and errors by scenario."""
    base = stack.config.url("matching")
    owners = profile_owners(stack)  # each talent's recommendations are asked by its own seeker
    talents = sorted(owners)[:profiles]
    auth = {t: bearer_of(stack, "seeker", owners[t]) for t in talents}
    hot_talents = talents[:20]
    hot = [f"{base}/v1/talents/{t}/recommendations?k=10" for t in hot_talents]
    for talent, url in zip(hot_talents, hot, strict=True):  # fill the cache
        httpx.get(url, timeout=30, headers={"Authorization": auth[talent]}).raise_for_status()
    combos = [(t, k) for t in talents for k in range(1, 101)]
    random.Random(3).shuffle(combos)
    cold = [f"{base}/v1/talents/{t}/recommendations?k={k}" for t, k in combos]
    cold_auth = [auth[t] for t, _ in combos]
    scenarios = {"/healthz (ceiling)": ([f"{base}/healthz"], []),
                 "recommendations, cached": (hot, [auth[t] for t in hot_talents])}
    if uncached:
        scenarios["recommendations, uncached"] = (cold, cold_auth)
    names = {name: f"{name}{label}" for name in scenarios}
    rates = {names[name]: Samples() for name in scenarios}
    latencies: dict[str, list[float]] = {names[name]: [] for name in scenarios}
    errors = dict.fromkeys(rates, 0)
    used_cold = 0
    with progress(total=rounds * len(scenarios), desc=f"api rounds{label}") as bar:
        for _ in range(rounds):
            for name, (urls, headers) in scenarios.items():
                if name.endswith("uncached"):
                    urls, headers = cold[used_cold:], cold_auth[used_cold:]  # never asked before: every one misses
                outcome = load(urls, concurrency=concurrency, seconds=seconds, authorizations=headers,
                               max_requests=len(urls) if name.endswith("uncached") else 200_000)
                if name.endswith("uncached"):
                    used_cold += outcome["requests"]
                rates[names[name]].add(outcome["requests"] / outcome["seconds"])
                latencies[names[name]] += outcome["latencies"]
                errors[names[name]] += outcome["errors"]
                bar.update()
    return rates, latencies, errors


def run(quick: bool) -> dict[str, Any]:
    profiles, opportunities = (200, 150) if quick else (1000, 300)
    rounds, seconds, concurrency = (2, 4.0, 8) if quick else (3, 10.0, 8)
    header("API under closed-loop load", quick,
           f"{profiles} profiles, {opportunities} opportunities; {concurrency} client threads in another "
           f"process, {rounds} interleaved rounds of {seconds:.0f}s per scenario"
           + ("" if quick else "; then a second stack with the near cache off (every hit from Redis)"))
    rounds_of = functools.partial(measure, profiles=profiles, rounds=rounds, seconds=seconds,
                                  concurrency=concurrency)
    with demo_stack(profiles=profiles, opportunities=opportunities) as stack:
        rates, latencies, errors = rounds_of(stack, uncached=True)
        status = matching_status(stack)
    ceilings = {"": rates["/healthz (ceiling)"].median}
    if not quick:
        off = " [near cache off]"
        with demo_stack(profiles=profiles, opportunities=opportunities,
                        env={"MATCHING_CACHE_LOCAL_ENTRIES": "0"}) as stack:
            more = rounds_of(stack, uncached=False, label=off)
        rates |= more[0]
        latencies |= more[1]
        errors |= more[2]
        ceilings[off] = rates[f"/healthz (ceiling){off}"].median
    results, rows = [], []
    for name, rate in rates.items():
        lat = latencies[name]
        ceiling = ceilings[off] if not quick and name.endswith(off) else ceilings[""]
        result = {"scenario": name, "requests_per_s": rate.median, "spread": list(rate.spread),
                  "ratio_vs_ceiling": rate.median / ceiling, "p50_ms": percentile(lat, 50) * 1000,
                  "p99_ms": percentile(lat, 99) * 1000, "requests": len(lat), "errors": errors[name]}
        results.append(result)
        rows.append([name, f"{rate.median:,.0f}", f"{rate.spread[0]:,.0f}–{rate.spread[1]:,.0f}",
                     f"{result['ratio_vs_ceiling']:.0%}", f"{result['p50_ms']:.1f}", f"{result['p99_ms']:.1f}",
                     len(lat), errors[name]])
    print(table(["scenario", "req/s", "spread", "of ceiling", "p50 ms", "p99 ms", "requests", "errors"], rows))
    print(f"target: cached >= 50% of the ceiling; cache counters {status.get('cache')}")
    payload = {"profiles": profiles, "opportunities": opportunities, "rounds": rounds, "seconds": seconds,
               "concurrency": concurrency, "results": results, "cache": status.get("cache"), "target_ratio": 0.5}
    print(f"→ {write_result('api_load', payload, quick=quick)}")
    return payload


def main(argv: Sequence[str] | None = None) -> int:
    return run_main(run, argv, __doc__.split("\n")[0] if __doc__ else "")


if __name__ == "__main__":
    raise SystemExit(main())
