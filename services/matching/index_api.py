"""What the index holds, record by record: ids and versions, for operators and services to compare with
the stores (``GET /v1/index/{side}/versions``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel

from services.matching.api import served
from services.matching.deps import RuntimeDep
from shared.auth import Principal, require_role

router = APIRouter(prefix="/v1/index", tags=["matching"])

OperatorOrService = Annotated[Principal, Depends(require_role("operator", "service"))]


class IndexVersionsPublic(BaseModel):
    side: Literal["talents", "opportunities"]
    generation: int
    versions: dict[int, int]  # live record id → the version indexed
    deleted: int  # ids whose delete was applied (their versions are kept as tombstones)
    documents: int
    vectors: int  # rows in the vector index: equal to ``documents`` unless a record is held twice


@router.get("/{side}/versions", response_model=IndexVersionsPublic)
def index_versions(side: Literal["talents", "opportunities"], runtime: RuntimeDep,
                   _: OperatorOrService) -> Response:
    """Every record the index holds with its version, and counts of deletes, documents and vectors."""
    state = runtime.state
    with state.reading():
        held = state.talents if side == "talents" else state.opportunities
        versions = {record_id: held.versions[record_id] for record_id in held.docs}
        generation, deleted, documents, vectors = (state.generation, len(held.versions) - len(held.docs),
                                                   len(held.docs), held.index.stored)
    return served(IndexVersionsPublic(side=side, generation=generation, versions=versions, deleted=deleted,
                                      documents=documents, vectors=vectors))
