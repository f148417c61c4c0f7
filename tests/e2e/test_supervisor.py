"""The local stack's supervisor against the real processes: matching killed twice quickly, the broker
killed under a matching that ignores SIGTERM; and the stack's files and contact key."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import threading
from collections.abc import Iterator

import httpx
import pytest
from cryptography.exceptions import InvalidTag

from services.profiles.settings import DEVELOPMENT_CONTACT_KEY
from shared.crypto import ContactCipher
from talentmatch.stack import SERVICES, LocalStack
from talentmatch.supervisor import Phase
from tests.e2e.conftest import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def supervised(local_stack: LocalStack) -> Iterator[LocalStack]:
    """The stack with its supervisor running beside the test, as under ``talentmatch up``."""
    stop = threading.Event()
    thread = threading.Thread(target=local_stack.supervise, kwargs={"interval": 0.2, "stop": stop.is_set},
                              name="supervisor")
    thread.start()
    try:
        yield local_stack
    finally:
        stop.set()
        thread.join(60)


class Prober:
    """Asks ``/healthz`` of some services in a loop and counts the answers that were not 200."""

    def __init__(self, stack: LocalStack, services: tuple[str, ...]) -> None:
        self.stack, self.services = stack, services
        self.asked, self.failed = 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="prober")

    def _run(self) -> None:
        with httpx.Client(timeout=5) as http:
            while not self._stop.is_set():
                for service in self.services:
                    try:
                        ok = http.get(f"{self.stack.config.url(service)}/healthz").status_code == 200
                    except httpx.HTTPError:
                        ok = False
                    self.asked, self.failed = self.asked + 1, self.failed + (not ok)
                self._stop.wait(0.1)

    def __enter__(self) -> Prober:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(10)


def _restarts(stack: LocalStack) -> dict[str, int]:
    return {name: stack.board.child(name).restarts for name in stack.processes}


def _healthy(stack: LocalStack, service: str) -> bool:
    return stack.board.child(service).phase is Phase.RUNNING and stack.answers(service)


def test_matching_killed_twice_quickly_comes_back_and_the_others_keep_serving(supervised: LocalStack) -> None:
    before = _restarts(supervised)
    first = supervised.processes["matching"]
    with Prober(supervised, ("profiles", "jobs")) as prober:
        os.kill(first.process.pid, signal.SIGKILL)
        second = eventually(lambda: (p := supervised.processes["matching"]) is not first and p, timeout=30,
                            what="the supervisor to start a second matching")
        assert not supervised.answers("matching"), "killed before it opens its port"
        os.kill(second.process.pid, signal.SIGKILL)
        eventually(lambda: supervised.processes["matching"] is not second and _healthy(supervised, "matching"),
                   timeout=240, what="a third matching to answer")
    after = _restarts(supervised)
    assert after["matching"] == before["matching"] + 2
    assert {n: c for n, c in after.items() if n != "matching"} == \
        {n: c for n, c in before.items() if n != "matching"}, "nothing else was restarted"
    assert prober.asked > 10 and prober.failed == 0, "profiles and jobs answered throughout"
    downs = [r.detail for r in supervised.board.reports if r.component == "matching" and r.event == "down"]
    assert len(downs) >= 2 and "in a row" in downs[-1]
    headers = supervised.headers("service", "svc-e2e")
    assert httpx.get(f"{supervised.config.url('matching')}/v1/status", headers=headers, timeout=10).status_code == 200


def test_after_a_broker_kill_each_dependent_restarts_exactly_once(supervised: LocalStack) -> None:
    """Matching is frozen (SIGSTOP: it cannot act on SIGTERM), so the supervisor has to SIGKILL it after
    the grace when the new broker makes it restart; it restarts matching once, and nothing else."""
    before = _restarts(supervised)
    old_matching = supervised.processes["matching"]
    old_matching.process.send_signal(signal.SIGSTOP)
    reports = len(supervised.board.reports)
    with Prober(supervised, ("profiles", "jobs")) as prober:
        os.kill(supervised.processes["broker"].process.pid, signal.SIGKILL)
        eventually(lambda: supervised.processes["matching"] is not old_matching
                   and _healthy(supervised, "matching"), timeout=300, what="matching to restart on the new broker")
        eventually(lambda: any(r.event == "republished" for r in supervised.board.reports[reports:]),
                   timeout=60, what="the stores to be re-published")
    assert old_matching.process.returncode == -signal.SIGKILL
    killed = [r for r in supervised.board.reports[reports:] if r.component == "matching" and r.event == "killed"]
    assert len(killed) == 1 and "ignored SIGTERM" in killed[0].detail
    new_matching = supervised.processes["matching"]
    for _ in range(10):  # ten more supervisor steps change nothing
        supervised.supervise_once()
    assert supervised.processes["matching"] is new_matching and new_matching.alive()
    after = _restarts(supervised)
    assert {n: after[n] - before[n] for n in after} == {"broker": 1, "redis": 0, "profiles": 0, "jobs": 0,
                                                        "matching": 1}
    assert prober.failed == 0, "profiles and jobs answered throughout"


def test_the_stack_files_are_private_and_contacts_use_the_stack_key(supervised: LocalStack) -> None:
    assert supervised.config.contact_key != DEVELOPMENT_CONTACT_KEY
    assert supervised.service_env("profiles")["ENVIRONMENT"] != "development", "the services refuse dev secrets"
    response = httpx.post(f"{supervised.config.url('profiles')}/v1/profiles", timeout=10,
                          headers=supervised.headers("seeker", "seeker-e2e-private"),
                          json={"display_name": "陈静", "phone": "13700001111", "city": "杭州",
                                "skills": ["Python"], "skills_text": "Python 开发。"})
    assert response.status_code == 201, response.text
    with sqlite3.connect(supervised.config.var_dir / "profiles.db") as db:
        (stored,) = db.execute("SELECT phone FROM profiles WHERE id = ?", (response.json()["id"],)).fetchone()
    assert "13700001111" not in stored
    assert ContactCipher(supervised.config.contact_key).decrypt(stored) == "13700001111"
    with pytest.raises(InvalidTag):
        ContactCipher(DEVELOPMENT_CONTACT_KEY).decrypt(stored)
    paths = [supervised.config.var_dir, *supervised.config.var_dir.rglob("*")]
    assert {p.name for p in paths} >= {"profiles.db", "jobs.db", "logs", "profiles.log", "stack-status.json"}
    readable = {str(p): oct(stat.S_IMODE(p.stat().st_mode)) for p in paths if stat.S_IMODE(p.stat().st_mode) & 0o077}
    assert not readable, "no file under the stack's folder is readable by group or others"
    assert set(SERVICES) <= set(supervised.processes)
