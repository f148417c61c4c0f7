"""When the consumer commits what it applied (the commit policy), and what it reports about it; the file
format is ``domain/checkpoint.py``. Matching commits no offsets to Kafka: a checkpoint holds the state
with the offsets it covers, and a restart resumes from there.

The consumer thread is the only writer of the state and the figures, so it captures both between two
batches (a copy under the writers' lock: searches go on) and hands the copy to a writer thread; at
shutdown it writes the last one itself. A start restores the newest usable checkpoint before the
consumer connects, and the consumer resumes from the offsets it covers.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from services.matching.domain.checkpoint import Checkpoint, Fingerprint, LastRecord, read, write
from services.matching.domain.encoders import TextEncoder
from services.matching.domain.state import MatchingState
from services.matching.metrics.store import FiguresStore
from shared.background import BackgroundLoop, utc_now

log = logging.getLogger(__name__)


class Checkpointer:
    """Loads at start, saves every ``interval_seconds`` or ``every_events`` applied events, and at stop."""

    def __init__(self, *, directory: Path, state: MatchingState, encoder: TextEncoder, max_text_chars: int,
                 figures: FiguresStore | None = None, interval_seconds: float = 30.0,
                 every_events: int = 10_000) -> None:
        self.directory = directory
        self._state = state
        self._encoder = encoder
        self._max_text_chars = max_text_chars
        self._figures = figures
        self.interval_seconds = interval_seconds
        self.every_events = every_events
        self._fingerprint: Fingerprint | None = None
        # The writer thread: writes the checkpoint handed to it (``_pending``), one at a time.
        self._writer: BackgroundLoop | None = None
        self._pending: Checkpoint | None = None
        self._wake = threading.Event()
        self._lock = threading.Lock()  # guards the figures below, read by request threads
        self._last_save = time.monotonic()
        self._unsaved_events = 0
        self._saved_positions: dict[str, int] | None = None
        self.loaded: dict[str, Any] | None = None  # what the start resumed from
        self.fallback: str | None = None  # why a loaded checkpoint was dropped for a rebuild
        self.saved: dict[str, Any] | None = None
        self.saves = 0
        self.failures = 0
        self.last_error: str | None = None

    @property
    def fingerprint(self) -> Fingerprint:
        if self._fingerprint is None:  # encodes a probe text: computed in the consumer thread, once
            self._fingerprint = Fingerprint.of(self._encoder, max_text_chars=self._max_text_chars)
        return self._fingerprint

    def load(self) -> Checkpoint | None:
        """Restore state and figures from the checkpoint, if a usable one exists."""
        started = time.perf_counter()
        checkpoint = read(self.directory, self.fingerprint)
        if checkpoint is None:
            return None
        self._state.restore(checkpoint.state)
        if self._figures is not None:
            self._figures.restore(checkpoint.figures)
        seconds = time.perf_counter() - started
        self._saved_positions = dict(checkpoint.positions)
        with self._lock:
            self.loaded = {"positions": dict(checkpoint.positions), "generation": checkpoint.state.generation,
                           "saved_at": checkpoint.saved_at.isoformat(), "seconds": round(seconds, 3),
                           "talents": len(checkpoint.state.talents.ids),
                           "opportunities": len(checkpoint.state.opportunities.ids)}
        log.info("resumed from checkpoint of %s (generation %d, %d talents, %d opportunities) in %.2fs",
                 checkpoint.saved_at.isoformat(), checkpoint.state.generation, len(checkpoint.state.talents.ids),
                 len(checkpoint.state.opportunities.ids), seconds)
        return checkpoint

    def resume(self, topics: tuple[str, ...]) -> tuple[dict[str, int], dict[str, LastRecord]] | None:
        """Restore the last checkpoint, if a usable one covers ``topics``; the offsets to continue from."""
        try:
            checkpoint = self.load()
        except Exception:  # a corrupt or unreadable file: rebuilding from the topics is always possible
            log.exception("loading the checkpoint failed; rebuilding from the topics")
            self.discard("the checkpoint could not be loaded")
            return None
        if checkpoint is None:
            return None
        foreign = sorted({key.rpartition(":")[0] for key in checkpoint.positions} - set(topics))
        if foreign:
            self.discard(f"the checkpoint covers other topics: {', '.join(foreign)}")
            return None
        return dict(checkpoint.positions), dict(checkpoint.last_records)

    def commit(self, positions: dict[str, int], last_records: dict[str, LastRecord], *, final: bool) -> None:
        """Checkpoint what was applied when due (every ``interval_seconds`` or ``every_events``), and always
        at the end (``final``: written before returning) unless nothing changed since the last one."""
        if not positions or not (final or self.due(positions)):
            return
        if final and positions == self.saved_positions:
            return
        try:
            self.save(positions, last_records, wait=final)
        except Exception:  # capturing must not stop the consumer: the next turn tries again
            log.exception("capturing the checkpoint failed")

    def discard(self, reason: str) -> None:
        """The broker's log no longer holds what the state covers: empty state and figures, rebuild."""
        log.warning("dropping the resumed state and rebuilding from the beginning of the topics: %s", reason)
        self._state.reset()
        if self._figures is not None:
            self._figures.restore(None)
        with self._lock:
            self.fallback = reason[:500]

    @property
    def saved_positions(self) -> dict[str, int] | None:
        """The offsets the last checkpoint written or loaded covers."""
        return self._saved_positions

    def applied(self, events: int) -> None:
        self._unsaved_events += events

    def due(self, positions: dict[str, int]) -> bool:
        if positions == self._saved_positions:
            return False
        return (time.monotonic() - self._last_save >= self.interval_seconds
                or 0 < self.every_events <= self._unsaved_events)

    def save(self, positions: dict[str, int], last_records: dict[str, LastRecord], *, wait: bool = False) -> None:
        """Capture now (the caller is the consumer thread), write in the background unless ``wait``."""
        if self._pending is not None and not wait:
            return  # the previous one is still being written: the next turn saves
        if wait:
            self._stop_writer()  # finishes the one in hand first
        figures = self._figures.export() if self._figures is not None else None
        # The live indexes, not clones: the writers' lock stays held until the writer has streamed them
        # (taken last, so nothing between here and the writer can fail and leave it held).
        checkpoint = Checkpoint(state=self._state.copy_out(hold=True), positions=dict(positions),
                                last_records=dict(last_records), figures=figures, saved_at=utc_now())
        self._last_save, self._unsaved_events = time.monotonic(), 0
        self._saved_positions = dict(positions)
        if wait:
            self._write(checkpoint)
            return
        self._pending = checkpoint
        if self._writer is None or not self._writer.running:
            self._writer = BackgroundLoop(self._write_pending, name="matching-checkpoint")
            self._writer.start()
        self._wake.set()

    def _write_pending(self) -> None:
        self._wake.wait(1.0)
        self._wake.clear()
        checkpoint = self._pending
        if checkpoint is not None:
            self._write(checkpoint)  # never raises: a failed write is counted, and the next turn retries
            self._pending = None

    def _stop_writer(self) -> None:
        if self._writer is not None:
            self._writer.request_stop()
            self._wake.set()
            self._writer.stop()
            self._writer = None
        pending, self._pending = self._pending, None
        if pending is not None:  # stopped before it was written: superseded, and it must not hold the writers
            pending.state.release()

    def _write(self, checkpoint: Checkpoint) -> None:
        try:
            written = write(self.directory, checkpoint, self.fingerprint)
        except Exception as exc:  # a full disk must not stop the consumer: the next turn retries
            self._saved_positions = None
            with self._lock:
                self.failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"[:500]
            log.warning("writing the checkpoint failed: %s", self.last_error)
            return
        with self._lock:
            self.saves += 1
            self.saved = {"saved_at": checkpoint.saved_at.isoformat(), "generation": checkpoint.state.generation,
                          "positions": checkpoint.positions, "seconds": round(written.seconds, 3),
                          "bytes": written.bytes}
        log.info("checkpoint at generation %d written in %.2fs (%d bytes)", checkpoint.state.generation,
                 written.seconds, written.bytes)

    def status(self) -> dict[str, Any]:
        with self._lock:
            return {"dir": str(self.directory), "loaded": self.loaded, "fallback": self.fallback,
                    "saved": self.saved, "saves": self.saves, "failures": self.failures,
                    "last_error": self.last_error}
