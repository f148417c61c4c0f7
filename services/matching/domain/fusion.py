"""Per-query score normalization: structured bonuses are weighed against the spread of the query's own
candidates, not against a fixed similarity scale.

The dense model's cosines are compressed (a real posting's top 100 candidates lie within a few hundredths,
standard deviation about 0.01), while a generated or lexical-heavy set spreads wider; a bonus of fixed size
would outweigh all of the similarity on one and none of it on another. So each bonus is counted in standard
deviations of the query's candidate similarities (``Spread``): an item's score is
``similarity + spread.std · Σ bonus``, which orders exactly as ``standing + Σ bonus`` with
``standing = (similarity − mean) / std``, and stays on the similarity's scale for the caller.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# With a handful of candidates (or near-identical ones) the standard deviation says nothing about relevance;
# below this floor a bonus would swamp differences the model does see. About half the spread of a real
# posting's top 100 under the default model.
MIN_SPREAD = 0.005


@dataclass(frozen=True)
class Spread:
    """Mean and standard deviation of one query's candidate similarities."""

    mean: float
    std: float
    count: int

    def standing(self, similarity: float) -> float | None:
        """How many standard deviations ``similarity`` lies above the candidates' mean; None for a lone
        candidate, which has nothing to stand against."""
        return (similarity - self.mean) / self.std if self.count > 1 else None

    def score(self, similarity: float, bonus: float) -> float:
        """The item's final score: ``bonus`` counted in standard deviations of the candidates."""
        return similarity + self.std * bonus


def spread_of(similarities: Sequence[float]) -> Spread:
    """The spread of a query's candidates (``MIN_SPREAD`` at least; mean 0 for none)."""
    if not similarities:
        return Spread(0.0, MIN_SPREAD, 0)
    mean = sum(similarities) / len(similarities)
    variance = sum((s - mean) ** 2 for s in similarities) / len(similarities)
    return Spread(mean, max(math.sqrt(variance), MIN_SPREAD), len(similarities))
