"""Freshness: time from a profile update accepted over HTTP (PATCH answered 200) to the new
recommendations being served, idle and under a steady background of 100 profile changes a second
(each a new ``skills_text``, so each is re-embedded), on the whole local stack.

Probe profiles alternate between the texts of two "beacon" postings, so the served top-1 tells
which version matching answered from.

``python -m bench.freshness [--quick]``
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from bench._common import header, percentile, progress, run_main, table, write_result
from bench._stack import bearer_of, demo_stack, matching_status, profile_owners
from talentmatch.stack import LocalStack

PROBE_SUBJECT = "seeker-freshness-probe-{n}"
BEACON_ENTERPRISE = "ent-freshness-beacons"

BEACONS = (
    ("灯塔岗位甲·卫星遥感影像解译工程师", "卫星遥感影像解译、地物分类与变化检测，熟悉遥感影像处理与测绘制图。",
     ["卫星遥感", "地物分类", "测绘制图"]),
    ("灯塔岗位乙·声纹识别算法工程师", "声纹识别、说话人验证与语音降噪算法研发，熟悉声学建模。",
     ["声纹识别", "说话人验证", "声学建模"]),
)


def _beacons(client: httpx.Client, jobs: str, auth: dict[str, str]) -> list[int]:
    from talentmatch.demo.generate import DemoGenerator

    ids = []
    for title, description, skills in BEACONS:
        body = {**DemoGenerator(seed=5).job_posting(), "title": title, "description": description, "skills": skills}
        response = client.post(f"{jobs}/v1/opportunities", json=body, headers=auth)
        response.raise_for_status()
        ids.append(int(response.json()["id"]))
    return ids


def _top(client: httpx.Client, matching: str, talent: int, auth: dict[str, str]) -> int | None:
    response = client.get(f"{matching}/v1/talents/{talent}/recommendations", params={"k": 1}, headers=auth)
    if response.status_code != 200:
        return None
    items = response.json()["items"]
    return int(items[0]["id"]) if items else None


def _probe(client: httpx.Client, urls: dict[str, str], talent: int, beacon: int, which: int,
           auth: dict[str, str], timeout: float = 60.0) -> float:
    """PATCH the talent (as its seeker) to the beacon's text; seconds from the 200 to the first answer
    that shows it."""
    _, description, skills = BEACONS[which]
    response = client.patch(f"{urls['profiles']}/v1/profiles/{talent}",
                            json={"skills_text": description, "skills": skills}, headers=auth)
    response.raise_for_status()
    accepted = time.perf_counter()
    while time.perf_counter() - accepted < timeout:
        if _top(client, urls["matching"], talent, auth) == beacon:
            return time.perf_counter() - accepted
        time.sleep(0.005)
    raise TimeoutError(f"talent {talent} still not showing beacon {beacon} after {timeout:.0f}s")


def background_load(stack: LocalStack, base: str, owners: dict[int, str], *, rate: float, seconds: float,
                out: Path) -> subprocess.Popen[bytes]:
    """The paced PATCH load in another process, each change sent by the profile's own seeker."""
    from talentmatch.demo.generate import DemoGenerator

    texts = [p["skills_text"] for p in DemoGenerator(seed=99).profiles(400)]
    authorizations = {str(record): bearer_of(stack, "seeker", owner) for record, owner in owners.items()}
    spec = out.with_suffix(".spec.json")
    spec.write_text(json.dumps({"mode": "paced", "base": base, "rate": rate, "seconds": seconds,
                                "ids": sorted(owners), "texts": texts, "authorizations": authorizations},
                               ensure_ascii=False))
    return subprocess.Popen([sys.executable, "-m", "bench._load", str(spec), str(out)])


def _probes(client: httpx.Client, urls: dict[str, str], probes: list[int], beacons: list[int],
            state: dict[int, int], auth: dict[int, dict[str, str]], *, count: int, until: float | None,
            desc: str) -> list[float]:
    seen = []
    with progress(total=count, desc=desc) as bar:
        for n in range(count):
            if until is not None and time.perf_counter() > until:
                break
            talent = probes[n % len(probes)]
            state[talent] = 1 - state[talent]
            seen.append(_probe(client, urls, talent, beacons[state[talent]], state[talent], auth[talent]))
            bar.update()
            time.sleep(0.1)
    return seen


def run(quick: bool) -> dict[str, Any]:
    from talentmatch.demo.generate import DemoGenerator

    profiles, rate = (200, 100.0) if quick else (500, 100.0)
    seconds, idle_probes = (20.0, 5) if quick else (60.0, 10)
    header("freshness: profile update accepted → new recommendations served", quick,
           f"{profiles} demo profiles; background {rate:.0f} PATCH/s of new skills_text for {seconds:.0f}s "
           f"(another process); probes alternate between two beacon postings")
    with demo_stack(profiles=profiles, opportunities=150) as stack, \
            httpx.Client(timeout=30) as client, tempfile.TemporaryDirectory() as tmp:
        urls = {s: stack.config.url(s) for s in ("profiles", "jobs", "matching")}
        demo_owners = profile_owners(stack)  # before the probes: the background changes demo profiles only
        beacons = _beacons(client, urls["jobs"], stack.headers("enterprise", BEACON_ENTERPRISE))
        probes: list[int] = []
        auth: dict[int, dict[str, str]] = {}
        for n in range(3):
            body = {**DemoGenerator(seed=8).profile(), "skills_text": BEACONS[0][1], "skills": BEACONS[0][2]}
            seeker = stack.headers("seeker", PROBE_SUBJECT.format(n=n))
            response = client.post(f"{urls['profiles']}/v1/profiles", json=body, headers=seeker)
            response.raise_for_status()
            probes.append(int(response.json()["id"]))
            auth[probes[-1]] = seeker
        deadline = time.perf_counter() + 120
        while any(_top(client, urls["matching"], p, auth[p]) != beacons[0] for p in probes):
            if time.perf_counter() > deadline:
                raise TimeoutError("probe profiles were not indexed")
            time.sleep(0.1)
        state = dict.fromkeys(probes, 0)
        idle = _probes(client, urls, probes, beacons, state, auth, count=idle_probes, until=None,
                       desc="idle probes")
        out = Path(tmp) / "background.json"
        background = background_load(stack, urls["profiles"], demo_owners, rate=rate, seconds=seconds, out=out)
        time.sleep(2.0)  # let the background reach its steady rate
        loaded = _probes(client, urls, probes, beacons, state, auth, count=10_000,
                         until=time.perf_counter() + seconds - 4.0, desc="probes under load")
        background.wait(timeout=seconds + 120)
        achieved = json.loads(out.read_text())
        consumer = matching_status(stack).get("consumer", {})
    rows, results = [], []
    for name, values in (("idle", idle), (f"{rate:.0f} changes/s background", loaded)):
        result = {"condition": name, "probes": len(values), "p50_ms": percentile(values, 50) * 1000,
                  "p99_ms": percentile(values, 99) * 1000, "max_ms": max(values) * 1000 if values else None}
        results.append(result)
        rows.append([name, len(values), f"{result['p50_ms']:.0f}", f"{result['p99_ms']:.0f}",
                     f"{result['max_ms']:.0f}"])
    print(table(["condition", "probes", "p50 ms", "p99 ms", "max ms"], rows))
    print(f"background: {achieved['sent']} PATCHes at {achieved['rate']:.1f}/s achieved, {achieved['failed']} failed; "
          f"matching applied {consumer.get('events_applied')} events, lag at the end {consumer.get('lag')}")
    payload = {"profiles": profiles, "background_rate": rate, "seconds": seconds, "results": results,
               "background": achieved, "consumer": {k: consumer.get(k) for k in ("events_applied", "lag")}}
    print(f"→ {write_result('freshness', payload, quick=quick)}")
    return payload


def main(argv: Sequence[str] | None = None) -> int:
    return run_main(run, argv, __doc__.split("\n")[0] if __doc__ else "")


if __name__ == "__main__":
    raise SystemExit(main())
