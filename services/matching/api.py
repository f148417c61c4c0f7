"""HTTP routes of the matching service; who may call what is in ``docs/security.md``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from services.matching.answer import Answer, ModelT
from services.matching.deps import AnyRole, OperatorOrService, RuntimeDep, ServiceDep, ShortlistReader, TalentReader
from services.matching.domain.language import Language
from services.matching.schemas import (
    CacheStatus,
    NormalizePublic,
    NormalizeRequest,
    RecommendationsPublic,
    SearchPublic,
    SearchRequest,
    ShortlistPublic,
    SkillGapPublic,
    StatusPublic,
)
from shared.events.vocabulary import OpportunityKind, TrainingMode
from shared.web import error_responses

router = APIRouter(prefix="/v1", tags=["matching"], responses=error_responses(401, 403, 429))

def served(answer: Answer[ModelT] | BaseModel) -> Response:
    """The service's typed answer as JSON, without FastAPI validating it again against the response model
    (the model is that response model): a cached answer is served as the bytes the cache holds, a computed
    one serialized once (``answer.py``). The Schemathesis tests check every answer against the documented
    model."""
    body = answer.json() if isinstance(answer, Answer) else answer.__pydantic_serializer__.to_json(answer)
    return Response(body, media_type="application/json")


K = Annotated[int, Query(ge=1, le=100, description="number of results")]
City = Annotated[str | None, Query(max_length=60, description="city filter, e.g. 杭州市 or 杭州")]


@router.get("/talents/{talent_id}/recommendations", response_model=RecommendationsPublic,
            responses=error_responses(404))
def recommendations(talent_id: int, principal: TalentReader, service: ServiceDep, k: K = 10,
                    kind: OpportunityKind | None = None, city: City = None,
                    training_mode: TrainingMode | None = None,
                    widen: Annotated[bool, Query(description="also kinds the talent does not want")] = False,
                    lang: Annotated[Language | None, Query(description="language of the reasons; default: "
                                                                       "the profile's")] = None) -> Response:
    """Open opportunities recommended to a talent, best first, with the reasons (its seeker, operators, services)."""
    return served(service.recommend_for_talent(talent_id, k=k, kind=kind, city=city, training_mode=training_mode,
                                                widen=widen, language=lang, principal=principal))


@router.get("/opportunities/{opportunity_id}/shortlist", response_model=ShortlistPublic,
            responses=error_responses(404))
def shortlist(opportunity_id: int, principal: ShortlistReader, service: ServiceDep, k: K = 10,
              city: City = None) -> Response:
    """Talents open to work shortlisted for an opportunity, best first (its enterprise, operators, services)."""
    return served(service.shortlist_for_opportunity(opportunity_id, k=k, city=city, principal=principal))


@router.get("/talents/{talent_id}/skill-gap", response_model=SkillGapPublic, responses=error_responses(404))
def skill_gap(talent_id: int, principal: TalentReader, service: ServiceDep,
              opportunity_id: Annotated[int | None, Query(description="target opportunity")] = None,
              occupation: Annotated[str | None, Query(max_length=20, description="target CSCO 2022 code, "
                                                      "e.g. 2-02-38-03")] = None,
              k: Annotated[int, Query(ge=1, le=50, description="training classes to list")] = 10) -> Response:
    """A talent's missing skills for an opportunity or an occupation, and the open classes that teach them."""
    return served(service.skill_gap(talent_id, opportunity_id=opportunity_id, occupation=occupation, k=k,
                                    principal=principal))


@router.post("/occupations/normalize", response_model=NormalizePublic, responses=error_responses(413))
def normalize_occupations(body: NormalizeRequest, principal: AnyRole, service: ServiceDep) -> Response:
    """CSCO 2022 leaf occupations for up to 1,000 job titles, in input order."""
    return served(service.normalize_titles(body.titles, top=body.top))


@router.post("/search", response_model=SearchPublic, responses=error_responses(413))
def search(body: SearchRequest, principal: AnyRole, service: ServiceDep) -> Response:
    """Opportunities (any role) or talents (not seekers) matching free text."""
    return served(service.search_text(body.text, target=body.target, k=body.k, kind=body.kind, city=body.city,
                                      language=body.language, principal=principal))


@router.get("/status", response_model=StatusPublic)
def status(principal: OperatorOrService, runtime: RuntimeDep) -> StatusPublic:
    """Index sizes, generation, consumer offsets and lag, dead letters, cache counters, model (operators, services)."""
    state, cache = runtime.state, runtime.cache
    with state.reading():
        index = {"talents": len(state.talents.index), "opportunities": len(state.opportunities.index)}
        generation = state.generation
    return StatusPublic(
        model=runtime.encoder.name,
        dense_weight=runtime.encoder.dense_weight,
        lexical_weight=runtime.encoder.lexical_weight,
        dim=runtime.encoder.dim,
        generation=generation,
        index=index,
        consumer=runtime.consumer.status(),
        cache=CacheStatus(available=cache.available, hits=cache.hits, local_hits=cache.local_hits,
                          misses=cache.misses, errors=cache.errors),
    )
