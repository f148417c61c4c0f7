"""Appends to an IVF index whose inverted lists keep their allocation close to their size.

FAISS holds each list in a ``std::vector`` that doubles when an append overflows it, so an index grown by
appends (a build adds one entry at a time, the service adds every micro-batch) holds on average about 40%
more than its codes. Here the new vectors' lists are assigned first; a list they would overflow is
re-allocated at 1/``HEADROOM`` above what it then needs (its entries copied out, the list emptied and
resized from zero, which allocates exactly that much, and copied back), and the vectors are added with
those assignments (``add_core``), so nothing is assigned twice. The capacities are tracked here (FAISS does
not expose them); a tracked capacity is never above the real one, so an unknown list (a loaded index) is
simply re-allocated at its first overflow. Entries keep their list and offset, so the direct map stays right.
Writes the lists: call it where the index's other writes happen (its owner's lock).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Any

import faiss
import numpy as np

from services.matching.domain.encoders import Vectors

HEADROOM = 8  # a re-allocated list gets room for 1/8 more entries than it needs
MMAP_THRESHOLD = 256 * 1024  # bytes: blocks from this size on are mapped, and unmapped when freed
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
_faiss: Any = faiss  # its bundled stubs lack the pointer helpers


@functools.cache
def _map_large_blocks() -> bool:
    """Have glibc map large blocks (a list's buffer) and hand them back when freed. By default it raises
    its threshold to the largest block freed so far, after which a re-allocated list leaves a hole in the
    heap that the next, larger one does not fit: the resident size grows by the holes. False off glibc."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        return bool(ctypes.CDLL(name).mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    except (OSError, AttributeError):
        return False


class ListCapacity:
    """Tracked capacities (entries) of one ``IndexIVF``'s array inverted lists."""

    def __init__(self, ivf: Any) -> None:
        _map_large_blocks()
        self._ivf = ivf
        self._lists = ivf.invlists
        self._code_size = int(self._lists.code_size)
        self._capacity = np.array([self._lists.list_size(i) for i in range(int(ivf.nlist))], dtype=np.int64)

    def add(self, vectors: Vectors, ids: np.ndarray[Any, np.dtype[np.int64]]) -> None:
        """``ivf.add_with_ids(vectors, ids)``, growing the lists it fills by 1/8 instead of doubling them."""
        assigned = np.ascontiguousarray(self._ivf.quantizer.assign(vectors, 1).reshape(-1), dtype=np.int64)
        counts = np.bincount(assigned, minlength=len(self._capacity))
        for list_no in np.flatnonzero(counts):
            size = int(self._lists.list_size(int(list_no)))
            need = size + int(counts[list_no])
            if need > self._capacity[list_no]:
                self._reallocate(int(list_no), size, need + need // HEADROOM + 1)
        self._ivf.add_core(len(ids), _faiss.swig_ptr(vectors), _faiss.swig_ptr(ids), _faiss.swig_ptr(assigned))

    def _reallocate(self, list_no: int, size: int, capacity: int) -> None:
        lists = self._lists
        if size:
            ids = _faiss.rev_swig_ptr(lists.get_ids(list_no), size).copy()
            codes = _faiss.rev_swig_ptr(lists.get_codes(list_no), size * self._code_size).copy()
        lists.resize(list_no, 0)
        lists.resize(list_no, capacity)  # from empty: allocates exactly this much (unless it already has it)
        lists.resize(list_no, 0)
        if size:
            lists.add_entries(list_no, size, _faiss.swig_ptr(ids), _faiss.swig_ptr(codes))
        self._capacity[list_no] = capacity
