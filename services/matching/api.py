"""HTTP routes of the matching service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.matching.deps import RuntimeDep, ServiceDep
from services.matching.schemas import (
    RecommendationsPublic,
    SearchPublic,
    SearchRequest,
    ShortlistPublic,
    StatusPublic,
)
from shared.events.vocabulary import OpportunityKind, TrainingMode

router = APIRouter(prefix="/v1", tags=["matching"])

K = Annotated[int, Query(ge=1, le=100, description="number of results")]
City = Annotated[str | None, Query(max_length=60, description="city filter, e.g. 杭州市 or 杭州")]


@router.get("/talents/{talent_id}/recommendations", response_model=RecommendationsPublic)
def recommendations(talent_id: int, service: ServiceDep, k: K = 10, kind: OpportunityKind | None = None,
                    city: City = None, training_mode: TrainingMode | None = None) -> dict[str, Any]:
    """Open opportunities recommended to a talent, best first, with the reasons."""
    return service.recommend_for_talent(talent_id, k=k, kind=kind, city=city, training_mode=training_mode)


@router.get("/opportunities/{opportunity_id}/shortlist", response_model=ShortlistPublic)
def shortlist(opportunity_id: int, service: ServiceDep, k: K = 10, city: City = None) -> dict[str, Any]:
    """Talents open to work shortlisted for an opportunity, best first, with the reasons."""
    return service.shortlist_for_opportunity(opportunity_id, k=k, city=city)


@router.post("/search", response_model=SearchPublic)
def search(body: SearchRequest, service: ServiceDep) -> dict[str, Any]:
    """Opportunities or talents matching free text."""
    return service.search_text(body.text, target=body.target, k=body.k, kind=body.kind, city=body.city)


@router.get("/status", response_model=StatusPublic)
def status(runtime: RuntimeDep) -> dict[str, Any]:
    """Index sizes, generation, consumer offsets and lag, dead letters, cache counters, model."""
    state, cache = runtime.state, runtime.cache
    with state.reading():
        index = {"talents": len(state.talents.index), "opportunities": len(state.opportunities.index)}
        generation = state.generation
    return {
        "model": runtime.encoder.name,
        "dense_weight": runtime.encoder.dense_weight,
        "lexical_weight": runtime.encoder.lexical_weight,
        "dim": runtime.encoder.dim,
        "generation": generation,
        "index": index,
        "consumer": runtime.consumer.status(),
        "cache": {"available": cache.available, "hits": cache.hits, "misses": cache.misses,
                  "errors": cache.errors},
    }
