"""The local stack's supervisor on real processes (the broker and redis; the services in tests/e2e):
it never gives up on a child, backs off while one keeps dying, and SIGKILLs a child that ignores SIGTERM."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from talentmatch.embedded import ManagedProcess, free_port, spawn
from talentmatch.stack import LocalStack, StackConfig
from talentmatch.supervisor import MAX_DELAY_SECONDS, Phase, backoff_delay, format_status, read_status


def test_the_back_off_doubles_and_is_capped() -> None:
    delays = [backoff_delay(n) for n in range(1, 12)]
    assert delays[:4] == [0.5, 1.0, 2.0, 4.0]
    assert delays == sorted(delays) and max(delays) == MAX_DELAY_SECONDS


def test_a_child_ignoring_sigterm_is_sigkilled_after_the_grace(tmp_path: Path) -> None:
    code = "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); " \
           "time.sleep(600)"
    proc = spawn("stubborn", [sys.executable, "-c", code], port=0, log_dir=tmp_path)
    log = tmp_path / "stubborn.log"
    deadline = time.monotonic() + 30
    while "ready" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.monotonic()
    assert proc.stop(timeout=1.0) is True, "it had to be killed"
    assert time.monotonic() - started < 10
    assert proc.process.returncode == -signal.SIGKILL
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_a_polite_child_stops_on_sigterm(tmp_path: Path) -> None:
    proc = spawn("polite", [sys.executable, "-c", "import time; time.sleep(600)"], port=0, log_dir=tmp_path)
    assert proc.stop(timeout=10) is False
    assert proc.process.returncode == -signal.SIGTERM


@pytest.fixture()
def infra(tmp_path: Path) -> Iterator[LocalStack]:
    """A stack of just the broker and redis, supervised step by step by the test."""
    stack = LocalStack(StackConfig(var_dir=tmp_path / "var", broker_port=free_port(), redis_port=free_port()))
    try:
        stack.config.var_dir.mkdir()
        stack.start_component("broker")
        stack.start_component("redis")
        yield stack
    finally:
        stack.stop()


def _step_until(stack: LocalStack, done: object, *, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack.supervise_once()
        if callable(done) and done():
            return
        time.sleep(0.05)
    pytest.fail(f"supervisor did not get there; status: {stack.board.children}")


def _kill(proc: ManagedProcess) -> None:
    os.kill(proc.process.pid, signal.SIGKILL)
    proc.process.wait(5)


def test_a_child_killed_again_while_starting_is_restarted_with_back_off(infra: LocalStack) -> None:
    redis = infra.board.child("redis")
    first = infra.processes["redis"]
    _kill(first)
    _step_until(infra, lambda: infra.processes["redis"] is not first)  # restarted after 0.5 s
    second = infra.processes["redis"]
    _kill(second)  # before (or just as) it opened its port
    _step_until(infra, lambda: redis.phase is Phase.WAITING)
    assert redis.failures == 2 and redis.next_start - redis.since == pytest.approx(backoff_delay(2))
    _step_until(infra, lambda: infra.processes["redis"] is not second and redis.phase is Phase.RUNNING)
    assert redis.restarts == 2
    assert infra.board.child("broker").restarts == 0 and infra.processes["broker"].alive(), "the others go on"
    assert [r.event for r in infra.board.reports if r.component == "redis"] == \
        ["down", "restarting", "down", "restarting", "started"]
    status = read_status(infra.config.var_dir)
    assert status is not None and status["components"]["redis"]["restarts"] == 2
    assert "redis" in format_status(status) and "restarting" in format_status(status)
    assert stat.S_IMODE((infra.config.var_dir / "stack-status.json").stat().st_mode) == 0o600


def test_a_child_that_cannot_start_is_retried_forever(infra: LocalStack) -> None:
    """A port held by someone else: redis exits at once, again and again; the supervisor keeps trying
    with growing delays and starts it once the port is free."""
    blocker = subprocess.Popen([sys.executable, "-c", f"""
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", {infra.config.redis_port})); s.listen(); print("bound", flush=True); time.sleep(600)"""],
                               stdout=subprocess.PIPE)
    try:
        _kill(infra.processes["redis"])
        assert blocker.stdout is not None and blocker.stdout.readline().strip() == b"bound"
        redis = infra.board.child("redis")
        _step_until(infra, lambda: redis.failures >= 3, timeout=60)
        assert str(redis.phase) in ("waiting", "starting"), "never given up on"
    finally:
        blocker.kill()
        blocker.wait(5)
    _step_until(infra, lambda: redis.phase is Phase.RUNNING and infra.processes["redis"].alive(), timeout=60)
