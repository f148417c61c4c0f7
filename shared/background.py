"""The one background loop every worker thread runs, and the one clock.

A ``BackgroundLoop`` calls its step until stopped, in a named daemon thread. A failure of a kind the
owner says is passing (``retry_on``: a broker or database outage) is logged and retried with doubling
back-off; anything else is a bug: it is logged with its traceback, stops the loop and stays readable in
``failure``, so a health check can say so instead of the loop replaying the same work forever.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    """Now, timezone-aware in UTC: every timestamp the services store or publish."""
    return datetime.now(UTC)


def describe(exc: BaseException) -> str:
    """An error as one short line for status reports."""
    return f"{type(exc).__name__}: {exc}"[:500]


class BackgroundLoop:
    """Runs ``step`` until ``stop``; ``step`` returns True when the loop's work is done for good."""

    def __init__(self, step: Callable[[], bool | None], *, name: str,
                 retry_on: tuple[type[BaseException], ...] = (Exception,),
                 on_error: Callable[[BaseException], None] | None = None,
                 initial_backoff: float = 0.2, max_backoff: float = 5.0,
                 before: Callable[[], None] | None = None, after: Callable[[], None] | None = None) -> None:
        """``on_error`` runs after each passing failure (drop a broken client, note the error); ``before``
        runs once in the thread before the first step (a failure there is fatal), ``after`` always last."""
        self.name = name
        self._step = step
        self._retry_on = retry_on
        self._on_error = on_error
        self._initial_backoff = initial_backoff
        self._max_backoff = max_backoff
        self._before = before
        self._after = after
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.failure: str | None = None  # the error that stopped the loop, if one did

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name=self.name, daemon=True)
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the loop to end after the step in hand, without waiting for it."""
        self._stop.set()

    def stop(self, timeout: float | None = None) -> None:
        """Ask the loop to end after the step in hand, and wait up to ``timeout`` for it."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, less if stopped; True when stopped."""
        return self._stop.wait(seconds)

    def run(self) -> None:
        """The loop itself, in the calling thread (``start`` runs it in a new one)."""
        backoff = self._initial_backoff
        try:
            if self._before is not None:
                self._before()
            while not self._stop.is_set():
                try:
                    if self._step():
                        return
                    backoff = self._initial_backoff
                except self._retry_on as exc:
                    if self._on_error is not None:
                        self._on_error(exc)
                    log.warning("%s: %s; retrying in %.1fs", self.name, describe(exc), backoff)
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, self._max_backoff)
        except Exception as exc:
            self.failure = describe(exc)
            log.exception("%s stopped by an unexpected error", self.name)
        finally:
            if self._after is not None:
                self._after()
