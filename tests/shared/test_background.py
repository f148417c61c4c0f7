"""The one background loop: passing failures are retried, a bug stops it and stays readable."""

from __future__ import annotations

import threading

from shared.background import BackgroundLoop, utc_now


class Outage(ConnectionError):
    pass


def test_passing_failures_are_retried_until_the_step_says_done() -> None:
    attempts: list[int] = []
    errors: list[str] = []

    def step() -> bool:
        attempts.append(1)
        if len(attempts) < 3:
            raise Outage("broker down")
        return True

    loop = BackgroundLoop(step, name="test-retry", retry_on=(Outage,), on_error=lambda e: errors.append(str(e)),
                          initial_backoff=0.01, max_backoff=0.02)
    loop.run()  # in this thread: returns when the step is done
    assert len(attempts) == 3 and errors == ["broker down", "broker down"] and loop.failure is None


def test_a_bug_stops_the_loop_at_once_and_is_kept() -> None:
    attempts: list[int] = []
    finished = threading.Event()

    def step() -> None:
        attempts.append(1)
        raise KeyError("a bug")

    loop = BackgroundLoop(step, name="test-bug", retry_on=(Outage,), after=finished.set)
    loop.start()
    assert finished.wait(10), "the loop ended"
    loop.stop(5)
    assert attempts == [1] and loop.failure == "KeyError: 'a bug'" and not loop.running


def test_stop_ends_a_waiting_loop() -> None:
    loop: BackgroundLoop = BackgroundLoop(lambda: loop.wait(0.05), name="test-stop")
    loop.start()
    assert loop.running
    loop.stop(5)
    assert not loop.running and loop.failure is None


def test_utc_now_is_aware() -> None:
    assert utc_now().utcoffset() is not None
