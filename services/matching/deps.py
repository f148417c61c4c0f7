"""What the lifespan builds once, handed to the routes by small typed dependencies, and who is calling.

The accessors are ``async``: they only read app state, and FastAPI runs a sync dependency in the thread
pool, a hop that costs a cached answer more than its lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from services.matching.consumer import EventConsumer
from services.matching.domain.encoders import HybridEncoder
from services.matching.domain.state import MatchingState
from services.matching.metrics.deps import MetricsRuntime
from services.matching.service import MatchingService
from services.matching.settings import MatchingSettings
from shared.auth import CurrentPrincipal, Principal, require_role
from shared.cache import JsonCache


@dataclass(frozen=True)
class MatchingRuntime:
    settings: MatchingSettings
    encoder: HybridEncoder
    state: MatchingState
    cache: JsonCache
    consumer: EventConsumer
    service: MatchingService
    metrics: MetricsRuntime


async def get_runtime(request: Request) -> MatchingRuntime:
    runtime: MatchingRuntime = request.app.state.matching
    return runtime


RuntimeDep = Annotated[MatchingRuntime, Depends(get_runtime)]


async def get_service(runtime: RuntimeDep) -> MatchingService:
    return runtime.service


ServiceDep = Annotated[MatchingService, Depends(get_service)]


AnyRole = CurrentPrincipal
TalentReader = Annotated[Principal, Depends(require_role("seeker", "operator", "service"))]
ShortlistReader = Annotated[Principal, Depends(require_role("enterprise", "operator", "service"))]
FeedbackWriter = Annotated[Principal, Depends(require_role("seeker", "enterprise", "service"))]
OperatorOrService = Annotated[Principal, Depends(require_role("operator", "service"))]
Operator = Annotated[Principal, Depends(require_role("operator"))]
