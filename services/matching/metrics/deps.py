"""What the figures need at request time, built once by the lifespan (part of the matching runtime) and
handed out by a dependency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from services.matching.feedback_ledger.runtime import FeedbackOutbox
from services.matching.metrics.pipeline import PipelineMetrics
from services.matching.metrics.store import FiguresStore
from services.matching.settings import MatchingSettings


@dataclass(frozen=True)
class MetricsRuntime:
    settings: MatchingSettings
    figures: FiguresStore
    pipeline: PipelineMetrics
    publisher: FeedbackOutbox  # accepted feedback: committed, then relayed to the broker


async def get_metrics(request: Request) -> MetricsRuntime:
    runtime: MetricsRuntime = request.app.state.matching.metrics
    return runtime


MetricsDep = Annotated[MetricsRuntime, Depends(get_metrics)]
