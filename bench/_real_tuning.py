"""Choosing the ranking weights on the real postings' tuning part (``bench.eval_real``).

Coordinate ascent over the dense/lexical split, the bonuses the real labels speak to (city, occupation,
skill overlap; in standard deviations of each query's candidates) and the standing a city bonus needs,
maximizing precision@10 on the tuning seekers while at least ``MIN_IN_CITY`` of their top 10
stay in their own city. A weight moves only for a gain of ``MIN_GAIN`` (smaller differences are noise);
among values within ``MIN_GAIN`` of the best, the one nearest the current weight is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any

from bench._real_corpus import Corpus, with_relevant
from bench._real_data import Posting, score_lists, seekers_from
from services.matching.domain.encoders import TextEncoder
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.domain.ranking import RankingWeights
from services.matching.settings import MatchingSettings

MIN_IN_CITY = 0.60
MIN_GAIN = 0.005
# Bonuses in standard deviations of each query's candidate similarities (services/matching/domain/fusion.py).
GRID: dict[str, tuple[float, ...]] = {
    "dense_weight": (0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 1.0),  # the lexical weight is 1 − it
    "same_city": (0.0, 0.5, 1.0, 1.5, 2.0, 3.0),  # desired_city follows it
    "city_min_standing": (-10.0, 0.0, 0.5, 1.0),  # -10: every evidenced item
    "same_occupation": (0.0, 0.25, 0.5, 1.0, 2.0),
    "skill_overlap": (0.0, 0.25, 0.5, 1.0, 2.0),
}


def _objective(precision: float, in_city: float) -> float:
    return precision if in_city >= MIN_IN_CITY else precision - 1.0


def report_tuning(pool: Sequence[Posting], tuning: Sequence[Posting], dense: TextEncoder, *,
                  settings: MatchingSettings, seed: int, quick: bool,
                  normalizer: OccupationNormalizer) -> dict[str, Any]:
    """Search the weights on the tuning seekers; print the path and each weight's curve at the optimum."""
    seekers = with_relevant(seekers_from(tuning), pool)
    corpus = Corpus.build(pool, seekers, dense, normalizer=normalizer)
    similarity = corpus.channels()

    def measure(point: dict[str, float]) -> tuple[float, float, float]:
        weights = replace(RankingWeights(**{k: v for k, v in point.items() if k in _FIELDS}),
                          desired_city=point["same_city"])
        scores = score_lists(corpus.ranked(weights, point["dense_weight"], 1.0 - point["dense_weight"],
                                           similarity), seekers, pool)
        p, c = float(scores.precision.mean()), float(scores.in_city.mean())
        return _objective(p, c), p, c

    start = {"dense_weight": settings.dense_weight / (settings.dense_weight + settings.lexical_weight),
             **{k: v for k, v in asdict(settings.ranking_weights()).items()}}
    best, (score, precision, in_city) = dict(start), measure(start)
    print(f"\ntuning on {len(seekers)} seekers of the tuning part (objective: P@10 with ≥ {MIN_IN_CITY:.0%} "
          f"in city); current settings: P@10 {precision:.3f}, in city {in_city:.2f}")
    for _ in range(1 if quick else 2):
        for name, values in GRID.items():
            measured = [(v, measure({**best, name: v})) for v in values]
            top = max(m[0] for _, m in measured)
            if top < score + MIN_GAIN:
                continue
            value, (score, precision, in_city) = min(((v, m) for v, m in measured if m[0] >= top - MIN_GAIN),
                                                     key=lambda pair: abs(pair[0] - best[name]))
            best[name] = value
            print(f"  {name} → {value:g}: P@10 {precision:.3f}, in city {in_city:.2f}")
    print("chosen: " + ", ".join(f"{k}={best[k]:g}" for k in GRID) + f" (P@10 {precision:.3f}, in city {in_city:.2f})")
    curves = {}
    for name, values in GRID.items():
        curve = [(v, *measure({**best, name: v})[1:]) for v in values]
        curves[name] = curve
        print(f"  {name:<16} " + "  ".join(f"{v:g}: {p:.3f}/{c:.2f}" for v, p, c in curve))
    print("  (each: value: P@10 / share in city, the other weights as chosen)")
    return {"seekers": len(seekers), "chosen": {k: best[k] for k in GRID}, "precision": precision,
            "in_city": in_city, "curves": {k: [list(map(float, row)) for row in v] for k, v in curves.items()},
            "seed": seed}


_FIELDS = frozenset(asdict(RankingWeights()))
