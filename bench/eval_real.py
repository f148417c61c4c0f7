"""Matching on real 拉勾 postings: what ``recommend_for_talent`` serves, scored by the platform's categories.

    python -m bench.eval_real [--quick] [--seed N] [--no-tune] [--per-seeker]

Real postings (``bench._real_data``: outside the project, read only) are split by title into a pool (60%),
a tuning part (20%) and a test part (20%); no title lies in two parts. Pool postings enter matching as the
jobs service would publish them (API validation → event → ``MatchingState``, with the real model and the
occupation normalizer); held-out postings become seekers (their title as free text, their skill labels as
skills, their city, wanting jobs). Relevance: the same ``cat_l2`` (gain 2 with the same ``cat_l3``).
Precision@10 counts against min(10, relevant postings in the pool); the in-city column is the share of the
top 10 in the seeker's own city; [low–high] is the 95% interval of the mean over resampled seeker sets.

Sets: Chinese seekers (the test part), English seekers written by hand (``bench.english_seekers``)
against the same Chinese pool, and Chinese titles only in one city (Beijing: title-only seekers and
postings, so the city carries no signal). Rows: the shipped ranking (served by ``MatchingService``), the
ranking shipped before per-query normalization (e5, 0.8/0.2, fixed bonuses; the all-MiniLM-L6-v2
default before it is in the README), each channel alone without bonuses,
character 1–3-gram TF-IDF plain and city-aware (same-city postings first), random, and same-city-only
(random order among same-city postings). The channel rows re-rank the index's exact top 100 with
``rank_opportunities``, as the service does (the shipped row is checked against its re-ranking).
``--no-tune`` skips the weight search on the tuning part (``bench._real_tuning``); ``--per-seeker`` prints
each English seeker's precision@10 by channel and what its shipped top 10 holds (``bench._real_english``).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench._common import header, write_result
from bench._real_corpus import DEPTH, NO_BONUSES, PREVIOUS, Corpus, baselines, with_relevant
from bench._real_data import (
    DATA_DIR,
    LAGOU,
    SHARED_L3,
    Posting,
    QueryScores,
    Seeker,
    bootstrap,
    category_weighted,
    gains,
    load_postings,
    score_lists,
    seekers_from,
    split_by_title,
)
from bench._real_english import per_seeker_table
from bench._real_tuning import report_tuning
from bench.english_seekers import SEEKERS as ENGLISH
from bench.eval_matching import CachedEncoder
from services.matching.domain.encoders import TextEncoder
from services.matching.domain.occupations import OccupationNormalizer, build_normalizer
from services.matching.domain.ranking import rank_opportunities
from services.matching.encoder_setup import build_dense_encoder
from services.matching.settings import MatchingSettings
from shared.reference.cities import normalize_city

# The English seekers' halves: weights are chosen looking at the tuning half only (even positions in
# ``bench.english_seekers``), the test half (odd positions) confirms them.
ENGLISH_HALVES = {"tuning half": 0, "test half": 1}


@dataclass(frozen=True)
class Row:
    name: str
    scores: QueryScores


def format_rows(title: str, rows: Sequence[Row]) -> str:
    lines = [title, f"{'ranking':<44} {'P@10':>6} {'[95% interval]':>15} {'nDCG@10':>8} {'[95% interval]':>15} "
                    f"{'in city':>7}"]
    lines.append("-" * len(lines[1]))
    for row in rows:
        s = row.scores
        (pl, ph), (nl, nh) = bootstrap(s.precision), bootstrap(s.ndcg)
        lines.append(f"{row.name:<44} {s.precision.mean():>6.3f} {f'[{pl:.3f}–{ph:.3f}]':>15} {s.ndcg.mean():>8.3f} "
                     f"{f'[{nl:.3f}–{nh:.3f}]':>15} {s.in_city.mean():>7.2f}")
    return "\n".join(lines)


def difference(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Mean of the paired difference a − b and its 95% bootstrap interval."""
    low, high = bootstrap(a - b)
    return float((a - b).mean()), low, high


def run(*, quick: bool, seed: int, tune: bool, per_seeker: bool = False) -> dict[str, Any]:
    if not (DATA_DIR / LAGOU).exists():
        print(f"real data not found at {DATA_DIR / LAGOU} (REAL_DATA_DIR): skipped")
        return {"skipped": True}
    header("matching on real 拉勾 postings", quick, "precision@10 / nDCG@10 against the platform's categories")
    started = time.perf_counter()
    settings = MatchingSettings()
    postings = load_postings()
    pool, tuning, test = split_by_title(postings, seed=seed, shares=(0.6, 0.2, 0.2))
    zh = with_relevant(seekers_from(test), pool)
    if quick:
        zh = random.Random(seed).sample(zh, min(len(zh), 150))
    en = with_relevant([Seeker(key=f"en-{n}", headline=s.headline, skills=s.skills, city=normalize_city(s.city),
                               cat_l2=s.category, cat_l3=s.category if s.category in SHARED_L3 else "")
                        for n, s in enumerate(ENGLISH)], pool)
    print(f"{len(postings)} postings ({len({p.title for p in postings})} titles): pool {len(pool)}, "
          f"tuning {len(tuning)}, test {len(test)}; {len(zh)} Chinese and {len(en)} English seekers",
          file=sys.stderr)
    model = build_dense_encoder(settings)
    if model is None:
        raise SystemExit("the evaluation needs the dense model: MATCHING_DENSE_WEIGHT must be above 0")
    dense = CachedEncoder(model, progress=True)
    normalizer = build_normalizer()
    corpus = Corpus.build(pool, [*zh, *en], dense, normalizer=normalizer)
    served = corpus.served(settings, dense)
    reranked = corpus.ranked(settings.ranking_weights(), settings.dense_weight, settings.lexical_weight)
    same = sum(a == b for a, b in zip(served, reranked, strict=True)) / len(served)
    lists: dict[str, list[list[int]]] = {
        f"shipped ({model.name}, served)": served,
        "previous (e5, 0.8/0.2, fixed bonuses)": corpus.fixed_ranked(PREVIOUS, 0.8, 0.2),
        "dense only (no bonuses)": corpus.ranked(NO_BONUSES, 1.0, 0.0),
        "lexical only (no bonuses)": corpus.ranked(NO_BONUSES, 0.0, 1.0),
        **baselines(corpus, seed=seed),
    }
    sets = {"Chinese seekers": slice(0, len(zh)), "English seekers": slice(len(zh), len(zh) + len(en))}
    results: dict[str, dict[str, QueryScores]] = {}
    for label, part in sets.items():
        results[label] = {name: score_lists(ranked[part], corpus.seekers[part], pool) for name, ranked in lists.items()}
        print("\n" + format_rows(f"{label} ({part.stop - part.start}), real cities, pool {len(pool)}",
                                 [Row(n, s) for n, s in results[label].items()]))
    print(f"(the shipped row equals its re-ranking for {same:.0%} of the seekers)")
    if per_seeker:
        english = {name: ranked[sets["English seekers"]] for name, ranked in lists.items()}
        print("\nEnglish seekers one by one (P@10; pool: postings of the category in the pool)\n"
              + per_seeker_table(english, en, pool, dense="dense only (no bonuses)",
                                 lexical="lexical only (no bonuses)", shipped=next(iter(lists))))
    beijing = normalize_city("北京")
    titles = _titles_only(pool, test, beijing, dense, seed=seed, normalizer=normalizer)
    print("\n" + format_rows(f"Chinese titles only, one city ({beijing}), pool {len(titles[0].pool)}",
                             [Row(n, s) for n, s in titles[1].items()]))
    payload = _targets(results, titles[1], zh, en, model.name)
    payload["pairs"] = _city_pairs(corpus, settings, len(zh))
    if tune:
        payload["tuning"] = report_tuning(pool, tuning, dense, settings=settings, seed=seed, quick=quick,
                                          normalizer=normalizer)
    print(f"total {time.perf_counter() - started:.0f}s")
    payload["sizes"] = {"pool": len(pool), "chinese": len(zh), "english": len(en)}
    print(f"→ {write_result('eval_real', payload, quick=quick)}")
    return payload


def _titles_only(pool: Sequence[Posting], test: Sequence[Posting], city: str, dense: TextEncoder, *,
                 seed: int, normalizer: OccupationNormalizer) -> tuple[Corpus, dict[str, QueryScores]]:
    local = [p for p in pool if p.city == city]
    seekers = with_relevant(seekers_from([p for p in test if p.city == city], title_only=True), local)
    corpus = Corpus.build(local, seekers, dense, normalizer=normalizer, title_only=True)
    weights = MatchingSettings().ranking_weights()
    settings = MatchingSettings()
    lists = {"shipped ranking": corpus.ranked(weights, settings.dense_weight, settings.lexical_weight),
             "dense only (no bonuses)": corpus.ranked(NO_BONUSES, 1.0, 0.0),
             "lexical only (no bonuses)": corpus.ranked(NO_BONUSES, 0.0, 1.0)}
    lists.update({k: v for k, v in baselines(corpus, seed=seed).items() if k in ("char 1-3-gram TF-IDF", "random")})
    return corpus, {name: score_lists(ranked, seekers, local) for name, ranked in lists.items()}


def _city_pairs(corpus: Corpus, settings: MatchingSettings, chinese: int) -> dict[str, float]:
    """Among the shipped ranking's candidates (its top ``DEPTH``, Chinese seekers): pairs of a clearly relevant
    out-of-town posting (the seeker's category and a shared skill label) and a clearly unrelated in-town one
    (another category, no shared skill label). Reported: how often the unrelated one is served first, and how
    often the ranking does so where the similarity alone put the relevant one first (the city lifted it)."""
    weights = settings.ranking_weights()
    dense, lexical = corpus.channels()
    blended = settings.dense_weight * dense + settings.lexical_weight * lexical
    docs = corpus.state.opportunities.docs
    pairs = above = similar_first = lifted = 0
    for q in range(chinese):
        seeker = corpus.seekers[q]
        top = np.argsort(-blended[q], kind="stable")[:DEPTH]
        items = rank_opportunities(corpus.state.talents.docs[q + 1], [(int(i) + 1, float(blended[q][i])) for i in top],
                                   docs, weights, DEPTH)
        rank = {item.id - 1: r for r, item in enumerate(items)}
        mine, relevant = {s.lower() for s in seeker.skills}, gains(seeker, corpus.pool)

        shared = {i: bool(mine & {s.lower() for s in corpus.pool[i].skills}) for i in rank}
        good = [i for i in rank if i in relevant and shared[i] and corpus.pool[i].city != seeker.city]
        bad = [i for i in rank if i not in relevant and not shared[i] and corpus.pool[i].city == seeker.city]
        for r in good:
            for u in bad:
                pairs += 1
                above += rank[u] < rank[r]
                if blended[q][r] > blended[q][u]:
                    similar_first += 1
                    lifted += rank[u] < rank[r]
    share, lift = above / max(pairs, 1), lifted / max(similar_first, 1)
    print(f"\ncity vs relevance (Chinese seekers, shipped ranking, its top {DEPTH}): {pairs} pairs of a clearly "
          f"relevant out-of-town and a clearly unrelated in-town posting; the unrelated one is served first in "
          f"{share:.1%}; of the {similar_first} pairs the similarity alone puts the relevant one first, the city "
          f"lifts the unrelated one above it in {lift:.1%}")
    return {"pairs": pairs, "unrelated_first_share": share, "similarity_first_pairs": similar_first,
            "lifted_share": lift}


def _targets(results: dict[str, dict[str, QueryScores]], titles: dict[str, QueryScores], zh: Sequence[Seeker],
             en: Sequence[Seeker], model: str) -> dict[str, Any]:
    chinese, english = results["Chinese seekers"], results["English seekers"]
    shipped = next(k for k in chinese if k.startswith("shipped"))
    s = chinese[shipped]
    plain = difference(s.precision, chinese["char 1-3-gram TF-IDF"].precision)
    aware = difference(s.precision, chinese["TF-IDF, same city first"].precision)
    mix = Counter(x.cat_l2 for x in en)
    same_categories = category_weighted(s.precision, zh, mix)
    en_precision = english[shipped].precision
    title_gap = difference(titles["shipped ranking"].precision, titles["char 1-3-gram TF-IDF"].precision)
    checks = [
        ("Chinese: shipped − plain TF-IDF, P@10 ≥ +0.03", plain, plain[0] >= 0.03),
        ("Chinese: shipped − city-aware TF-IDF, P@10 ≥ +0.06", aware, aware[0] >= 0.06),
        ("Chinese: shipped top 10 in the seeker's city ≥ 60%", (float(s.in_city.mean()), *bootstrap(s.in_city)),
         s.in_city.mean() >= 0.60),
        ("English: shipped P@10 ≥ 0.80", (float(en_precision.mean()), *bootstrap(en_precision)),
         en_precision.mean() >= 0.80),
        ("English − Chinese of the same categories, P@10 ≥ −0.05",
         tuple(v - float(same_categories.mean()) for v in (float(en_precision.mean()), *bootstrap(en_precision))),
         en_precision.mean() >= same_categories.mean() - 0.05),
        ("Titles only, one city: shipped − TF-IDF, P@10 ≥ +0.05", title_gap, title_gap[0] >= 0.05),
    ]
    print(f"\ntargets ({model}; [95% interval] over resampled seekers)")
    for label, (value, low, high), ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {label}: {value:+.3f} [{low:+.3f}–{high:+.3f}]")
    print(f"  (Chinese seekers of the English set's categories, weighted alike: P@10 {same_categories.mean():.3f})")
    halves = {name: {half: float(english[name].precision[start::2].mean()) for half, start in ENGLISH_HALVES.items()}
              for name in english}
    print("  English seekers by half (" + ", ".join(f"{h}: P@10 {halves[shipped][h]:.3f}" for h in ENGLISH_HALVES)
          + "); dense only: " + ", ".join(f"{h} {halves['dense only (no bonuses)'][h]:.3f}" for h in ENGLISH_HALVES))

    def summary(scores: dict[str, QueryScores]) -> dict[str, Any]:
        return {k: {"precision": float(v.precision.mean()), "precision_ci": bootstrap(v.precision),
                    "ndcg": float(v.ndcg.mean()), "ndcg_ci": bootstrap(v.ndcg), "in_city": float(v.in_city.mean())}
                for k, v in scores.items()}

    return {"model": model, "chinese": summary(chinese), "english": summary(english), "titles": summary(titles),
            "english_halves": halves,
            "targets": [{"target": label, "value": value, "ci": [low, high], "pass": bool(ok)}
                        for label, (value, low, high), ok in checks]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.eval_real", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="150 Chinese test seekers, a smaller tuning grid")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--no-tune", action="store_true", help="skip the weight search on the tuning part")
    parser.add_argument("--per-seeker", action="store_true",
                        help="each English seeker's P@10 by channel and its shipped top 10 by category")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    run(quick=args.quick, seed=args.seed, tune=not args.no_tune, per_seeker=args.per_seeker)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
