"""A normalizer built on first use: what a service hands out at start-up.

Building the shipped normalizer takes seconds (index and classifier). The matching service creates one
``LazyNormalizer`` in its lifespan and passes it to its state and API: start-up does not wait for the
build, the consumer builds it in its own thread before taking partitions, and a replica that takes its tags
from the vectors topic builds it only if a request needs it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Protocol

from services.matching.domain.occupations.normalizer import (
    BATCH,
    OccupationMatch,
    OccupationNormalizer,
    build_normalizer,
)

__all__ = ["LazyNormalizer", "TitleNormalizer"]


class TitleNormalizer(Protocol):
    """What tagging needs: titles → best leaf occupations, in input order."""

    def normalize_many(self, titles: Iterable[str], *, top: int = 5,
                       batch_size: int = BATCH) -> list[list[OccupationMatch]]: ...


class LazyNormalizer:
    """An ``OccupationNormalizer`` built by ``build`` on the first call, once (thread-safe)."""

    def __init__(self, build: Callable[[], OccupationNormalizer] = build_normalizer) -> None:
        self._build = build
        self._built: OccupationNormalizer | None = None
        self._lock = threading.Lock()

    def get(self) -> OccupationNormalizer:
        """The normalizer, built now if it is not yet."""
        with self._lock:
            if self._built is None:
                self._built = self._build()
            return self._built

    def normalize_many(self, titles: Iterable[str], *, top: int = 5,
                       batch_size: int = BATCH) -> list[list[OccupationMatch]]:
        """``OccupationNormalizer.normalize_many``; the first call builds the normalizer, even for no titles."""
        return self.get().normalize_many(titles, top=top, batch_size=batch_size)
