"""Real postings indexed for ``bench.eval_real``: one two-channel index per pool, re-ranked as the service
ranks, and the baselines that need no model (TF-IDF, random, same city)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np

from bench._real_data import K, Posting, Seeker, opportunity_body, profile_body, tfidf_lists
from bench.eval_matching import _opportunity_event, _profile_event
from services.matching.domain.documents import OpportunityDoc, opportunity_document, record_tags, talent_document
from services.matching.domain.encoders import HybridEncoder, LexicalEncoder, TextEncoder
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.domain.ranking import RankingWeights, rank_opportunities, score_pair
from services.matching.domain.state import MatchingState
from services.matching.service import INTERNAL, MatchingService
from services.matching.settings import MatchingSettings
from shared.events.contracts import OpportunityUpsertedV1, ProfileUpsertedV1

NO_BONUSES = RankingWeights(**{f.name: 0.0 for f in fields(RankingWeights)})
# The ranking shipped before per-query normalization (``fusion``): e5, dense 0.8 + lexical 0.2, bonuses added
# to the similarity as fixed amounts (``Corpus.fixed_ranked``).
PREVIOUS = RankingWeights(skill_overlap=0.1, same_city=0.04, desired_city=0.04, wanted_kind=0.12, level=0.02,
                          hiring_commitment=0.03, same_occupation=0.03)
DEPTH = MatchingService._candidates(K)  # hits the service ranks


@dataclass
class Corpus:
    """One pool and its seekers, indexed with a two-channel encoder (dense weight 1, lexical weight 1), so
    each channel's cosine can be read back and re-weighted exactly."""

    pool: list[Posting]
    seekers: list[Seeker]
    state: MatchingState
    dense_dim: int
    texts: tuple[list[str], list[str]]  # (seeker texts, pool texts) as matching builds them
    normalizer: OccupationNormalizer

    @classmethod
    def build(cls, pool: Sequence[Posting], seekers: Sequence[Seeker], dense: TextEncoder, *,
              normalizer: OccupationNormalizer, title_only: bool = False) -> Corpus:
        opportunities = [_opportunity_event(n + 1, opportunity_body(p, title_only=title_only))
                         for n, p in enumerate(pool)]
        profiles = [_profile_event(n + 1, profile_body(s)) for n, s in enumerate(seekers)]
        both = HybridEncoder(dense=dense, lexical=LexicalEncoder(MatchingSettings().lexical_dim),
                             dense_weight=1.0, lexical_weight=1.0)
        state = MatchingState(both.dim, normalizer=normalizer)
        state.apply([*opportunities, *profiles], both)
        return cls(list(pool), list(seekers), state, dense.dim, _texts(profiles, opportunities, normalizer),
                   normalizer)

    def _matrix(self, side: str, count: int) -> np.ndarray:
        index = getattr(self.state, side).index
        return np.stack([index.vector(i + 1) for i in range(count)])

    def channels(self) -> tuple[np.ndarray, np.ndarray]:
        """Seeker × pool cosines of the dense and the lexical channel."""
        seekers, pool = self._matrix("talents", len(self.seekers)), self._matrix("opportunities", len(self.pool))
        d = self.dense_dim
        return seekers[:, :d] @ pool[:, :d].T, seekers[:, d:] @ pool[:, d:].T

    def ranked(self, weights: RankingWeights, dense_weight: float, lexical_weight: float,
               similarity: tuple[np.ndarray, np.ndarray] | None = None) -> list[list[int]]:
        """Pool indices served to each seeker: the exact top ``DEPTH`` by the blended similarity, ranked
        by ``rank_opportunities``."""
        dense, lexical = similarity or self.channels()
        blended = dense_weight * dense + lexical_weight * lexical
        docs: dict[int, OpportunityDoc] = self.state.opportunities.docs
        out = []
        for q, row in enumerate(blended):
            top = np.argsort(-row, kind="stable")[:DEPTH]
            hits = [(int(i) + 1, float(row[i])) for i in top]
            items = rank_opportunities(self.state.talents.docs[q + 1], hits, docs, weights, K)
            out.append([item.id - 1 for item in items])
        return out

    def fixed_ranked(self, weights: RankingWeights, dense_weight: float, lexical_weight: float) -> list[list[int]]:
        """Like ``ranked``, with the bonuses added to the similarity as fixed amounts and the city bonus
        needing evidence only: the ranking as shipped before ``fusion`` (for comparison)."""
        dense, lexical = self.channels()
        blended = dense_weight * dense + lexical_weight * lexical
        docs: dict[int, OpportunityDoc] = self.state.opportunities.docs
        out = []
        for q, row in enumerate(blended):
            talent = self.state.talents.docs[q + 1]
            scored = []
            for i in np.argsort(-row, kind="stable")[:DEPTH]:
                pair = score_pair(talent, docs[int(i) + 1], weights, similarity=float(row[i]))
                if pair.evidence:
                    scored.append((-(float(row[i]) + pair.bonus), int(i)))
            out.append([i for _, i in sorted(scored)[:K]])
        return out

    def served(self, settings: MatchingSettings, dense: TextEncoder) -> list[list[int]]:
        """What ``MatchingService.recommend_for_talent`` serves under ``settings`` (a state of its own)."""
        encoder = HybridEncoder(dense=dense, lexical=LexicalEncoder(settings.lexical_dim),
                                dense_weight=settings.dense_weight, lexical_weight=settings.lexical_weight)
        state = MatchingState(encoder.dim, normalizer=self.normalizer)
        state.apply([*(_opportunity_event(n + 1, opportunity_body(p)) for n, p in enumerate(self.pool)),
                     *(_profile_event(n + 1, profile_body(s)) for n, s in enumerate(self.seekers))], encoder)
        service = MatchingService(state=state, encoder=encoder, cache=None, weights=settings.ranking_weights())
        return [[item.id - 1 for item in service.recommend_for_talent(n + 1, k=K, principal=INTERNAL).model.items]
                for n in range(len(self.seekers))]


def _texts(profiles: Sequence[ProfileUpsertedV1], opportunities: Sequence[OpportunityUpsertedV1],
           normalizer: OccupationNormalizer) -> tuple[list[str], list[str]]:
    """The texts matching embeds (``documents``), for the TF-IDF baseline over the same texts."""
    snapshots = [p.profile for p in profiles]
    tags = record_tags(snapshots, normalizer=normalizer)
    seekers = [talent_document(0, s, max_chars=2000, tags=t)[1] for s, t in zip(snapshots, tags, strict=True)]
    offers = [o.opportunity for o in opportunities]
    tags = record_tags(offers, normalizer=normalizer)
    pool = [opportunity_document(0, o, max_chars=2000, tags=t)[1] for o, t in zip(offers, tags, strict=True)]
    return seekers, pool


def city_first(lists: Sequence[Sequence[int]], seekers: Sequence[Seeker], pool: Sequence[Posting]) -> list[list[int]]:
    """Same-city postings first, each group in the given order."""
    return [sorted(ranked, key=lambda i: pool[i].city != s.city) for ranked, s in zip(lists, seekers, strict=True)]


def baselines(corpus: Corpus, *, seed: int) -> dict[str, list[list[int]]]:
    seekers, pool = corpus.seekers, corpus.pool
    tfidf = tfidf_lists(corpus.texts[0], corpus.texts[1], depth=len(pool))
    rng = random.Random(seed)
    shuffled = [rng.sample(range(len(pool)), len(pool)) for _ in seekers]
    return {"char 1-3-gram TF-IDF": [r[:K] for r in tfidf],
            "TF-IDF, same city first": [r[:K] for r in city_first(tfidf, seekers, pool)],
            "random": [r[:K] for r in shuffled],
            "same city only (random order)": [r[:K] for r in city_first(shuffled, seekers, pool)]}


def with_relevant(seekers: Sequence[Seeker], pool: Sequence[Posting]) -> list[Seeker]:
    categories = Counter(p.cat_l2 for p in pool)
    return [s for s in seekers if categories[s.cat_l2]]
