"""Real 拉勾 postings for ``bench.eval_real``: loading, categories, the grouped split, seekers, metrics.

The data lie outside the project (``REAL_DATA_DIR``, default ``../shared/data/recruitment``) and are read,
never copied. Relevance is the platform's own category: a posting is relevant to a seeker of the same
``cat_l2`` (gain 1), and highly relevant (gain 2) when ``cat_l3`` is given on both sides and equal too;
where ``cat_l3`` is empty the category falls back to ``cat_l2`` alone. The data analysts filed under
数据开发 count as 数据分析 (``SHARED_L3``). The two spellings of ``cat_l1``
("开发|测试|运维类" and "开发/测试/运维类") are merged, and so are the ``cat_l2`` names the two
taxonomy versions give the same category (``CATEGORY_ALIASES``).
"""

from __future__ import annotations

import csv
import math
import os
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from shared.reference.cities import UnknownCityError, normalize_city

DATA_DIR = Path(os.environ.get("REAL_DATA_DIR", "../shared/data/recruitment"))
LAGOU = "lagou_postings_with_categories.csv"
K = 10
# The "/" taxonomy names its front-end and ops categories differently from the "|" one.
CATEGORY_ALIASES = {"前端开发/移动开发": "前端开发", "移动前端开发": "前端开发", "运维安全": "运维"}
# A cat_l3 that is one job wherever it is filed: 拉勾 files 268 data-analyst postings (数据分析师, 高级数据分析师 …)
# under cat_l2 数据开发 with cat_l3 数据分析, beside 378 under 数据分析/数据分析.
SHARED_L3 = frozenset({"数据分析"})


@dataclass(frozen=True)
class Posting:
    key: int  # row number in the file
    title: str
    city: str  # normalized ("北京市")
    company: str
    skills: tuple[str, ...]
    cat_l1: str
    cat_l2: str
    cat_l3: str


@dataclass(frozen=True)
class Seeker:
    key: str
    headline: str
    skills: tuple[str, ...]
    city: str
    cat_l2: str
    cat_l3: str = ""


def _distinct(labels: Sequence[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for label in labels:
        label = label.strip()[:50]
        if label and label.lower() not in seen:
            seen[label.lower()] = label
    return tuple(seen.values())[:50]


def load_postings(data_dir: Path = DATA_DIR) -> list[Posting]:
    """The 拉勾 postings with a known city; skills are the posting's own skill labels."""
    out = []
    with (data_dir / LAGOU).open(encoding="utf-8") as handle:
        for key, row in enumerate(csv.DictReader(handle)):
            try:
                city = normalize_city(row["city"])
            except UnknownCityError:
                continue
            l2 = row["cat_l2"].strip()
            out.append(Posting(key=key, title=row["title"].strip()[:120], city=city,
                               company=(row["company"].strip() or "—")[:120],
                               skills=_distinct(row["skill_labels"].split("|")),
                               cat_l1=row["cat_l1"].replace("/", "|").strip(),
                               cat_l2=CATEGORY_ALIASES.get(l2, l2), cat_l3=row["cat_l3"].strip()))
    return out


def split_by_title(postings: Sequence[Posting], *, seed: int,
                   shares: Sequence[float]) -> list[list[Posting]]:
    """Postings cut into parts of about ``shares`` of the titles each: no title in two parts."""
    titles = sorted({p.title for p in postings})
    random.Random(seed).shuffle(titles)
    bounds = np.cumsum([0.0, *shares]) / sum(shares) * len(titles)
    part_of = {t: next(i for i in range(len(shares)) if n < bounds[i + 1]) for n, t in enumerate(titles)}
    parts: list[list[Posting]] = [[] for _ in shares]
    for posting in postings:
        parts[part_of[posting.title]].append(posting)
    return parts


def seekers_from(postings: Sequence[Posting], *, title_only: bool = False) -> list[Seeker]:
    """Held-out postings as seekers: their title (and skills) as the profile, their city."""
    return [Seeker(key=f"zh-{p.key}", headline=p.title, skills=() if title_only else p.skills, city=p.city,
                   cat_l2=p.cat_l2, cat_l3=p.cat_l3) for p in postings]


def opportunity_body(posting: Posting, *, title_only: bool = False) -> dict[str, Any]:
    """The posting as the jobs API takes it."""
    return {"kind": "job_posting", "title": posting.title, "organization": posting.company,
            "city": posting.city, "skills": [] if title_only else list(posting.skills)}


def profile_body(seeker: Seeker) -> dict[str, Any]:
    """The seeker as the profiles API takes it: skills, the headline as free text, wants jobs."""
    return {"display_name": "seeker", "city": seeker.city, "skills": list(seeker.skills),
            "skills_text": seeker.headline, "wanted_kinds": ["job_posting"]}


def gains(seeker: Seeker, pool: Sequence[Posting]) -> dict[int, int]:
    """Pool index → gain: 2 for the same ``cat_l2`` and ``cat_l3``; 1 for the same ``cat_l2`` alone (where a
    ``cat_l3`` is empty or differs) or the same ``cat_l3`` under another ``cat_l2`` (see the module)."""
    out = {}
    for i, p in enumerate(pool):
        same_l3 = bool(seeker.cat_l3) and p.cat_l3 == seeker.cat_l3
        if p.cat_l2 == seeker.cat_l2 or (same_l3 and p.cat_l3 in SHARED_L3):
            out[i] = 2 if p.cat_l2 == seeker.cat_l2 and same_l3 else 1
    return out


@dataclass(frozen=True)
class QueryScores:
    """Per-seeker figures of one ranking: precision@10, nDCG@10, share of the top 10 in the seeker's city."""

    precision: np.ndarray
    ndcg: np.ndarray
    in_city: np.ndarray


def score_lists(lists: Sequence[Sequence[int]], seekers: Sequence[Seeker], pool: Sequence[Posting]) -> QueryScores:
    """``lists[q]``: pool indices served to seeker ``q``, best first."""
    precision, ndcg, in_city = [], [], []
    for ranked, seeker in zip(lists, seekers, strict=True):
        relevant = gains(seeker, pool)
        top = list(ranked[:K])
        found = [relevant.get(i, 0) for i in top]
        ideal = sorted(relevant.values(), reverse=True)[:K]
        precision.append(sum(1 for g in found if g) / max(1, min(K, len(relevant))))
        dcg = sum(g / math.log2(r + 2) for r, g in enumerate(found))
        idcg = sum(g / math.log2(r + 2) for r, g in enumerate(ideal))
        ndcg.append(dcg / idcg if idcg else 0.0)
        in_city.append(sum(1 for i in top if pool[i].city == seeker.city) / max(1, len(top)))
    return QueryScores(np.array(precision), np.array(ndcg), np.array(in_city))


def bootstrap(values: np.ndarray, *, rounds: int = 1000, seed: int = 7) -> tuple[float, float]:
    """The 2.5th and 97.5th percentiles of the mean over query sets resampled with replacement."""
    if len(values) == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), size=(rounds, len(values)))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def category_weighted(values: np.ndarray, seekers: Sequence[Seeker], mix: Counter[str]) -> np.ndarray:
    """Per-seeker values reweighted to the category mix ``mix``: each category's seekers resampled to its
    count (deterministically, cycling), so a comparison with another set holds the categories equal."""
    by_category: dict[str, list[float]] = defaultdict(list)
    for value, seeker in zip(values, seekers, strict=True):
        by_category[seeker.cat_l2].append(float(value))
    out: list[float] = []
    for category, count in mix.items():
        pool = by_category.get(category)
        if pool:
            mean = sum(pool) / len(pool)
            out += [mean] * count
    return np.array(out)


def tfidf_lists(queries: Sequence[str], documents: Sequence[str], *, depth: int) -> list[list[int]]:
    """Character 1–3-gram TF-IDF (smooth idf, L2 rows, as scikit-learn's ``analyzer="char"``): the
    ``depth`` best documents per query."""
    def grams(text: str) -> Counter[str]:
        text = " ".join(text.lower().split())
        return Counter(text[i:i + n] for n in (1, 2, 3) for i in range(len(text) - n + 1))

    doc_grams = [grams(d) for d in documents]
    frequency: Counter[str] = Counter(g for counts in doc_grams for g in counts)
    vocabulary = {g: n for n, g in enumerate(frequency)}
    idf = np.array([math.log((1 + len(documents)) / (1 + frequency[g])) + 1 for g in vocabulary], dtype=np.float32)

    def matrix(rows: Sequence[Counter[str]]) -> np.ndarray:
        out = np.zeros((len(rows), len(vocabulary)), dtype=np.float32)
        for r, counts in enumerate(rows):
            for gram, count in counts.items():
                column = vocabulary.get(gram)
                if column is not None:
                    out[r, column] = count
        out *= idf
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)

    scores = matrix([grams(q) for q in queries]) @ matrix(doc_grams).T
    return [list(np.argsort(-row, kind="stable")[:depth]) for row in scores]
