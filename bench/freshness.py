"""Freshness: time from a profile update accepted over HTTP (PATCH answered 200) to the new
recommendations being served, idle and under a steady background of profile changes, on the whole
local stack; p50/p99 of the probes and matching's lag when the background ends, per point.

Two background workloads: "realistic" spreads changes over every demo profile (10,000 in the full run),
a quarter of them new ``skills_text`` and the rest city, wanted kinds, open to work or certificates
(``change_bodies``); "200 hot" is the earlier workload, a new ``skills_text`` for one of 200 profiles
each time. Each rate runs quiet and, with ``--neighbour``, beside a process that keeps one core busy.
Probe profiles alternate between the texts of two "beacon" postings, so the served top-1 tells
which version matching answered from.

``python -m bench.freshness [--quick] [--rate N ...] [--neighbour] [--workload realistic|200 hot]``
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench._common import header, machine, offline, percentile, progress, table, write_result
from bench._stack import bearer_of, demo_stack, matching_status, profile_owners
from talentmatch.stack import LocalStack

PROBE_SUBJECT = "seeker-freshness-probe-{n}"
BEACON_ENTERPRISE = "ent-freshness-beacons"
BEACON_ORGANIZATION = "新鲜度信标科技有限公司"  # the organization the beacon account is bound to
WORKLOADS = ("realistic", "200 hot")

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
        body = {**DemoGenerator(seed=5).job_posting(), "title": title, "description": description, "skills": skills,
                "organization": BEACON_ORGANIZATION}
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
    url, body = f"{urls['profiles']}/v1/profiles/{talent}", {"skills_text": description, "skills": skills}
    try:
        response = client.patch(url, json=body, headers=auth)
    except httpx.RemoteProtocolError:  # a kept-alive connection the server closed while the bench waited
        response = client.patch(url, json=body, headers=auth)
    response.raise_for_status()
    accepted = time.perf_counter()
    while time.perf_counter() - accepted < timeout:
        if _top(client, urls["matching"], talent, auth) == beacon:
            return time.perf_counter() - accepted
        time.sleep(0.005)
    raise TimeoutError(f"talent {talent} still not showing beacon {beacon} after {timeout:.0f}s")


def change_bodies(count: int = 400, *, seed: int = 99) -> list[dict[str, Any]]:
    """The realistic background's PATCH bodies: a quarter change ``skills_text`` (the text the model reads),
    the rest city, wanted kinds, open to work or certificates in equal shares. Certificates are part of
    the model's text too, so about 44% of the changes need embedding."""
    from talentmatch.demo import vocab
    from talentmatch.demo.generate import DemoGenerator

    profiles = DemoGenerator(seed=seed).profiles(count)
    rng = random.Random(seed)
    kinds = ["job_posting", "training_class", "incubator", "industrial_park"]
    cities = [name for name, _ in vocab.HUB_CITIES]
    bodies: list[dict[str, Any]] = []
    for n, body in enumerate(profiles):
        share = n % 8
        if share < 2:
            bodies.append({"skills_text": body["skills_text"]})
        elif share < 4 - (n % 16 == 3):  # 3 of 16 to the city (the rest of the eighth to certificates)
            bodies.append({"city": rng.choice(cities)})
        elif share < 5 or n % 16 == 3:
            bodies.append({"wanted_kinds": rng.sample(kinds, rng.randint(1, 2))})
        elif share < 7:
            bodies.append({"open_to_work": bool(rng.getrandbits(1))})
        else:
            bodies.append({"certificates": [{"name": rng.choice(vocab.CERTIFICATES), "level": "intermediate"}]})
    return bodies


def background_load(stack: LocalStack, base: str, owners: dict[int, str], *, rate: float, seconds: float,
                    out: Path, bodies: list[dict[str, Any]] | None = None) -> subprocess.Popen[bytes]:
    """The paced PATCH load in another process, each change sent by the profile's own seeker;
    ``bodies``: what each PATCH sends (default: a new ``skills_text``)."""
    from talentmatch.demo.generate import DemoGenerator

    if bodies is None:
        bodies = [{"skills_text": p["skills_text"]} for p in DemoGenerator(seed=99).profiles(400)]
    authorizations = {str(record): bearer_of(stack, "seeker", owner) for record, owner in owners.items()}
    spec = out.with_suffix(".spec.json")
    spec.write_text(json.dumps({"mode": "paced", "base": base, "rate": rate, "seconds": seconds,
                                "ids": sorted(owners), "bodies": bodies, "authorizations": authorizations},
                               ensure_ascii=False))
    return subprocess.Popen([sys.executable, "-m", "bench._load", str(spec), str(out)])


@dataclass
class Probes:
    """Three probe profiles (their own seekers) that alternate between the two beacons' texts."""

    urls: dict[str, str]
    client: httpx.Client
    beacons: list[int]
    talents: list[int]
    auth: dict[int, dict[str, str]]
    state: dict[int, int]

    @classmethod
    def create(cls, stack: LocalStack, client: httpx.Client) -> Probes:
        from talentmatch.demo.generate import DemoGenerator

        urls = {s: stack.config.url(s) for s in ("profiles", "jobs", "matching")}
        beacons = _beacons(client, urls["jobs"],
                           stack.headers("enterprise", BEACON_ENTERPRISE, org=BEACON_ORGANIZATION))
        talents: list[int] = []
        auth: dict[int, dict[str, str]] = {}
        for n in range(3):
            # a job seeker: with classes wanted too, an order-based class in the same city can outrank the beacon
            body = {**DemoGenerator(seed=8).profile(), "skills_text": BEACONS[0][1], "skills": BEACONS[0][2],
                    "wanted_kinds": ["job_posting"]}
            seeker = stack.headers("seeker", PROBE_SUBJECT.format(n=n))
            response = client.post(f"{urls['profiles']}/v1/profiles", json=body, headers=seeker)
            response.raise_for_status()
            talents.append(int(response.json()["id"]))
            auth[talents[-1]] = seeker
        deadline = time.perf_counter() + 120
        while any(_top(client, urls["matching"], p, auth[p]) != beacons[0] for p in talents):
            if time.perf_counter() > deadline:
                raise TimeoutError("probe profiles were not indexed")
            time.sleep(0.1)
        return cls(urls=urls, client=client, beacons=beacons, talents=talents, auth=auth,
                   state=dict.fromkeys(talents, 0))

    def run(self, *, count: int, until: float | None, desc: str) -> list[float]:
        seen = []
        with progress(total=count, desc=desc) as bar:
            for n in range(count):
                if until is not None and time.perf_counter() > until:
                    break
                talent = self.talents[n % len(self.talents)]
                self.state[talent] = 1 - self.state[talent]
                which = self.state[talent]
                seen.append(_probe(self.client, self.urls, talent, self.beacons[which], which, self.auth[talent]))
                bar.update()
                time.sleep(0.1)
        return seen


def _neighbour() -> subprocess.Popen[bytes]:
    """A process that keeps one core busy (a defined neighbour: pure Python spinning, no I/O)."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def _drained(stack: LocalStack, timeout: float = 120.0) -> None:
    """Wait until matching has applied everything, so one point's backlog does not leak into the next."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            if matching_status(stack).get("consumer", {}).get("lag") == 0:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)


def _point(stack: LocalStack, client: httpx.Client, probe: Probes, *, workload: str, owners: dict[int, str],
           bodies: list[dict[str, Any]] | None, rate: float, neighbour: bool, seconds: float,
           tmp: Path) -> dict[str, Any]:
    """One row: ``rate`` background changes/s over ``owners`` for ``seconds``, probes meanwhile."""
    _drained(stack)
    busy = _neighbour() if neighbour else None
    try:
        out = tmp / f"bg-{workload[:4]}-{rate:.0f}-{int(neighbour)}.json"
        background = background_load(stack, stack.config.url("profiles"), owners, rate=rate, seconds=seconds,
                                     out=out, bodies=bodies)
        time.sleep(2.0)  # let the background reach its steady rate
        seen = probe.run(count=10_000, until=time.perf_counter() + seconds - 4.0,
                         desc=f"{workload} {rate:.0f}/s{' +neighbour' if neighbour else ''}")
        load = machine()["load_average"][0]
        background.wait(timeout=seconds + 120)
        consumer = matching_status(stack).get("consumer", {})
    finally:
        if busy is not None:
            busy.kill()
            busy.wait()
    achieved = json.loads(out.read_text())
    return {"workload": workload, "rate": rate, "neighbour": neighbour, "probes": len(seen),
            "p50_ms": percentile(seen, 50) * 1000, "p99_ms": percentile(seen, 99) * 1000,
            "max_ms": max(seen) * 1000 if seen else None, "lag_at_end": consumer.get("lag"),
            "achieved_rate": achieved["rate"], "failed": achieved["failed"], "load_average": load}


def run(quick: bool, *, rates: Sequence[float], neighbour: bool, workloads: Sequence[str]) -> dict[str, Any]:
    profiles = 2_000 if quick else 10_000
    seconds, idle_probes = (20.0, 5) if quick else (60.0, 10)
    header("freshness: profile update accepted → new recommendations served", quick,
           f"{profiles:,} demo profiles{' (quick: fewer than the 10,000 of the full run)' if quick else ''}; "
           f"background at {', '.join(f'{r:.0f}' for r in rates)} PATCH/s for {seconds:.0f}s each (another "
           f"process), {'quiet and beside a one-core neighbour' if neighbour else 'quiet'}; workloads: "
           f"{', '.join(workloads)}; probes alternate between two beacon postings")
    results: list[dict[str, Any]] = []
    with demo_stack(profiles=profiles, opportunities=150) as stack, \
            httpx.Client(timeout=30) as client, tempfile.TemporaryDirectory() as tmp:
        demo_owners = profile_owners(stack)  # before the probes: the background changes demo profiles only
        probe = Probes.create(stack, client)
        idle = probe.run(count=idle_probes, until=None, desc="idle probes")
        results.append({"workload": "idle", "rate": 0.0, "neighbour": False, "probes": len(idle),
                        "p50_ms": percentile(idle, 50) * 1000, "p99_ms": percentile(idle, 99) * 1000,
                        "max_ms": max(idle) * 1000, "lag_at_end": 0, "achieved_rate": 0.0, "failed": 0,
                        "load_average": machine()["load_average"][0]})
        spread = {"realistic": (demo_owners, change_bodies()),
                  "200 hot": (dict(sorted(demo_owners.items())[:200]), None)}
        for workload in workloads:
            owners, bodies = spread[workload]
            for rate in rates:
                for beside in (False, True) if neighbour else (False,):
                    results.append(_point(stack, client, probe, workload=workload, owners=owners, bodies=bodies,
                                          rate=rate, neighbour=beside, seconds=seconds, tmp=Path(tmp)))
    print(table(["workload", "changes/s", "neighbour", "probes", "p50 ms", "p99 ms", "max ms", "lag at end",
                 "achieved/s", "load avg"],
                [[r["workload"], f"{r['rate']:.0f}", "yes" if r["neighbour"] else "no", r["probes"],
                  f"{r['p50_ms']:.0f}", f"{r['p99_ms']:.0f}", f"{r['max_ms']:.0f}", r["lag_at_end"],
                  f"{r['achieved_rate']:.0f}", f"{r['load_average']:.1f}"] for r in results]))
    print("targets: p99 <= 1000 ms at 200 changes/s quiet and at 100 changes/s beside the neighbour "
          "(realistic workload)")
    payload = {"profiles": profiles, "seconds": seconds, "results": results}
    print(f"→ {write_result('freshness', payload, quick=quick)}")
    return payload


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true", help="2,000 profiles, 20 s per point")
    parser.add_argument("--rate", type=float, action="append", help="background changes/s (repeatable; "
                        "default 100, 200 and 400)")
    parser.add_argument("--neighbour", action="store_true", help="also run each point beside a one-core neighbour")
    parser.add_argument("--workload", choices=WORKLOADS, action="append",
                        help="realistic (changes over every profile, a quarter to the text) and/or 200 hot "
                             "(today's: new texts for 200 profiles); default both")
    args = parser.parse_args(argv)
    offline()
    run(args.quick, rates=args.rate or [100.0, 200.0, 400.0], neighbour=args.neighbour,
        workloads=args.workload or list(WORKLOADS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
