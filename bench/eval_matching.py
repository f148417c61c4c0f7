"""Evaluate talent → opportunity recommendations on a labelled set generated from the demo generator.

    python -m bench.eval_matching [--quick] [--seed N] [--tune] [--no-occupations]

Data. ``talentmatch.demo.generate.DemoGenerator`` (seeded; its ``today`` set to the real date so classes and
incubators are open) writes realistic Chinese and English profiles and opportunities from the CSCO 2022
taxonomy and the skill vocabulary: the 16 real industrial parks, then job postings, training classes and
incubator programs 6:3:1. Each record enters matching as the source services would publish it: validated by
the profiles/jobs API schemas, mapped to the event snapshot, applied to a real ``MatchingState`` with the real
encoder (the default dense model + the lexical channel) and served by ``MatchingService.recommend_for_talent``.
Every other job posting loses its explicit ``occupation_code``, so the normalizer's tags are exercised as for
postings published without one.

Relevance (the labels) comes from what the generator chose, never from what matching computes. An open
opportunity is relevant to a talent when all of these hold:

1. both were generated for the same digital field: the generator draws a field first and then the
   occupation, title and skills from it (a park: any of the three fields it was generated for);
2. they share at least one skill of the skill lists the generator wrote into the two records;
3. its city is acceptable to the talent: the talent's city or one of the desired cities;
4. its kind is one the talent wants (matching is reciprocal: the seeker's wishes count).

A relevant opportunity is *highly* relevant (gain 2 instead of 1 in nDCG) when it was also generated for the
talent's own occupation (the CSCO code the generator drew; Chinese profiles name it in their lead phrase,
English profiles and incubators/parks have none). Field and occupation are hidden from matching: it sees
text, the codes a publisher gave and skill lists, and infers occupations and fields itself. Talents without
any relevant opportunity are left out (their count is printed).

Metrics over the top 10: recall@10 = relevant found / min(10, relevant), and nDCG@10 with gains 2/1/0.
Rows: hybrid (default settings), hybrid without the occupation signal, hybrid without structured bonuses,
dense channel only (lexical weight 0, no bonuses), lexical channel only (dense weight 0, no bonuses), and
each channel alone with the default bonuses.
``--tune`` searches the bonus weights (coordinate ascent, nDCG@10) on a second seed and prints the result:
that is how the defaults in ``services/matching/settings.py`` were chosen. The occupation normalizer's summary
(``bench.eval_occupations.evaluate``, quick mode, no dense baseline) follows the matching table.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import date
from typing import Any

import numpy as np
from tqdm import tqdm

from services.matching.domain.documents import OpportunityDoc
from services.matching.domain.encoders import DenseEncoder, HybridEncoder, LexicalEncoder, TextEncoder, Vectors
from services.matching.domain.occupations import OccupationNormalizer, build_normalizer
from services.matching.domain.ranking import RankingWeights, rank_opportunities
from services.matching.domain.state import MatchingState
from services.matching.encoder_setup import build_dense_encoder
from services.matching.service import INTERNAL, MatchingService
from services.matching.settings import MatchingSettings
from shared.events.contracts import OpportunityUpsertedV1, ProfileSnapshot, ProfileUpsertedV1
from shared.events.vocabulary import OpportunityKind
from shared.reference.skills import extract_skills
from talentmatch.demo.generate import DemoGenerator

K = 10
NO_BONUSES = RankingWeights(**{f.name: 0.0 for f in fields(RankingWeights)})
# Where ``--tune`` starts: the weights before the occupation signal existed (it starts at 0).
PREVIOUS_DEFAULTS = RankingWeights(skill_overlap=0.15, same_city=0.05, desired_city=0.03, wanted_kind=0.03,
                                   level=0.02, hiring_commitment=0.03, same_occupation=0.0, same_field=0.0)
_PARK_FIELDS = re.compile(r"重点发展(.+?)产业")


# ---------------------------------------------------------------------------------------------------------
# The labelled set
# ---------------------------------------------------------------------------------------------------------
class _LabellingGenerator(DemoGenerator):
    """The demo generator, remembering the field and the occupation it drew for the record it is making."""

    drawn: str = ""
    titled: str | None = None  # the occupation a title or lead phrase was written for

    def _field(self) -> str:
        self.drawn = super()._field()
        return self.drawn

    def _title(self, occupation_code: str) -> str:
        self.titled = occupation_code
        return super()._title(occupation_code)

    def labelled(self, make: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], str, str | None]:
        self.titled = None
        body = make()
        return body, self.drawn, self.titled


@dataclass(frozen=True)
class Truth:
    fields: frozenset[str]
    skills: frozenset[str]  # canonical ids of the record's own skill list
    cities: frozenset[str]  # a talent: city and desired cities; an opportunity: its city
    kinds: frozenset[OpportunityKind]  # a talent: wanted kinds; an opportunity: its kind
    occupation: str | None = None


@dataclass
class LabelledSet:
    profiles: dict[int, ProfileUpsertedV1]
    opportunities: dict[int, OpportunityUpsertedV1]
    talent_truth: dict[int, Truth]
    opportunity_truth: dict[int, Truth]

    def relevant(self, talent_id: int, open_ids: set[int]) -> dict[int, int]:
        """Gains of the relevant opportunities: 2 when generated for the talent's occupation, else 1."""
        t = self.talent_truth[talent_id]
        return {i: 2 if t.occupation is not None and o.occupation == t.occupation else 1
                for i in open_ids if (o := self.opportunity_truth[i]).fields & t.fields
                and o.skills & t.skills and o.cities & t.cities and o.kinds & t.kinds}


def _profile_event(record_id: int, body: dict[str, Any]) -> ProfileUpsertedV1:
    from services.profiles.schemas import ProfileCreate

    created = ProfileCreate.model_validate(body)
    snapshot = ProfileSnapshot.model_validate(created.model_dump(exclude={"phone", "email", "id_number"}))
    return ProfileUpsertedV1(record_id=record_id, record_version=1, profile=snapshot)


def _opportunity_event(record_id: int, body: dict[str, Any]) -> OpportunityUpsertedV1:
    from services.jobs.mapping import columns_of, snapshot_of, validate_opportunity
    from services.jobs.models import Opportunity

    row = Opportunity(id=record_id, version=1, **columns_of(validate_opportunity(body)))
    return OpportunityUpsertedV1(record_id=record_id, record_version=1, opportunity=snapshot_of(row))


def labelled_set(*, seed: int, talents: int, opportunities: int) -> LabelledSet:
    """Generate ``talents`` profiles and ``opportunities`` opportunities with their hidden labels."""
    generator = _LabellingGenerator(seed=seed, today=date.today())
    bodies: list[tuple[dict[str, Any], frozenset[str], str | None]] = []
    for park in generator.industrial_parks()[:opportunities]:
        found = _PARK_FIELDS.search(park["description"])
        bodies.append((park, frozenset(found.group(1).split("、") if found else ()), None))
    makers = (generator.job_posting,) * 6 + (generator.training_class,) * 3 + (generator.incubator_program,)
    while len(bodies) < opportunities:  # as ``DemoGenerator.opportunities`` does, remembering the labels
        body, field, occupation = generator.labelled(generator.rng.choice(makers))
        bodies.append((body, frozenset({field}), occupation))
    out = LabelledSet({}, {}, {}, {})
    postings = 0
    for record_id, (body, drawn, occupation) in enumerate(bodies, start=1):
        if body["kind"] == OpportunityKind.JOB_POSTING.value:
            postings += 1
            if postings % 2 == 0:
                body = {k: v for k, v in body.items() if k != "occupation_code"}
        event = _opportunity_event(record_id, body)
        out.opportunities[record_id] = event
        out.opportunity_truth[record_id] = Truth(drawn, frozenset(extract_skills(body["skills"])),
                                                 frozenset({event.opportunity.city}),
                                                 frozenset({event.opportunity.kind}), occupation)
    for record_id in range(1, talents + 1):
        body, field, occupation = generator.labelled(generator.profile)
        profile = _profile_event(record_id, body)
        p = profile.profile
        out.profiles[record_id] = profile
        out.talent_truth[record_id] = Truth(frozenset({field}), frozenset(extract_skills(p.skills)),
                                            frozenset({p.city, *p.desired_cities}), frozenset(p.wanted_kinds),
                                            occupation)
    return out


# ---------------------------------------------------------------------------------------------------------
# Indexing and scoring
# ---------------------------------------------------------------------------------------------------------
class CachedEncoder:
    """The real dense encoder, embedding each distinct text once across the evaluated configurations."""

    def __init__(self, inner: DenseEncoder, *, progress: bool) -> None:
        self._inner = inner
        self._rows: dict[str, Vectors] = {}
        self._progress = progress

    @property
    def dim(self) -> int:
        return self._inner.dim

    @property
    def name(self) -> str:
        return self._inner.name

    def encode(self, texts: Sequence[str]) -> Vectors:
        todo = list(dict.fromkeys(t for t in texts if t not in self._rows))
        step = 64
        with tqdm(total=len(todo), desc=f"embedding ({self._inner.name})", unit="text", leave=False,
                  disable=not self._progress or not todo, file=sys.stderr) as bar:
            for start in range(0, len(todo), step):
                chunk = todo[start:start + step]
                self._rows.update(zip(chunk, self._inner.encode(chunk), strict=True))
                bar.update(len(chunk))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._rows[t] for t in texts])


def build_state(data: LabelledSet, encoder: TextEncoder, normalizer: OccupationNormalizer) -> MatchingState:
    state = MatchingState(encoder.dim, normalizer=normalizer)
    state.apply([*data.opportunities.values(), *data.profiles.values()], encoder)
    return state


@dataclass(frozen=True)
class Scores:
    recall: float
    ndcg: float
    talents: int


def _metrics(ranked: Sequence[int], gains: dict[int, int]) -> tuple[float, float]:
    top = list(ranked[:K])
    found = [gains.get(i, 0) for i in top]
    ideal = sorted(gains.values(), reverse=True)[:K]
    dcg = sum(g / math.log2(r + 2) for r, g in enumerate(found))
    idcg = sum(g / math.log2(r + 2) for r, g in enumerate(ideal))
    return sum(1 for g in found if g) / len(ideal), dcg / idcg


def evaluate_lists(lists: dict[int, list[int]], relevant: dict[int, dict[int, int]]) -> Scores:
    pairs = [_metrics(lists[t], rel) for t, rel in relevant.items() if rel]
    n = max(len(pairs), 1)
    return Scores(sum(r for r, _ in pairs) / n, sum(g for _, g in pairs) / n, len(pairs))


def service_lists(state: MatchingState, encoder: TextEncoder, weights: RankingWeights, talent_ids: Sequence[int],
                  *, desc: str, progress: bool) -> dict[int, list[int]]:
    """The top-K ids ``MatchingService.recommend_for_talent`` serves each talent."""
    service = MatchingService(state=state, encoder=encoder, cache=None, weights=weights)
    return {t: [item.id for item in service.recommend_for_talent(t, k=K, principal=INTERNAL).model.items]
            for t in tqdm(talent_ids, desc=desc, unit="talent", leave=False, disable=not progress, file=sys.stderr)}


@dataclass
class Candidates:
    """Each talent's candidate hits (as the service fetches them), for re-ranking under many weights."""

    state: MatchingState
    hits: dict[int, list[tuple[int, float]]]

    @classmethod
    def of(cls, state: MatchingState, talent_ids: Sequence[int]) -> Candidates:
        today = date.today()
        docs = state.opportunities.docs
        hits = {}
        for t in talent_ids:
            vector = state.talents.index.vector(t)
            assert vector is not None
            hits[t] = state.opportunities.index.search(vector, MatchingService._candidates(K),
                                                       allowed=lambda i: docs[i].accepting(today))
        return cls(state, hits)

    def lists(self, weights: RankingWeights) -> dict[int, list[int]]:
        docs: dict[int, OpportunityDoc] = self.state.opportunities.docs
        return {t: [item.id for item in rank_opportunities(self.state.talents.docs[t], hits, docs, weights, K)]
                for t, hits in self.hits.items()}


_STEPS = (0.0, 0.01, 0.02, 0.03, 0.05, 0.08, 0.12, 0.16, 0.24, 0.32)
# The bonuses the labels speak to. ``level`` and ``hiring_commitment`` are left out: relevance says nothing
# about levels or hiring commitments, so their defaults stay a product choice.
GRID: dict[str, tuple[float, ...]] = {
    "skill_overlap": (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.45, 0.6),  # times a Jaccard index (mostly 0.1-0.5)
    "same_occupation": _STEPS,
    "same_field": _STEPS,
    "same_city": _STEPS,
    "desired_city": _STEPS,
    "wanted_kind": _STEPS,
}
MIN_GAIN = 0.005  # nDCG@10 a move away from the current weight must win (differences below are noise)


def tune(candidates: Candidates, relevant: dict[int, dict[int, int]], start: RankingWeights, *,
         rounds: int = 3, progress: bool = True) -> tuple[RankingWeights, Scores]:
    """Coordinate ascent over ``GRID`` on nDCG@10, starting from ``start``.

    A weight moves only to a value that beats its current one by ``MIN_GAIN``; among the values within
    ``MIN_GAIN`` of the best, the one nearest the current weight is taken.
    """
    best = start
    best_score = evaluate_lists(candidates.lists(best), relevant)
    steps = rounds * sum(len(v) for v in GRID.values())
    with tqdm(total=steps, desc="tuning bonuses", leave=False, disable=not progress, file=sys.stderr) as bar:
        for _ in range(rounds):
            for name, values in GRID.items():
                current = getattr(best, name)
                scored = []
                for value in values:
                    weights = replace(best, **{name: value})
                    scored.append((value, evaluate_lists(candidates.lists(weights), relevant)))
                    bar.update(1)
                top = max(s.ndcg for _, s in scored)
                if top < best_score.ndcg + MIN_GAIN:
                    continue
                value, score = min(((v, s) for v, s in scored if s.ndcg >= top - MIN_GAIN),
                                   key=lambda p: abs(p[0] - current))
                best, best_score = replace(best, **{name: value}), score
    return best, best_score


# ---------------------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    config: str
    scores: Scores
    seconds: float


def format_rows(rows: Sequence[Row]) -> str:
    header = f"{'configuration':<44} {'recall@10':>9} {'nDCG@10':>8} {'talents':>7} {'sec':>6}"
    lines = [header, "-" * len(header)]
    lines += [f"{r.config:<44} {r.scores.recall:>9.3f} {r.scores.ndcg:>8.3f} {r.scores.talents:>7} "
              f"{r.seconds:>6.1f}" for r in rows]
    return "\n".join(lines)


def _sizes(quick: bool) -> tuple[int, int]:
    return (300, 600) if quick else (1000, 2000)


def run(*, quick: bool, seed: int, do_tune: bool, occupations: bool, progress: bool = True) -> list[Row]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    settings = MatchingSettings()
    n_talents, n_opportunities = _sizes(quick)
    start = time.perf_counter()
    data = labelled_set(seed=seed, talents=n_talents, opportunities=n_opportunities)
    print(f"generated {n_talents} talents and {n_opportunities} opportunities (seed {seed}) in "
          f"{time.perf_counter() - start:.1f}s", file=sys.stderr)
    model = build_dense_encoder(settings)  # as the service runs it: backend, text view, threads
    if model is None:
        raise SystemExit("the evaluation needs the dense model: MATCHING_DENSE_WEIGHT must be above 0")
    dense = CachedEncoder(model, progress=progress)
    lexical = LexicalEncoder(settings.lexical_dim)
    channels = {
        "hybrid": HybridEncoder(dense=dense, lexical=lexical, dense_weight=settings.dense_weight,
                                lexical_weight=settings.lexical_weight),
        "dense": HybridEncoder(dense=dense, lexical=lexical, dense_weight=1.0, lexical_weight=0.0),
        "lexical": HybridEncoder(dense=None, lexical=lexical, dense_weight=0.0, lexical_weight=1.0),
    }
    states = {}
    normalizer = build_normalizer()  # once, outside the timed indexing
    for name, encoder in channels.items():
        began = time.perf_counter()
        states[name] = build_state(data, encoder, normalizer)
        print(f"indexed ({name}) in {time.perf_counter() - began:.1f}s", file=sys.stderr)
    today = date.today()
    open_ids = {i for i, d in states["hybrid"].opportunities.docs.items() if d.accepting(today)}
    talent_ids = sorted(data.profiles)
    relevant = {t: data.relevant(t, open_ids) for t in talent_ids}
    defaults = settings.ranking_weights()
    configs: list[tuple[str, str, RankingWeights]] = [
        ("hybrid (default)", "hybrid", defaults),
        ("hybrid, no occupation signal", "hybrid", replace(defaults, same_occupation=0.0, same_field=0.0)),
        ("hybrid, no structured bonuses", "hybrid", NO_BONUSES),
        ("dense only (lexical weight 0, no bonuses)", "dense", NO_BONUSES),
        ("lexical only (dense weight 0, no bonuses)", "lexical", NO_BONUSES),
        ("dense only, default bonuses", "dense", defaults),
        ("lexical only, default bonuses", "lexical", defaults),
    ]
    rows = []
    for label, channel, weights in configs:
        began = time.perf_counter()
        lists = service_lists(states[channel], channels[channel], weights, talent_ids, desc=label, progress=progress)
        rows.append(Row(label, evaluate_lists(lists, relevant), time.perf_counter() - began))
    counts = [len(r) for r in relevant.values() if r]
    print(f"\nmatching: {n_talents} talents ({len(counts)} with a relevant opportunity, "
          f"{sum(counts) / max(len(counts), 1):.1f} relevant each on average), {len(open_ids)} open opportunities, "
          f"seed {seed}, k={K}")
    print(format_rows(rows))
    if do_tune:
        _tune_report(seed=seed + 1, sizes=(n_talents, n_opportunities), encoder=channels["hybrid"],
                     defaults=defaults, progress=progress, normalizer=normalizer)
    if occupations:
        from bench.eval_occupations import evaluate, format_table

        print("\noccupation normalization (bench.eval_occupations, quick mode, no dense baseline):")
        print(format_table(evaluate(quick=True, dense=False, progress=False)))
    return rows


def _tune_report(*, seed: int, sizes: tuple[int, int], encoder: TextEncoder, defaults: RankingWeights,
                 progress: bool, normalizer: OccupationNormalizer) -> None:
    data = labelled_set(seed=seed, talents=sizes[0], opportunities=sizes[1])
    state = build_state(data, encoder, normalizer)
    today = date.today()
    open_ids = {i for i, d in state.opportunities.docs.items() if d.accepting(today)}
    relevant = {t: data.relevant(t, open_ids) for t in sorted(data.profiles)}
    candidates = Candidates.of(state, sorted(data.profiles))
    served = service_lists(state, encoder, defaults, sorted(data.profiles), desc="check", progress=progress)
    assert served == candidates.lists(defaults), "re-ranking must reproduce the service"
    for label, weights in (("current defaults", defaults), ("previous defaults", PREVIOUS_DEFAULTS),
                           ("no bonuses", NO_BONUSES)):
        scores = evaluate_lists(candidates.lists(weights), relevant)
        print(f"tuning set (seed {seed}), {label}: recall@10 {scores.recall:.3f} nDCG@10 {scores.ndcg:.3f}")
    best, scores = tune(candidates, relevant, PREVIOUS_DEFAULTS, progress=progress)
    print(f"tuned (seed {seed}): recall@10 {scores.recall:.3f} nDCG@10 {scores.ndcg:.3f}")
    print("tuned weights: " + ", ".join(f"{k}={v:g}" for k, v in asdict(best).items()))
    print("nDCG@10 with one weight changed from the tuned ones:")
    for name, values in GRID.items():
        curve = [f"{v:g}: {evaluate_lists(candidates.lists(replace(best, **{name: v})), relevant).ndcg:.3f}"
                 for v in values]
        print(f"  {name:<18} " + "  ".join(curve))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.eval_matching", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="300 talents and 600 opportunities (full: 1000/2000)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--tune", action="store_true", help="search the bonus weights on seed+1 and report")
    parser.add_argument("--no-occupations", action="store_true", help="skip the occupation normalization summary")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    run(quick=args.quick, seed=args.seed, do_tune=args.tune, occupations=not args.no_occupations)
    print(f"total {time.perf_counter() - start:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
