"""Soak: the supervised local stack under mixed reads and writes at half its measured capacity, with one
fault every minute (SIGKILL of matching, the broker, Redis, in turn; the supervisor restarts each), then
the stores compared with what matching holds.

``python -m bench.soak [--minutes 10] [--quick] [--fault-every 60]``: ``--quick`` runs 2 minutes with a
fault every 40 s, so each of the three faults happens once. Not part of ``python -m bench`` nor of the
tests: it takes the duration it is given. Loopback only; every loop is bounded in time. Prints requests
served, errors by status, p99, the resident memory of each component at the start and the end, and the
lost / duplicate / stale / resurrected counts; writes ``var/bench/soak[-quick].json``.
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench._common import header, offline, percentile, table, write_result
from bench._stack import bearer_of, demo_stack, profile_owners
from shared.auth import Role
from talentmatch.demo.generate import DemoGenerator
from talentmatch.stack import LocalStack

FAULTS = ("matching", "broker", "redis")
PROFILES, OPPORTUNITIES = 200, 150
CAPACITY_SECONDS = 10.0
CONVERGE_SECONDS = 300.0
WORKERS = 12


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    body: dict[str, Any] | None
    headers: dict[str, str]
    write: bool
    creates_for: str | None = None  # the seeker account of a new profile


@dataclass
class Tally:
    """What the load saw: latencies, answers by status (``conn`` when no answer came), accepted writes."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    writes: int = 0
    late: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, status: str, *, write: bool) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] += 1
            self.writes += write and status.startswith("2")


class Mix:
    """The requests of the soak: 70% reads (recommendations, own profile, opportunities, search), 30%
    writes (profile edits, new profiles and their deletion, opportunity edits), each as its owner."""

    def __init__(self, stack: LocalStack, *, seed: int) -> None:
        self.stack, self.rng, self.lock = stack, random.Random(seed), threading.Lock()
        self.generator = DemoGenerator(seed=seed)
        self.owners = profile_owners(stack)  # demo profile id → seeker
        self.created_profiles: dict[int, str] = {}  # profiles the soak created and may delete
        self.opportunities = self._opportunity_owners()
        self.tokens: dict[tuple[str, str], str] = {}
        self.accounts = 0

    def _opportunity_owners(self) -> dict[int, str]:
        headers = {"Authorization": bearer_of(self.stack, "operator", "op-soak")}
        items = httpx.get(f"{self.stack.config.url('jobs')}/v1/opportunities", params={"limit": 100},
                          headers=headers, timeout=30).json()["items"]
        return {int(item["id"]): str(item["owner"]) for item in items if item["owner"]}

    def auth(self, role: Role, subject: str) -> dict[str, str]:
        key = (role, subject)
        if key not in self.tokens:
            self.tokens[key] = bearer_of(self.stack, role, subject)
        return {"Authorization": self.tokens[key]}

    def next(self) -> Request:
        """The next request of the mix."""
        cfg = self.stack.config
        with self.lock:
            roll = self.rng.random()
            talent = self.rng.choice(list(self.owners))
            seeker = self.auth("seeker", self.owners[talent])
            if roll < 0.35:
                return Request("GET", f"{cfg.url('matching')}/v1/talents/{talent}/recommendations?k=10", None, seeker,
                               False)
            if roll < 0.50:
                return Request("GET", f"{cfg.url('profiles')}/v1/profiles/{talent}", None, seeker, False)
            if roll < 0.65:
                return Request("GET", f"{cfg.url('jobs')}/v1/opportunities?limit=20", None, seeker, False)
            if roll < 0.70:
                body = {"text": self.rng.choice(["大数据开发 Spark Flink", "机器学习 Python", "芯片验证 FPGA"]),
                        "target": "opportunities", "k": 5}
                return Request("POST", f"{cfg.url('matching')}/v1/search", body, seeker, False)
            if roll < 0.85:
                change = {"years_experience": self.rng.randrange(41)} if self.rng.random() < 0.7 else \
                    {"skills_text": self.generator.profile()["skills_text"]}
                return Request("PATCH", f"{cfg.url('profiles')}/v1/profiles/{talent}", change, seeker, True)
            if roll < 0.91 or not self.created_profiles:
                self.accounts += 1
                account = f"seeker-soak-{self.accounts}"
                return Request("POST", f"{cfg.url('profiles')}/v1/profiles", self.generator.profile(),
                               self.auth("seeker", account), True, creates_for=account)
            if roll < 0.94:
                victim, account = self.created_profiles.popitem()
                return Request("DELETE", f"{cfg.url('profiles')}/v1/profiles/{victim}", None,
                               self.auth("seeker", account), True)
            record = self.rng.choice(list(self.opportunities))
            change = {"open": self.rng.random() < 0.8} if self.rng.random() < 0.8 else \
                {"description": f"更新说明 {self.rng.randrange(10**6)}"}
            return Request("PATCH", f"{cfg.url('jobs')}/v1/opportunities/{record}", change,
                           self.auth("enterprise", self.opportunities[record]), True)

    def created(self, record: int, account: str) -> None:
        with self.lock:
            self.created_profiles[record] = account


def drive(mix: Mix, tally: Tally, *, seconds: float, rate: float | None) -> None:
    """Send the mix from ``WORKERS`` threads for ``seconds``: open loop at ``rate`` requests/s (a request
    due while all workers are busy goes out late, and the lateness is kept), or closed loop if None."""
    start = time.perf_counter()
    counter = iter(range(10**9))
    counter_lock = threading.Lock()

    def worker() -> None:
        with httpx.Client(timeout=15) as client:
            while True:
                with counter_lock:
                    n = next(counter)
                due = start + n / rate if rate else time.perf_counter()
                if due - start >= seconds or time.perf_counter() - start >= seconds + 15:
                    return
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                else:
                    with tally.lock:
                        tally.late = max(tally.late, -wait)
                request = mix.next()
                began = time.perf_counter()
                try:
                    response = client.request(request.method, request.url, json=request.body, headers=request.headers)
                    status = str(response.status_code)
                    if status == "503" and "retry-after" in response.headers:
                        status = "503+Retry-After"
                    if request.creates_for and response.status_code == 201:
                        mix.created(int(response.json()["id"]), request.creates_for)
                except httpx.HTTPError as exc:
                    status = f"no answer ({type(exc).__name__})"
                tally.add(time.perf_counter() - began, status, write=request.write)

    threads = [threading.Thread(target=worker, name=f"soak-{i}") for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def resident_mb(stack: LocalStack) -> dict[str, float]:
    """VmRSS of each component's current process, in MB."""
    sizes = {}
    for name, proc in stack.processes.items():
        try:
            for line in Path(f"/proc/{proc.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes[name] = int(line.split()[1]) / 1024
        except OSError:
            sizes[name] = float("nan")
    return sizes


def faults(stack: LocalStack, *, every: float, seconds: float, done: threading.Event,
           log: list[dict[str, Any]]) -> None:
    """SIGKILL matching, the broker, Redis in turn, one every ``every`` seconds from the middle of the first."""
    start = time.monotonic()
    for n in range(int(seconds // every)):
        if done.wait(max(0.0, start + every / 2 + n * every - time.monotonic())):
            return
        name = FAULTS[n % len(FAULTS)]
        proc = stack.processes[name]
        proc.process.kill()
        log.append({"at_s": round(time.monotonic() - start, 1), "killed": name, "pid": proc.process.pid})
        print(f"  [{time.monotonic() - start:5.0f}s] SIGKILL {name} (pid {proc.process.pid})", flush=True)


def compare(stack: LocalStack) -> dict[str, dict[str, int]]:
    """Per side: records in the store missing from the index (lost), in the index but not the store
    (resurrected), indexed at an older version (stale), and vectors beyond one per record (duplicate)."""
    headers = {"Authorization": bearer_of(stack, "operator", "op-soak")}
    result = {}
    with httpx.Client(timeout=60, headers=headers) as http:
        for side, service, path in (("talents", "profiles", "/v1/profiles"),
                                    ("opportunities", "jobs", "/v1/opportunities")):
            stored: dict[int, int] = {}
            offset, total = 0, 1
            while offset < total:
                page = http.get(f"{stack.config.url(service)}{path}", params={"offset": offset, "limit": 100}).json()
                stored |= {int(item["id"]): int(item["version"]) for item in page["items"]}
                offset, total = offset + 100, int(page["total"])
            indexed = http.get(f"{stack.config.url('matching')}/v1/index/{side}/versions").json()
            versions = {int(k): int(v) for k, v in indexed["versions"].items()}
            result[side] = {
                "stored": len(stored), "indexed": len(versions),
                "lost": len(set(stored) - set(versions)), "resurrected": len(set(versions) - set(stored)),
                "stale": sum(1 for k, v in stored.items() if k in versions and versions[k] < v),
                "duplicate": max(0, int(indexed["vectors"]) - len(versions)) + max(0, int(indexed["documents"])
                                                                                 - len(versions))}
    return result


def converge(stack: LocalStack, *, timeout: float) -> tuple[float, dict[str, dict[str, int]]]:
    """Compare until nothing is lost, stale or resurrected, or until ``timeout``; (seconds, last comparison)."""
    start = time.monotonic()
    while True:
        try:
            found = compare(stack)
        except (httpx.HTTPError, KeyError, ValueError):
            found = {}
        bad = not found or any(side[k] for side in found.values() for k in ("lost", "stale", "resurrected",
                                                                              "duplicate"))
        if not bad or time.monotonic() - start > timeout:
            return time.monotonic() - start, found
        time.sleep(2)


def supervised(stack: LocalStack, stop: Callable[[], bool]) -> threading.Thread:
    thread = threading.Thread(target=stack.supervise, kwargs={"interval": 0.2, "stop": stop}, name="supervisor")
    thread.start()
    return thread


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n")[0] if __doc__ else "")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--quick", action="store_true", help="2 minutes, a fault every 40 s (each fault once)")
    parser.add_argument("--fault-every", type=float, default=None, help="seconds between faults (default 60)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    minutes = 2.0 if args.quick else args.minutes
    every = args.fault_every or (40.0 if args.quick else 60.0)
    seconds = minutes * 60
    offline()
    header("soak: mixed load at half capacity, one fault per interval", args.quick,
           f"{minutes:g} min, a SIGKILL every {every:g}s ({' → '.join(FAULTS)}), {WORKERS} client threads")
    with demo_stack(profiles=PROFILES, opportunities=OPPORTUNITIES) as stack:
        stopping = threading.Event()
        supervisor = supervised(stack, stopping.is_set)
        try:
            mix = Mix(stack, seed=args.seed)
            probe = Tally()
            drive(mix, probe, seconds=CAPACITY_SECONDS, rate=None)
            capacity = len(probe.latencies) / CAPACITY_SECONDS
            rate = capacity / 2
            print(f"capacity (closed loop, {CAPACITY_SECONDS:.0f}s): {capacity:.1f} req/s → soak at {rate:.1f} req/s")
            memory_start = resident_mb(stack)
            tally, done = Tally(), threading.Event()
            fault_log: list[dict[str, Any]] = []
            injector = threading.Thread(target=faults, kwargs={"stack": stack, "every": every, "seconds": seconds,
                                                                "done": done, "log": fault_log})
            began = time.monotonic()
            injector.start()
            drive(mix, tally, seconds=seconds, rate=rate)
            done.set()
            injector.join()
            ran = time.monotonic() - began
            converged_s, comparison = converge(stack, timeout=CONVERGE_SECONDS)
            memory_end = resident_mb(stack)
            restarts = {name: child.restarts for name, child in stack.board.children.items()}
        finally:
            stopping.set()
            supervisor.join(60)
    served = sum(n for status, n in tally.statuses.items() if status.startswith("2"))
    five_xx = sum(n for status, n in tally.statuses.items() if status.startswith("5") and status != "503+Retry-After")
    print(f"\nsent {len(tally.latencies)} requests in {ran:.0f}s ({len(tally.latencies) / ran:.1f}/s), served (2xx) "
          f"{served}, accepted writes {tally.writes}; p50 {percentile(tally.latencies, 50) * 1000:.0f} ms, "
          f"p99 {percentile(tally.latencies, 99) * 1000:.0f} ms; most late {tally.late:.2f}s")
    print(table(["answer", "count"], sorted(tally.statuses.items())))
    print("\n" + table(["component", "RSS start MB", "RSS end MB", "restarts"],
                       [[name, memory_start.get(name, float("nan")), memory_end.get(name, float("nan")),
                         restarts.get(name, 0)] for name in memory_start]))
    print(f"\nafter the load: converged in {converged_s:.0f}s")
    print(table(["side", "stored", "indexed", "lost", "duplicate", "stale", "resurrected"],
                [[side, c["stored"], c["indexed"], c["lost"], c["duplicate"], c["stale"], c["resurrected"]]
                 for side, c in comparison.items()]))
    print(f"5xx other than 503 with Retry-After: {five_xx}")
    path = write_result("soak", {
        "minutes": minutes, "fault_every_s": every, "capacity_rps": capacity, "rate_rps": rate,
        "requests": len(tally.latencies), "served_2xx": served, "accepted_writes": tally.writes,
        "statuses": dict(tally.statuses), "p50_s": percentile(tally.latencies, 50),
        "p99_s": percentile(tally.latencies, 99), "max_late_s": tally.late, "faults": fault_log,
        "restarts": restarts, "rss_start_mb": memory_start, "rss_end_mb": memory_end,
        "converged_s": converged_s, "comparison": comparison, "other_5xx": five_xx}, quick=args.quick)
    print(f"written {path}")
    clean = comparison and not any(side[k] for side in comparison.values()
                                   for k in ("lost", "duplicate", "stale", "resurrected"))
    return 0 if clean and five_xx == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
