"""Recovery of matching from checkpoints: a graceful stop resumes where it stopped, and SIGKILLs in the
middle of 10,000 changes lose nothing, duplicate nothing and leave no stale version."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from talentmatch.demo.generate import DemoGenerator
from talentmatch.stack import LocalStack
from tests.e2e.conftest import eventually

pytestmark = pytest.mark.e2e

CHANGES = 10_000
WRITERS = 4
KILLS = 3
CHECKPOINT_SECONDS = 5  # the default is 30 s; the kills below come every 10-20 s
CREATE, UPDATE = 0.3, 0.55  # shares of the changes; the rest are deletes. Mostly non-text updates: on 2
# cores the encoder (about 30 new texts/s next to the writers) sets the pace of convergence


def _status(stack: LocalStack, http: httpx.Client) -> dict[str, Any] | None:
    try:
        response = http.get(f"{stack.config.url('matching')}/v1/status", headers=stack.headers("operator", "op-poll"))
    except httpx.HTTPError:
        return None
    return response.json() if response.status_code == 200 else None


def _indexed(stack: LocalStack, http: httpx.Client, side: str) -> dict[str, Any] | None:
    try:
        response = http.get(f"{stack.config.url('matching')}/v1/index/{side}/versions",
                            headers=stack.headers("operator", "op-test"))
    except httpx.HTTPError:
        return None
    return response.json() if response.status_code == 200 else None


def _stored(stack: LocalStack, http: httpx.Client, side: str) -> dict[int, int]:
    """Record id → version, as the owning service holds it (the source of truth)."""
    service, path = ("profiles", "/v1/profiles") if side == "talents" else ("jobs", "/v1/opportunities")
    versions: dict[int, int] = {}
    offset = 0
    while True:
        response = http.get(f"{stack.config.url(service)}{path}", params={"offset": offset, "limit": 100},
                            headers=stack.headers("operator", "op-test"))
        assert response.status_code == 200, response.text
        page = response.json()
        versions |= {item["id"]: item["version"] for item in page["items"]}
        offset += 100
        if offset >= page["total"]:
            return versions


def _total(stack: LocalStack, http: httpx.Client, side: str) -> int:
    service, path = ("profiles", "/v1/profiles") if side == "talents" else ("jobs", "/v1/opportunities")
    response = http.get(f"{stack.config.url(service)}{path}", params={"limit": 1},
                        headers=stack.headers("operator", "op-poll"))
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


def _converged(stack: LocalStack, http: httpx.Client) -> bool:
    """Cheap checks first (sizes), then every id and version: the operators' request budget is per minute."""
    status = _status(stack, http)
    if status is None or not status["consumer"]["caught_up"] or \
            [status["index"][side] for side in ("talents", "opportunities")] != \
            [_total(stack, http, side) for side in ("talents", "opportunities")]:
        time.sleep(0.5)
        return False
    for side in ("talents", "opportunities"):
        indexed = _indexed(stack, http, side)
        if indexed is None or {int(k): v for k, v in indexed["versions"].items()} != _stored(stack, http, side):
            time.sleep(2)
            return False
    return True


def _restart_gracefully(stack: LocalStack) -> None:
    stack.processes["matching"].stop()  # SIGTERM: uvicorn runs the lifespan shutdown
    stack.start_component("matching")


def test_sigterm_writes_a_final_checkpoint_and_the_restart_resumes_from_it(local_stack: LocalStack) -> None:
    local_stack.config.extra_env["MATCHING_CHECKPOINT_INTERVAL_SECONDS"] = str(CHECKPOINT_SECONDS)
    cfg, generator = local_stack.config, DemoGenerator(seed=21)
    with httpx.Client(timeout=30) as http:
        for n, body in enumerate(generator.profiles(12)):
            assert http.post(f"{cfg.url('profiles')}/v1/profiles", json=body,
                             headers=local_stack.headers("seeker", f"seeker-term-{n}")).status_code == 201
        for body in generator.opportunities(8):
            assert http.post(f"{cfg.url('jobs')}/v1/opportunities", json=body,
                             headers=local_stack.headers("enterprise", "ent-x", org=body["organization"])
                             ).status_code == 201
        eventually(lambda: _converged(local_stack, http), timeout=120, what="the seed data to be indexed")
        before = _status(local_stack, http)
        assert before is not None

        _restart_gracefully(local_stack)
        after = eventually(lambda: (s := _status(local_stack, http)) and s["consumer"]["caught_up"] and s,
                           timeout=120, what="matching to resume")
        checkpoint = after["consumer"]["checkpoint"]
        assert checkpoint["loaded"] is not None, "it started from the checkpoint written at SIGTERM"
        assert checkpoint["fallback"] is None
        assert checkpoint["loaded"]["generation"] == before["generation"] == after["generation"]
        assert after["consumer"]["events_applied"] == 0, "nothing was re-applied from offset 0"
        assert after["index"] == before["index"]
        assert _converged(local_stack, http)


@dataclass
class Writer:
    """One client thread: its own seeker accounts (one profile each) and its own enterprise account."""

    stack: LocalStack
    number: int
    changes: int
    errors: list[str]
    profiles: dict[int, str] = field(default_factory=dict)  # live profile id → its seeker account
    opportunities: list[int] = field(default_factory=list)
    deleted: dict[str, set[int]] = field(default_factory=lambda: {"talents": set(), "opportunities": set()})
    done: int = 0

    def run(self) -> None:
        rng = random.Random(100 + self.number)
        generator = DemoGenerator(seed=200 + self.number)
        enterprise = self.stack.headers("enterprise", f"ent-x{self.number}")
        accounts = 0
        with httpx.Client(timeout=30) as http:
            for step in range(self.changes):
                roll = rng.random()
                on_profiles = rng.random() < 0.6
                try:
                    if on_profiles:
                        self._profile_change(http, rng, generator, roll, step, accounts)
                        accounts += 1
                    else:
                        self._opportunity_change(http, rng, generator, roll, step, enterprise)
                except httpx.HTTPError as exc:  # a write the service may or may not have stored: say so
                    self.errors.append(f"{type(exc).__name__}: {exc}")
                self.done += 1

    def _check(self, response: httpx.Response, expected: int, what: str) -> bool:
        if response.status_code != expected:
            self.errors.append(f"{what}: {response.status_code} {response.text[:200]}")
            return False
        return True

    def _profile_change(self, http: httpx.Client, rng: random.Random, generator: DemoGenerator, roll: float,
                        step: int, accounts: int) -> None:
        url = f"{self.stack.config.url('profiles')}/v1/profiles"
        if roll < CREATE or not self.profiles:
            account = f"seeker-w{self.number}-{accounts}"
            response = http.post(url, json=generator.profile(), headers=self.stack.headers("seeker", account))
            if self._check(response, 201, "create profile"):
                self.profiles[response.json()["id"]] = account
        elif roll < CREATE + UPDATE:
            target = rng.choice(list(self.profiles))
            change: dict[str, Any] = {"years_experience": step % 41} if rng.random() < 0.8 else \
                {"skills_text": generator.profile()["skills_text"]}
            self._check(http.patch(f"{url}/{target}", json=change,
                                   headers=self.stack.headers("seeker", self.profiles[target])), 200, "update profile")
        else:
            target = rng.choice(list(self.profiles))
            account = self.profiles.pop(target)
            if self._check(http.delete(f"{url}/{target}", headers=self.stack.headers("seeker", account)), 204,
                           "delete profile"):
                self.deleted["talents"].add(target)

    def _opportunity_change(self, http: httpx.Client, rng: random.Random, generator: DemoGenerator, roll: float,
                            step: int, enterprise: dict[str, str]) -> None:
        url = f"{self.stack.config.url('jobs')}/v1/opportunities"
        if roll < CREATE or not self.opportunities:
            body = generator.opportunities(1)[0]
            poster = self.stack.headers("enterprise", f"ent-x{self.number}", org=body["organization"])
            response = http.post(url, json=body, headers=poster)
            if self._check(response, 201, "create opportunity"):
                self.opportunities.append(response.json()["id"])
        elif roll < CREATE + UPDATE:
            target = rng.choice(self.opportunities)
            change = {"open": bool(step % 3)} if rng.random() < 0.8 else {"description": f"更新说明 {step}"}
            self._check(http.patch(f"{url}/{target}", json=change, headers=enterprise), 200, "update opportunity")
        else:
            target = self.opportunities.pop(rng.randrange(len(self.opportunities)))
            if self._check(http.delete(f"{url}/{target}", headers=enterprise), 204, "delete opportunity"):
                self.deleted["opportunities"].add(target)


def test_sigkills_during_ten_thousand_changes_lose_nothing(local_stack: LocalStack) -> None:
    """10,000 creates, updates and deletes from four clients while matching is SIGKILLed three times (the
    supervisor starts it again); afterwards the index equals the stores and matching resumed from checkpoints."""
    local_stack.config.extra_env["MATCHING_CHECKPOINT_INTERVAL_SECONDS"] = str(CHECKPOINT_SECONDS)
    started = time.monotonic()
    errors: list[str] = []
    writers = [Writer(local_stack, n, CHANGES // WRITERS, errors) for n in range(WRITERS)]
    threads = [threading.Thread(target=w.run, name=f"writer-{w.number}") for w in writers]
    stop_supervising = threading.Event()
    supervisor = threading.Thread(target=local_stack.supervise,
                                  kwargs={"interval": 0.5, "stop": stop_supervising.is_set}, name="supervisor")
    for thread in threads:
        thread.start()
    supervisor.start()
    rng = random.Random(7)
    resumed: list[dict[str, Any]] = []
    kills_at: list[int] = []
    generations: list[int] = []  # what matching had applied when it was killed
    try:
        with httpx.Client(timeout=10) as http:
            for _ in range(KILLS):
                time.sleep(rng.uniform(5, 15))
                floor = resumed[-1]["loaded"]["generation"] if resumed and resumed[-1]["loaded"] else 0

                def newer(floor: int = floor) -> bool:
                    status = _status(local_stack, http)
                    saved = status["consumer"]["checkpoint"]["saved"] if status else None
                    return saved is not None and bool(saved["generation"] > floor)

                eventually(newer, timeout=180,
                           what="a checkpoint newer than the one matching started from")
                time.sleep(rng.uniform(0, 3))
                before = _status(local_stack, http)
                kills_at.append(sum(w.done for w in writers))
                local_stack.processes["matching"].kill()  # SIGKILL: no shutdown, no final checkpoint
                status = eventually(lambda: (s := _status(local_stack, http)) and s["consumer"]["broker_reachable"]
                                    and s, timeout=180, what="the supervisor to restart matching")
                resumed.append(status["consumer"]["checkpoint"])
                generations.append(before["generation"] if before else 0)
        for thread in threads:
            thread.join(600)
        streamed = time.monotonic() - started
    finally:
        stop_supervising.set()
        supervisor.join(30)
    assert sum(w.done for w in writers) == CHANGES
    assert all(w.done == CHANGES // WRITERS for w in writers)
    assert not errors, errors[:5]

    with httpx.Client(timeout=60) as http:
        eventually(lambda: _converged(local_stack, http), timeout=300, what="matching to converge after the kills")
        converged = time.monotonic() - started
        for side in ("talents", "opportunities"):
            stored, indexed = _stored(local_stack, http, side), _indexed(local_stack, http, side)
            assert indexed is not None
            versions = {int(k): v for k, v in indexed["versions"].items()}
            assert set(versions) == set(stored), "0 lost, 0 resurrected"
            assert versions == stored, "0 stale versions"
            assert indexed["documents"] == indexed["vectors"] == len(stored), "0 duplicates"
            deleted = set().union(*(w.deleted[side] for w in writers))
            assert deleted and not deleted & set(versions), "every delete applied"
            assert indexed["deleted"] >= len(deleted)
        status = _status(local_stack, http)
        assert status is not None
    covered = [c["loaded"]["generation"] if c["loaded"] else 0 for c in resumed]
    for checkpoint, killed_at, resumed_at in zip(resumed, generations, covered, strict=True):
        assert checkpoint["loaded"] is not None and checkpoint["fallback"] is None, checkpoint
        assert 0 < resumed_at <= killed_at < status["generation"], "killed mid-stream, resumed from a checkpoint"
    assert covered == sorted(set(covered)), "every start resumed from a newer checkpoint"
    replayed = [killed - resumed_at for killed, resumed_at in zip(generations, covered, strict=True)]
    assert sum(replayed) < status["generation"], "the restarts replayed less than one full rebuild"
    print(f"\n{CHANGES} changes streamed in {streamed:.0f}s, converged at {converged:.0f}s; kills after "
          f"{kills_at} changes, at generations {generations}; the restarts resumed at {covered} and replayed "
          f"{replayed} events (of {status['generation']} in all); loads took "
          f"{[c['loaded']['seconds'] for c in resumed]}s")
