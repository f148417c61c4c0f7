"""Matching use cases (no HTTP): recommendations for a talent, shortlists for an opportunity, text search,
skill gaps with their training paths, and job-title normalization.

Results are cached under a key that names the state they were computed from (``cache_token``):
a new batch of events changes the token, so older results are never served again (TTL expires them).
The token, the query vector and the search are read under one lock, so a result is never stored
under a token of a different state.

Every use case receives the caller (``Principal``) and checks it against the record's owner
(``domain/access.py``) before the cache is read: a cached result is keyed by its talent or opportunity,
never by the caller, so it is only ever served to a caller allowed to read that record. Unknown ids are
404, another identity's record 403. The caller is always given: there is no default role.

Until the consumer has restored its checkpoint every use case answers 503 with ``Retry-After``, never a
404 for a record the checkpoint holds; from then on the state serves what the checkpoint and the events
read since hold (a record whose event is still further down the topic is 404 "not indexed … yet").
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from typing import Any, Literal, TypeVar

from services.matching.answer import Answer, cached_json
from services.matching.domain.access import (
    check_feedback_actor,
    check_search_access,
)
from services.matching.domain.documents import (
    OpportunityDoc,
    TalentDoc,
    digital_field_of,
    occupation_by_code,
    occupations_for,
)
from services.matching.domain.encoders import TextEncoder, Vectors, encode_queries
from services.matching.domain.language import Language, text_language
from services.matching.domain.occupations import OccupationMatch, TitleNormalizer
from services.matching.domain.ranking import (
    RankingWeights,
    occupation_public,
    rank_opportunities,
    rank_opportunities_explained,
    rank_talents,
)
from services.matching.domain.ranking_rules import NO_EVIDENCE, wanted_kinds_filter
from services.matching.domain.results import OccupationPublic, OpportunityMatch, TalentMatch
from services.matching.domain.skill_gap import occupation_demand, training_paths
from services.matching.domain.state import MatchingState, SideState
from services.matching.records import (
    Availability,
    Complete,
    city_filter,
    not_found,
    readable_opportunity,
    readable_talent,
    unavailable,
    unknown_once_backlog_read,
)
from services.matching.schemas import (
    NormalizedTitle,
    NormalizePublic,
    OccupationMatchPublic,
    RecommendationsPublic,
    SearchPublic,
    ShortlistPublic,
    SkillDemand,
    SkillGapPublic,
    SkillGapTarget,
)
from services.matching.threads import NativeThreads
from shared.auth import Principal
from shared.cache import JsonCache
from shared.errors import NotFoundError, UnprocessableError
from shared.events.vocabulary import OpportunityKind, TrainingMode
from shared.reference.occupations import occupations as csco_occupations
from shared.reference.skills import extract_skills, skill_label

Target = Literal["opportunities", "talents"]
Side = Literal["talents", "opportunities"]
Cacheable = TypeVar("Cacheable", RecommendationsPublic, ShortlistPublic, SearchPublic, SkillGapPublic)
# The principal in-process callers that act as the service itself (benchmarks, tools) pass explicitly;
# the HTTP routes always pass the token's principal.
INTERNAL = Principal(subject="svc-matching-internal", role="service")


@dataclass(frozen=True)
class _QueryDoc:
    """What a search text says about itself: canonical skills, occupations, digital field."""

    skills: tuple[str, ...]
    occupations: tuple[OccupationMatch, ...]
    field: str | None

    @classmethod
    def of(cls, text: str, normalizer: TitleNormalizer) -> _QueryDoc:
        skills, occupations = tuple(extract_skills(text)), occupations_for(normalizer, lead=text)
        return cls(skills, occupations, digital_field_of(occupations, skills))


@dataclass(frozen=True)
class _Hits:
    """One index search, read under the state's lock with the generation and cache token it saw."""

    hits: list[tuple[int, float]]
    found: dict[int, Any]
    generation: int
    token: str
    subject: Any = None  # the record whose own vector was the query, read under the same lock


def normalize_titles(normalizer: TitleNormalizer, titles: Sequence[str], *, top: int) -> list[NormalizedTitle]:
    """Each title with its matches, in input order (one batched normalizer call)."""
    results = normalizer.normalize_many(titles, top=top)
    return [NormalizedTitle(input=title, matches=[OccupationMatchPublic.of(m) for m in matches])
            for title, matches in zip(titles, results, strict=True)]


@cache
def _levels() -> dict[str, int]:
    return {o.code: o.level for o in csco_occupations()}


class MatchingService:
    def __init__(self, *, state: MatchingState, encoder: TextEncoder, cache: JsonCache | None,
                 weights: RankingWeights, max_text_chars: int = 2000,
                 availability: Availability | None = None, threads: NativeThreads | None = None) -> None:
        """``availability``: the consumer filling ``state``; None for a state built complete in-process.
        ``threads``: the native thread counts a request thread takes before it searches (``threads.py``)."""
        self._state = state
        self._encoder = encoder
        self._cache = cache
        self._weights = weights
        self._max_text_chars = max_text_chars
        self._availability: Availability = availability or Complete()
        self._threads = threads

    @staticmethod
    def _candidates(k: int) -> int:
        """Hits fetched before ranking, so the bonuses can lift a result from below the top k: a seeker's
        cities and wanted kinds are requirements, and with too few candidates many relevant opportunities
        would never reach the ranking (``bench.eval_matching`` measures it)."""
        return max(10 * k, 100)

    def _cached(self, key: str, model_type: type[Cacheable], compute: Callable[[], tuple[Cacheable, str]],
                authorize: Callable[[MatchingState], object] | None = None) -> Answer[Cacheable]:
        """The cached result of ``key`` for this state, else ``compute``'s; ``authorize`` runs first, under
        the same lock as the state's token is read (``compute`` checks again for the state it reads)."""
        if not self._availability.loaded:
            raise unavailable("matching is loading its checkpoint")
        with unknown_once_backlog_read(self._availability):
            with self._state.reading() as state:
                if authorize is not None:
                    authorize(state)
                token = state.cache_token()
            if self._cache is not None:
                hit = self._cache.get_bytes(f"{key}@{token}")
                if hit is not None:
                    return Answer.from_cache(model_type, hit)
            result, token = compute()
        if self._cache is not None:
            self._cache.set_bytes(f"{key}@{token}", cached_json(result))
        return Answer.computed(result)

    def _search(self, side: Side, vector: Vectors | Callable[[MatchingState], tuple[Any, Vectors]], k: int,
                allowed: Callable[[Any], bool]) -> _Hits:
        """Candidates of ``side`` that ``allowed`` accepts; a record's own ``vector`` is read with the record
        under the same lock as the search, so the record, the hits and the cache token agree."""
        if self._threads is not None:
            self._threads.enter("query")
        with self._state.reading() as state:
            subject, query = vector(state) if callable(vector) else (None, vector)
            records = state.talents if side == "talents" else state.opportunities
            docs: dict[int, Any] = records.docs
            hits = records.index.search(query, self._candidates(k), allowed=lambda i: allowed(docs[i]))
            return _Hits(hits, {i: docs[i] for i, _ in hits}, state.generation, state.cache_token(), subject)

    @staticmethod
    def _own_vector(side: Side, record_id: int, principal: Principal
                    ) -> Callable[[MatchingState], tuple[Any, Vectors]]:
        """Reads a record (404, 403) and its own vector, to search the other side with."""
        def read(state: MatchingState) -> tuple[Any, Vectors]:
            doc: TalentDoc | OpportunityDoc
            records: SideState[Any]
            if side == "talents":
                doc, records, what = readable_talent(state, record_id, principal), state.talents, "talent"
            else:
                doc, what = readable_opportunity(state, record_id, principal), "opportunity"
                records = state.opportunities
            vector = records.index.vector(record_id)
            if vector is None:
                raise not_found(what, record_id, records)
            return doc, vector
        return read

    def recommend_for_talent(self, talent_id: int, *, principal: Principal, k: int = 10,
                             kind: OpportunityKind | None = None, city: str | None = None,
                             training_mode: TrainingMode | None = None, widen: bool = False,
                             language: Language | None = None) -> Answer[RecommendationsPublic]:
        """Open opportunities for a talent, best first, optionally filtered (its seeker, operators, services):
        only the kinds it wants unless ``widen`` (or ``kind``), reasons in ``language`` (default: the
        profile's), a ``note`` when fewer than ``k`` candidates showed evidence of fit."""
        city = city_filter(city)
        key = (f"talent:{talent_id}:k={k}:kind={kind or ''}:city={city or ''}:mode={training_mode or ''}"
               f":widen={int(widen)}:lang={language or ''}")

        def compute() -> tuple[RecommendationsPublic, str]:
            today = date.today()
            own, kinds = self._own_vector("talents", talent_id, principal), []

            def read(state: MatchingState) -> tuple[Any, Vectors]:  # the talent's kinds, read with it
                talent, vector = own(state)
                kinds.append(wanted_kinds_filter(talent, kind=kind, widen=widen))
                return talent, vector

            def allowed(d: OpportunityDoc) -> bool:
                return (d.accepting(today) and (kinds[0] is None or d.kind in kinds[0])
                        and (city is None or d.city == city)
                        and (training_mode is None or d.training_mode == training_mode))

            found = self._search("opportunities", read, k, allowed)
            lang = language or found.subject.language
            ranked = rank_opportunities_explained(found.subject, found.hits, found.found, self._weights, k,
                                                  language=lang)
            note = NO_EVIDENCE[lang] if len(ranked.items) < k and ranked.without_evidence else None
            return RecommendationsPublic(talent_id=talent_id, generation=found.generation, cached=False,
                                         items=ranked.items, language=lang, widened=widen or kind is not None,
                                         note=note), found.token

        return self._cached(key, RecommendationsPublic, compute,
                            lambda state: readable_talent(state, talent_id, principal))

    def shortlist_for_opportunity(self, opportunity_id: int, *, principal: Principal, k: int = 10,
                                  city: str | None = None) -> Answer[ShortlistPublic]:
        """Talents open to work for an opportunity, best first; ``city``: lives in or wants to work there
        (the enterprise that posted it, operators, services)."""
        city = city_filter(city)
        key = f"opportunity:{opportunity_id}:k={k}:city={city or ''}"

        def compute() -> tuple[ShortlistPublic, str]:
            def allowed(d: TalentDoc) -> bool:
                return d.open_to_work and (city is None or d.city == city or city in d.desired_cities)

            found = self._search("talents", self._own_vector("opportunities", opportunity_id, principal), k, allowed)
            items = rank_talents(found.subject, found.hits, found.found, self._weights, k)
            return ShortlistPublic(opportunity_id=opportunity_id, generation=found.generation, cached=False,
                                   items=items), found.token

        return self._cached(key, ShortlistPublic, compute,
                            lambda state: readable_opportunity(state, opportunity_id, principal))

    def search_text(self, text: str, *, target: Target, principal: Principal, k: int = 10,
                    kind: OpportunityKind | None = None, city: str | None = None,
                    language: Language | None = None) -> Answer[SearchPublic]:
        """Opportunities or talents for free text; the query's canonical skills earn the overlap bonus; reasons
        in ``language`` (default: the text's)."""
        check_search_access(principal, target)
        text = text.strip()
        if not text:
            raise UnprocessableError("text must not be blank", field="text")
        city = city_filter(city)
        digest = hashlib.sha256(text.encode()).hexdigest()[:32]  # the key never holds the text itself
        lang = language or text_language(text)
        key = f"search:{target}:{digest}:k={k}:kind={kind or ''}:city={city or ''}:lang={lang}"

        def compute() -> tuple[SearchPublic, str]:
            query = text[:self._max_text_chars]
            vector = encode_queries(self._encoder, [query])[0]  # outside the lock: the model is the slow part
            query_doc = _QueryDoc.of(query, self._normalizer())
            items: list[OpportunityMatch] | list[TalentMatch]
            if target == "opportunities":
                items, found = self._opportunities_for_text(vector, query_doc, k, kind, city, lang)
            else:
                items, found = self._talents_for_text(vector, query_doc, k, kind, city)
            return SearchPublic(target=target, generation=found.generation, cached=False,
                                query_skills=[skill_label(s) for s in query_doc.skills], items=items), found.token

        return self._cached(key, SearchPublic, compute)

    def _opportunities_for_text(self, vector: Vectors, query: _QueryDoc, k: int, kind: OpportunityKind | None,
                                city: str | None, language: Language) -> tuple[list[OpportunityMatch], _Hits]:
        today = date.today()

        def allowed(d: OpportunityDoc) -> bool:
            return d.accepting(today) and (kind is None or d.kind == kind) and (city is None or d.city == city)

        found = self._search("opportunities", vector, k, allowed)
        seeker = TalentDoc(id=0, display_name="", city="", desired_cities=(), level=None, years_experience=0,
                           skills=query.skills, wanted_kinds=(), open_to_work=True,
                           occupations=query.occupations, field=query.field)
        return rank_opportunities(seeker, found.hits, found.found, self._weights, k, language=language), found

    def _talents_for_text(self, vector: Vectors, query: _QueryDoc, k: int, kind: OpportunityKind | None,
                          city: str | None) -> tuple[list[TalentMatch], _Hits]:
        def allowed(d: TalentDoc) -> bool:
            return (d.open_to_work and (kind is None or kind in d.wanted_kinds)
                    and (city is None or d.city == city or city in d.desired_cities))

        found = self._search("talents", vector, k, allowed)
        posting = OpportunityDoc(id=0, kind=kind or OpportunityKind.JOB_POSTING, title="", organization="",
                                 city="", level=None, training_mode=None, hiring_commitment=False,
                                 skills=query.skills, open=True, closes_on=None,
                                 occupations=query.occupations, field=query.field)
        weights = self._weights if kind else replace(self._weights, wanted_kind=0.0)
        return rank_talents(posting, found.hits, found.found, weights, k), found

    def skill_gap(self, talent_id: int, *, opportunity_id: int | None = None, occupation: str | None = None,
                  k: int = 10, principal: Principal) -> Answer[SkillGapPublic]:
        """What a target requires, what the talent misses, and the open classes that teach it (the talent's
        seeker, operators, services)."""
        if (opportunity_id is None) == (occupation is None):
            raise UnprocessableError("give exactly one of opportunity_id or occupation",
                                     field="opportunity_id" if opportunity_id is not None else "occupation")
        code = (occupation or "").strip()
        known = occupation_by_code(code) if occupation is not None else None
        if occupation is not None and known is None:
            raise NotFoundError(f"unknown occupation code {code!r}: use a CSCO 2022 code, e.g. 2-02-38-03")
        key = f"talent:{talent_id}:gap:opportunity={opportunity_id or ''}:occupation={code}:k={k}"

        def compute() -> tuple[SkillGapPublic, str]:
            with self._state.reading() as state:
                talent = readable_talent(state, talent_id, principal)
                target_doc = None
                if opportunity_id is not None:  # any opportunity: every role reads opportunities
                    target_doc = readable_opportunity(state, opportunity_id, None)
                opportunities = list(state.opportunities.docs.values())  # frozen documents: read them unlocked
                generation, token = state.generation, state.cache_token()
            if target_doc is not None:
                demand = [(s, 1.0) for s in target_doc.skills]
                target = SkillGapTarget(kind="opportunity", opportunity_id=target_doc.id, title=target_doc.title,
                                        occupation=occupation_public(target_doc), based_on=1)
            else:
                assert known is not None
                found = occupation_demand(known.code, _levels()[known.code], opportunities)
                demand = found.skills
                target = SkillGapTarget(kind="occupation", opportunity_id=None, title=known.name,
                                        occupation=OccupationPublic(code=known.code, name=known.name,
                                                                    digital=known.digital, field=known.field),
                                        based_on=found.postings)
            have = set(talent.skills)
            required = [s for s, _ in demand]
            matched = [s for s in required if s in have]
            missing = [s for s in required if s not in have]
            return SkillGapPublic(
                talent_id=talent_id,
                generation=generation,
                cached=False,
                target=target,
                required_skills=[skill_label(s) for s in required],
                demand=[SkillDemand(skill=skill_label(s), share=share) for s, share in demand],
                matched_skills=[skill_label(s) for s in matched],
                missing_skills=[skill_label(s) for s in missing],
                readiness=round(len(matched) / len(required), 4) if required else 1.0,
                classes=training_paths(talent, missing, opportunities, today=date.today(), k=k),
            ), token

        return self._cached(key, SkillGapPublic, compute,
                            lambda state: readable_talent(state, talent_id, principal))

    def authorize_feedback(self, *, talent_id: int, opportunity_id: int, actor_role: str,
                           principal: Principal) -> None:
        """A seeker reports about its own profile, an enterprise about its own opportunity; services relay
        any (the ids need not be indexed yet); operators record none."""
        check_feedback_actor(principal, actor_role)
        if principal.role == "service":
            return
        if not self._availability.loaded:
            raise unavailable("matching is loading its checkpoint")
        with unknown_once_backlog_read(self._availability), self._state.reading() as state:
            if principal.role == "seeker":
                readable_talent(state, talent_id, principal)
            else:
                readable_opportunity(state, opportunity_id, principal)

    def normalize_titles(self, titles: Sequence[str], *, top: int = 3) -> NormalizePublic:
        """Leaf CSCO 2022 occupations for job titles, in input order."""
        return NormalizePublic(results=normalize_titles(self._normalizer(), titles, top=top))

    def _normalizer(self) -> TitleNormalizer:
        """The state's normalizer: queries are tagged as the documents they are matched against."""
        if self._state.normalizer is None:
            raise RuntimeError("this matching state has no occupation normalizer")
        return self._state.normalizer
