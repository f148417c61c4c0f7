"""Matching use cases (no HTTP): recommendations for a talent, shortlists for an opportunity, text search,
skill gaps with their training paths, and job-title normalization.

Results are cached under a key that names the state they were computed from (``cache_token``):
a new batch of events changes the token, so older results are never served again (TTL expires them).
The token, the query vector and the search are read under one lock, so a result is never stored
under a token of a different state.

Every use case receives the caller (``Principal``) and checks it against the record's owner
(``domain/access.py``) before the cache is read: a cached result is keyed by its talent or opportunity,
never by the caller, so it is only ever served to a caller allowed to read that record. Unknown ids are
404, another identity's record 403.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from typing import Any, Literal

from services.matching.domain.access import (
    check_feedback_actor,
    check_opportunity_access,
    check_search_access,
    check_talent_access,
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
from services.matching.domain.occupation_normalizer import OccupationMatch, default_normalizer, load_occupations
from services.matching.domain.ranking import (
    Item,
    RankingWeights,
    occupation_public,
    rank_opportunities,
    rank_opportunities_explained,
    rank_talents,
)
from services.matching.domain.ranking_rules import NO_EVIDENCE, wanted_kinds_filter
from services.matching.domain.skill_gap import occupation_demand, training_paths
from services.matching.domain.state import MatchingState, SideState
from services.matching.settings import MatchingSettings
from shared.auth import Principal
from shared.cache import JsonCache
from shared.errors import NotFoundError, UnprocessableError
from shared.events.vocabulary import OpportunityKind, TrainingMode
from shared.reference.cities import UnknownCityError, normalize_city
from shared.reference.skills import extract_skills, skill_label

Target = Literal["opportunities", "talents"]
Result = dict[str, Any]
# In-process callers (benchmarks, tools): the HTTP routes always pass the token's principal.
INTERNAL = Principal(subject="svc-matching-internal", role="service")


def _city(city: str | None) -> str | None:
    if not city:
        return None
    try:
        return normalize_city(city)
    except UnknownCityError as exc:
        raise UnprocessableError(str(exc), field="city") from exc


@dataclass(frozen=True)
class _QueryDoc:
    """What a search text says about itself: canonical skills, occupations, digital field."""

    skills: tuple[str, ...]
    occupations: tuple[OccupationMatch, ...]
    field: str | None

    @classmethod
    def of(cls, text: str) -> _QueryDoc:
        skills, occupations = tuple(extract_skills(text)), occupations_for(lead=text)
        return cls(skills, occupations, digital_field_of(occupations, skills))


def _not_found(what: str, record_id: int, side: SideState[Any]) -> NotFoundError:
    if side.deleted(record_id):
        return NotFoundError(f"{what} {record_id} was deleted")
    return NotFoundError(f"{what} {record_id} is not indexed: unknown id, or its event has not been "
                         f"consumed yet (try again shortly)")


def _talent(state: MatchingState, talent_id: int, principal: Principal) -> TalentDoc:
    """The talent, if indexed (404) and ``principal`` may read what is about it (403)."""
    talent = state.talents.docs.get(talent_id)
    if talent is None:
        raise _not_found("talent", talent_id, state.talents)
    check_talent_access(principal, talent)
    return talent


def _opportunity(state: MatchingState, opportunity_id: int, principal: Principal | None) -> OpportunityDoc:
    """The opportunity, if indexed (404) and ``principal`` (when given) may read its shortlist (403)."""
    opportunity = state.opportunities.docs.get(opportunity_id)
    if opportunity is None:
        raise _not_found("opportunity", opportunity_id, state.opportunities)
    if principal is not None:
        check_opportunity_access(principal, opportunity)
    return opportunity


def ranking_weights(settings: MatchingSettings) -> RankingWeights:
    """Every ``MATCHING_BONUS_*`` setting as ranking weights."""
    return RankingWeights(
        skill_overlap=settings.bonus_skill_overlap,
        same_city=settings.bonus_same_city,
        desired_city=settings.bonus_desired_city,
        wanted_kind=settings.bonus_wanted_kind,
        level=settings.bonus_level,
        hiring_commitment=settings.bonus_hiring_commitment,
        same_occupation=settings.bonus_same_occupation,
        same_field=settings.bonus_same_field,
        evidence_similarity=settings.evidence_similarity,
    )


def match_public(match: OccupationMatch) -> dict[str, Any]:
    return {"code": match.code, "name": match.name, "score": round(match.score, 4), "digital": match.digital}


def normalize_titles(titles: Sequence[str], *, top: int) -> list[dict[str, Any]]:
    """``{"input", "matches"}`` per title, in input order (one batched normalizer call)."""
    results = default_normalizer().normalize_many(titles, top=top)
    return [{"input": title, "matches": [match_public(m) for m in matches]}
            for title, matches in zip(titles, results, strict=True)]


@cache
def _levels() -> dict[str, int]:
    return {o.code: o.level for o in load_occupations()}


class MatchingService:
    def __init__(self, *, state: MatchingState, encoder: TextEncoder, cache: JsonCache | None,
                 weights: RankingWeights, max_text_chars: int = 2000) -> None:
        self._state = state
        self._encoder = encoder
        self._cache = cache
        self._weights = weights
        self._max_text_chars = max_text_chars

    @staticmethod
    def _candidates(k: int) -> int:
        """Hits fetched before ranking, so the bonuses can lift a result from below the top k.

        A pool of 100 for k=10 (was 30): a seeker's cities and wanted kinds are requirements, and with 30
        candidates half of the relevant opportunities never reached the ranking (bench.eval_matching).
        """
        return max(10 * k, 100)

    def _cached(self, key: str, compute: Callable[[], tuple[Result, str]],
                authorize: Callable[[MatchingState], object] | None = None) -> Result:
        """The cached result of ``key`` for this state, else ``compute``'s; ``authorize`` runs first, under
        the same lock as the state's token is read (``compute`` checks again for the state it reads)."""
        with self._state.reading() as state:
            if authorize is not None:
                authorize(state)
            token = state.cache_token()
        if self._cache is not None:
            hit = self._cache.get(f"{key}@{token}")
            if hit is not None:
                return {**hit, "cached": True}
        result, token = compute()
        if self._cache is not None:
            self._cache.set(f"{key}@{token}", result)
        return {**result, "cached": False}

    def recommend_for_talent(self, talent_id: int, *, k: int = 10, kind: OpportunityKind | None = None,
                             city: str | None = None, training_mode: TrainingMode | None = None,
                             widen: bool = False, language: Language | None = None,
                             principal: Principal = INTERNAL) -> Result:
        """Open opportunities for a talent, best first, optionally filtered (its seeker, operators, services).

        Only the kinds the talent wants are listed unless ``widen`` (or ``kind``) says otherwise; reasons
        come in ``language``, by default the one the profile is written in. Fewer than ``k`` items come
        with a ``note`` when the other candidates showed no evidence of fit."""
        city = _city(city)
        key = (f"talent:{talent_id}:k={k}:kind={kind or ''}:city={city or ''}:mode={training_mode or ''}"
               f":widen={int(widen)}:lang={language or ''}")

        def compute() -> tuple[Result, str]:
            today = date.today()
            with self._state.reading() as state:
                talent = _talent(state, talent_id, principal)
                vector = state.talents.index.vector(talent_id)
                if vector is None:
                    raise _not_found("talent", talent_id, state.talents)
                docs = state.opportunities.docs
                kinds = wanted_kinds_filter(talent, kind=kind, widen=widen)

                def allowed(i: int) -> bool:
                    d = docs[i]
                    return (d.accepting(today) and (kinds is None or d.kind in kinds)
                            and (city is None or d.city == city)
                            and (training_mode is None or d.training_mode == training_mode))

                hits = state.opportunities.index.search(vector, self._candidates(k), allowed=allowed)
                found = {i: docs[i] for i, _ in hits}
                generation, token = state.generation, state.cache_token()
            lang = language or talent.language
            ranked = rank_opportunities_explained(talent, hits, found, self._weights, k, language=lang)
            result: Result = {"talent_id": talent_id, "generation": generation, "items": ranked.items,
                              "language": lang, "widened": widen or kind is not None}
            if len(ranked.items) < k and ranked.without_evidence:
                result["note"] = NO_EVIDENCE[lang]
            return result, token

        return self._cached(key, compute, lambda state: _talent(state, talent_id, principal))

    def shortlist_for_opportunity(self, opportunity_id: int, *, k: int = 10, city: str | None = None,
                                  principal: Principal = INTERNAL) -> Result:
        """Talents open to work for an opportunity, best first; ``city``: lives in or wants to work there
        (the enterprise that posted it, operators, services)."""
        city = _city(city)
        key = f"opportunity:{opportunity_id}:k={k}:city={city or ''}"

        def compute() -> tuple[Result, str]:
            with self._state.reading() as state:
                opportunity = _opportunity(state, opportunity_id, principal)
                vector = state.opportunities.index.vector(opportunity_id)
                if vector is None:
                    raise _not_found("opportunity", opportunity_id, state.opportunities)
                docs = state.talents.docs

                def allowed(i: int) -> bool:
                    d = docs[i]
                    return d.open_to_work and (city is None or d.city == city or city in d.desired_cities)

                hits = state.talents.index.search(vector, self._candidates(k), allowed=allowed)
                found = {i: docs[i] for i, _ in hits}
                generation, token = state.generation, state.cache_token()
            items = rank_talents(opportunity, hits, found, self._weights, k)
            return {"opportunity_id": opportunity_id, "generation": generation, "items": items}, token

        return self._cached(key, compute, lambda state: _opportunity(state, opportunity_id, principal))

    def search_text(self, text: str, *, target: Target, k: int = 10, kind: OpportunityKind | None = None,
                    city: str | None = None, language: Language | None = None,
                    principal: Principal = INTERNAL) -> Result:
        """Opportunities or talents for free text; the query's canonical skills earn the overlap bonus.
        Reasons come in ``language``, by default the one the text is written in."""
        check_search_access(principal, target)
        text = text.strip()
        if not text:
            raise UnprocessableError("text must not be blank", field="text")
        city = _city(city)
        digest = hashlib.sha256(text.encode()).hexdigest()[:32]  # the key never holds the text itself
        lang = language or text_language(text)
        key = f"search:{target}:{digest}:k={k}:kind={kind or ''}:city={city or ''}:lang={lang}"

        def compute() -> tuple[Result, str]:
            query = text[:self._max_text_chars]
            vector = encode_queries(self._encoder, [query])[0]  # outside the lock: the model is the slow part
            query_doc = _QueryDoc.of(query)
            if target == "opportunities":
                items, generation, token = self._opportunities_for_text(vector, query_doc, k, kind, city, lang)
            else:
                items, generation, token = self._talents_for_text(vector, query_doc, k, kind, city)
            return {"target": target, "generation": generation,
                    "query_skills": [skill_label(s) for s in query_doc.skills], "items": items}, token

        return self._cached(key, compute)

    def _opportunities_for_text(self, vector: Vectors, query: _QueryDoc, k: int, kind: OpportunityKind | None,
                                city: str | None, language: Language) -> tuple[list[Item], int, str]:
        today = date.today()
        with self._state.reading() as state:
            docs = state.opportunities.docs

            def allowed(i: int) -> bool:
                d = docs[i]
                return d.accepting(today) and (kind is None or d.kind == kind) and (city is None or d.city == city)

            hits = state.opportunities.index.search(vector, self._candidates(k), allowed=allowed)
            found = {i: docs[i] for i, _ in hits}
            generation, token = state.generation, state.cache_token()
        seeker = TalentDoc(id=0, display_name="", city="", desired_cities=(), level=None, years_experience=0,
                           skills=query.skills, wanted_kinds=(), open_to_work=True,
                           occupations=query.occupations, field=query.field)
        return rank_opportunities(seeker, hits, found, self._weights, k, language=language), generation, token

    def _talents_for_text(self, vector: Vectors, query: _QueryDoc, k: int,
                          kind: OpportunityKind | None, city: str | None) -> tuple[list[Item], int, str]:
        with self._state.reading() as state:
            docs = state.talents.docs

            def allowed(i: int) -> bool:
                d = docs[i]
                return (d.open_to_work and (kind is None or kind in d.wanted_kinds)
                        and (city is None or d.city == city or city in d.desired_cities))

            hits = state.talents.index.search(vector, self._candidates(k), allowed=allowed)
            found = {i: docs[i] for i, _ in hits}
            generation, token = state.generation, state.cache_token()
        posting = OpportunityDoc(id=0, kind=kind or OpportunityKind.JOB_POSTING, title="", organization="",
                                 city="", level=None, training_mode=None, hiring_commitment=False,
                                 skills=query.skills, open=True, closes_on=None,
                                 occupations=query.occupations, field=query.field)
        weights = self._weights if kind else replace(self._weights, wanted_kind=0.0)
        return rank_talents(posting, hits, found, weights, k), generation, token

    def skill_gap(self, talent_id: int, *, opportunity_id: int | None = None, occupation: str | None = None,
                  k: int = 10, principal: Principal = INTERNAL) -> Result:
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

        def compute() -> tuple[Result, str]:
            with self._state.reading() as state:
                talent = _talent(state, talent_id, principal)
                target_doc = None
                if opportunity_id is not None:  # any opportunity: every role reads opportunities
                    target_doc = _opportunity(state, opportunity_id, None)
                opportunities = list(state.opportunities.docs.values())  # frozen documents: read them unlocked
                generation, token = state.generation, state.cache_token()
            if target_doc is not None:
                demand = [(s, 1.0) for s in target_doc.skills]
                target = {"kind": "opportunity", "opportunity_id": target_doc.id, "title": target_doc.title,
                          "occupation": occupation_public(target_doc), "based_on": 1}
            else:
                assert known is not None
                found = occupation_demand(known.code, _levels()[known.code], opportunities)
                demand = found.skills
                target = {"kind": "occupation", "opportunity_id": None, "title": known.name,
                          "occupation": {"code": known.code, "name": known.name, "digital": known.digital,
                                         "field": known.field},
                          "based_on": found.postings}
            have = set(talent.skills)
            required = [s for s, _ in demand]
            matched = [s for s in required if s in have]
            missing = [s for s in required if s not in have]
            return {
                "talent_id": talent_id,
                "generation": generation,
                "target": target,
                "required_skills": [skill_label(s) for s in required],
                "demand": [{"skill": skill_label(s), "share": share} for s, share in demand],
                "matched_skills": [skill_label(s) for s in matched],
                "missing_skills": [skill_label(s) for s in missing],
                "readiness": round(len(matched) / len(required), 4) if required else 1.0,
                "classes": training_paths(talent, missing, opportunities, today=date.today(), k=k),
            }, token

        return self._cached(key, compute, lambda state: _talent(state, talent_id, principal))

    def authorize_feedback(self, *, talent_id: int, opportunity_id: int, actor_role: str,
                           principal: Principal) -> None:
        """A seeker reports about its own profile, an enterprise about its own opportunity; services relay
        any (the ids need not be indexed yet); operators record none."""
        check_feedback_actor(principal, actor_role)
        if principal.role == "service":
            return
        with self._state.reading() as state:
            if principal.role == "seeker":
                _talent(state, talent_id, principal)
            else:
                _opportunity(state, opportunity_id, principal)

    @staticmethod
    def normalize_titles(titles: Sequence[str], *, top: int = 3) -> Result:
        """Leaf CSCO 2022 occupations for job titles, in input order."""
        return {"results": normalize_titles(titles, top=top)}
