"""Thread counts of the native libraries, sized per role instead of left at one per core.

Left alone, every native library starts one thread per core: OpenBLAS (numpy's, scipy's and FAISS's
copies), OpenMP (FAISS's and torch's libgomp), OpenVINO's streams and torch's pool. On a small machine
that already runs the web server, the consumer and the encoder, those threads spin on cores that are
busy: a free-text query's occupation tagging (a kernel-ridge classifier, one dense product through
OpenBLAS) took many times longer on a busy machine than with one BLAS thread, for the same result.

Two roles, two budgets (``MatchingSettings``: README, "Configuration"):
- **query** (request threads): BLAS ``blas_threads`` (default 1) and OpenMP ``query_openmp_threads``
  (default 1). A query's work is one small product and one single-vector FAISS search; the search
  itself runs in one thread, but ``IndexIDMap`` maps its labels back to ids in an OpenMP loop that opens
  a team of one thread per core, whose workers then spin on a core the consumer needs.
- **ingest** (the consumer thread): the same BLAS count (OpenBLAS keeps one count per process), OpenMP
  ``ingest_openmp_threads`` for FAISS adds, removals and IVF training (default 1), and the encoder's own
  ``torch_threads`` (OpenVINO streams or torch's pool; 0: one per core) — the only place more than one
  core pays, since embedding is where ingest spends its time.

OpenBLAS's count is process-wide, so it is set once (``configure``), again when a thread first takes a
role (a library loaded later, e.g. scipy's copy, is covered then). OpenMP's count is per calling thread,
so each thread sets its own when it first takes a role (``enter``), and a thread-local remembers it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Literal

from threadpoolctl import ThreadpoolController

log = logging.getLogger(__name__)

Role = Literal["query", "ingest"]


@dataclass(frozen=True)
class ThreadBudget:
    """0 for a count means the library's own default (one per core)."""

    blas: int = 1
    ingest_openmp: int = 1
    query_openmp: int = 1

    def openmp(self, role: Role) -> int:
        return self.ingest_openmp if role == "ingest" else self.query_openmp


class NativeThreads:
    """Applies a ``ThreadBudget``: once per process for BLAS, once per thread and role for OpenMP."""

    def __init__(self, budget: ThreadBudget | None = None) -> None:
        self.budget = budget or ThreadBudget()
        self._local = threading.local()
        self._lock = threading.Lock()

    def configure(self) -> None:
        """Set the process-wide BLAS count on every BLAS library loaded now."""
        if self.budget.blas > 0:
            with self._lock:
                ThreadpoolController().limit(limits=self.budget.blas, user_api="blas")

    def enter(self, role: Role) -> None:
        """The calling thread works for ``role`` from now on; cheap when it already does."""
        if getattr(self._local, "role", None) == role:
            return
        controller = ThreadpoolController()  # scanned now: libraries loaded since ``configure`` count too
        with self._lock:
            if self.budget.blas > 0:
                controller.limit(limits=self.budget.blas, user_api="blas")
            if self.budget.openmp(role) > 0:
                controller.limit(limits=self.budget.openmp(role), user_api="openmp")  # this thread only
        self._local.role = role
        log.debug("thread %s: %s role, %s", threading.current_thread().name, role, self.budget)

    def report(self) -> list[dict[str, object]]:
        """Each native thread pool the process has loaded and its count, as this thread sees it."""
        return [{"api": info["internal_api"], "library": info["prefix"], "threads": info["num_threads"]}
                for info in ThreadpoolController().info()]
