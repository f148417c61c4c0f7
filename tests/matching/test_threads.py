"""Request threads take their own OpenMP count (FAISS's id map opens a team per search otherwise), and what a
replica has loaded is kept out of full garbage collections."""

from __future__ import annotations

import gc
import os
import threading

import faiss  # noqa: F401  (loads the OpenMP runtime FAISS searches with)
import pytest
from threadpoolctl import ThreadpoolController

from services.matching.heap import freeze_loaded
from services.matching.settings import MatchingSettings
from services.matching.threads import NativeThreads, ThreadBudget


def _openmp_in_thread(threads: NativeThreads, role: str) -> list[int]:
    seen: list[int] = []

    def work() -> None:
        threads.enter("query" if role == "query" else "ingest")
        seen.extend(int(info["num_threads"]) for info in ThreadpoolController().info()
                    if info["user_api"] == "openmp")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    return seen


def test_a_request_thread_searches_with_one_openmp_thread() -> None:
    # BLAS left alone: FAISS's OpenBLAS sets the calling thread's OpenMP count along with its own
    # every OpenMP runtime loaded (FAISS's, and in a full run torch's and others'): one thread each
    assert set(_openmp_in_thread(NativeThreads(ThreadBudget(blas=0, query_openmp=1)), "query")) == {1}
    if len(os.sched_getaffinity(0)) > 1:  # 0: the library's count, one per core
        assert set(_openmp_in_thread(NativeThreads(ThreadBudget(blas=0, query_openmp=0)), "query")) != {1}


def test_query_openmp_threads_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHING_QUERY_OPENMP_THREADS", "3")
    assert MatchingSettings().thread_budget().openmp("query") == 3
    monkeypatch.setenv("MATCHING_QUERY_OPENMP_THREADS", "0")  # 0: the library's own count
    assert MatchingSettings().thread_budget().openmp("query") == 0


def test_loaded_objects_are_frozen() -> None:
    loaded = [{"id": n} for n in range(1000)]
    try:
        assert freeze_loaded("test") >= len(loaded)
        assert gc.get_freeze_count() >= len(loaded)
    finally:
        gc.unfreeze()
