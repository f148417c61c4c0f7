"""Keeps CPython's cyclic garbage collector off what a replica loads once.

The model, its tokenizer, the occupation normalizer and the indexed documents are hundreds of thousands of
long-lived objects. A full collection walks every one of them with the GIL held, and requests allocate many
short-lived objects, so full collections came every few hundred requests and stalled every request in
flight for the length of the walk (``bench.api_load`` and ``bench.contention`` show it as their p99).
``gc.freeze()`` moves what exists now into a permanent generation that collections skip: frozen objects
are still freed by reference counting when dropped, only a reference cycle among them is never collected,
and loaded data is kept for the life of the process anyway.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def freeze_loaded(moment: str) -> int:
    """Collect once, then exclude every object alive now from later collections; how many are frozen."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("%s: %d objects kept out of garbage collection", moment, frozen)
    return frozen
