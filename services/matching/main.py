"""The matching app: ``uvicorn services.matching.main:create_app --factory``."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import redis
from fastapi import FastAPI

from services.matching.api import router
from services.matching.checkpointing import Checkpointer
from services.matching.consumer import EventConsumer
from services.matching.deps import MatchingRuntime
from services.matching.domain.encoders import HybridEncoder
from services.matching.domain.index import IndexConfig
from services.matching.domain.occupations import LazyNormalizer, TitleNormalizer
from services.matching.domain.state import MatchingState
from services.matching.embedder_app import create_embedder_app
from services.matching.encoder_setup import build_encoder
from services.matching.feedback_ledger.api import admin_router
from services.matching.feedback_ledger.runtime import FeedbackOutbox
from services.matching.index_api import router as index_router
from services.matching.metrics import dashboard
from services.matching.metrics.api import feedback_router, operator_router
from services.matching.metrics.deps import MetricsRuntime
from services.matching.metrics.pipeline import PipelineMetrics, TimedEncoder
from services.matching.metrics.served import ServedListsMiddleware
from services.matching.metrics.store import FiguresStore
from services.matching.service import MatchingService
from services.matching.settings import MatchingSettings
from services.matching.threads import NativeThreads
from shared.auth import install_auth
from shared.cache import JsonCache, connect_redis
from shared.metrics import install_metrics, metrics_registry
from shared.tracing import instrument_app
from shared.web import error_responses, install_body_limit, install_error_handlers, install_health


def cache_prefix(settings: MatchingSettings, encoder: HybridEncoder) -> str:
    """Replicas share cached results only when model, weights and bonuses agree."""
    config = f"{encoder.name}|{settings.ranking_weights()}|{settings.max_text_chars}"
    namespace = settings.topic_namespace or "-"
    return f"talentmatch:{namespace}:matching:{zlib.crc32(config.encode()):08x}:"


def create_app(settings: MatchingSettings | None = None, *, encoder: HybridEncoder | None = None,
               normalizer: TitleNormalizer | None = None) -> FastAPI:
    """The app of ``settings.role``; ``encoder`` and ``normalizer`` let tests share one loaded model and one
    occupation normalizer across apps."""
    settings = settings or MatchingSettings()
    NativeThreads(settings.thread_budget()).configure()  # BLAS: one count per process (threads.py)
    if settings.role == "embedder":
        return create_embedder_app(settings)
    # The served-lists middleware is added now, so the figures and their metrics exist before the lifespan
    # (which reads ``pipeline`` when it runs, after it was assigned below).
    figures = FiguresStore()
    pipeline: PipelineMetrics
    app = FastAPI(title="Digital Talent Match — matching", version="0.1.0",
                  lifespan=lambda app: _lifespan(app, settings, encoder, normalizer, figures=figures,
                                                        pipeline=pipeline))
    install_error_handlers(app)
    install_body_limit(app, max_bytes=settings.max_request_bytes)
    install_metrics(app, service="matching")
    instrument_app(app, service="matching")
    pipeline = PipelineMetrics(metrics_registry(app))
    app.add_middleware(ServedListsMiddleware, figures=figures, metrics=pipeline)
    install_health(app, ready=lambda: readiness(app))
    app.include_router(router)
    app.include_router(feedback_router)
    app.include_router(operator_router)
    app.include_router(admin_router)
    app.include_router(dashboard.router)
    app.include_router(index_router, responses=error_responses(401, 403, 429))  # its role check, documented
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI, settings: MatchingSettings, encoder: HybridEncoder | None,
                    normalizer: TitleNormalizer | None, *, figures: FiguresStore,
                    pipeline: PipelineMetrics) -> AsyncIterator[None]:
    """Build the runtime once: encoder, Redis (cache and rate limit), state, consumer, service, figures."""
    enc = encoder or build_encoder(settings)
    redis_client = connect_redis(settings.redis_url)
    install_auth(app, settings, service="matching", redis_client=redis_client)
    runtime = build_runtime(settings, enc, redis_client, normalizer=normalizer or LazyNormalizer(), figures=figures,
                            pipeline=pipeline)
    app.state.matching = runtime
    runtime.metrics.publisher.start()  # relays accepted feedback once the topic exists
    runtime.consumer.start()  # connects, creates topics and retries in its own thread: startup never blocks
    try:
        yield
    finally:
        runtime.consumer.stop()
        runtime.metrics.publisher.close()
        redis_client.close()


def build_runtime(settings: MatchingSettings, enc: HybridEncoder, redis_client: redis.Redis[bytes], *,
                  normalizer: TitleNormalizer, figures: FiguresStore, pipeline: PipelineMetrics) -> MatchingRuntime:
    """Everything a matching replica runs, wired together (the consumer not started yet)."""
    cache = JsonCache(redis_client, prefix=cache_prefix(settings, enc), ttl_seconds=settings.cache_ttl_seconds,
                      local_entries=settings.cache_local_entries)
    state = MatchingState(enc.dim, max_text_chars=settings.max_text_chars,
                          index=IndexConfig(approx_threshold=settings.index_approx_threshold,
                                            nprobe=settings.index_nprobe, storage=settings.index_storage),
                          normalizer=normalizer)  # built by the consumer's thread
    checkpointer = (Checkpointer(directory=Path(settings.checkpoint_dir), state=state, encoder=enc,
                                 max_text_chars=settings.max_text_chars, figures=figures,
                                 interval_seconds=settings.checkpoint_interval_seconds,
                                 every_events=settings.checkpoint_every_events)
                    if settings.checkpoint_dir else None)
    consumer = EventConsumer(settings=settings, state=state, encoder=TimedEncoder(enc, pipeline), figures=figures,
                             metrics=pipeline, checkpointer=checkpointer, hybrid=enc)
    pipeline.attach(consumer=consumer, cache=cache, state=state)
    publisher = FeedbackOutbox(settings)  # refuses a database not at the head of matching's migrations
    service = MatchingService(state=state, encoder=enc, cache=cache, weights=settings.ranking_weights(),
                              max_text_chars=settings.max_text_chars, availability=consumer,
                              threads=NativeThreads(settings.thread_budget()))
    metrics = MetricsRuntime(settings=settings, figures=figures, pipeline=pipeline, publisher=publisher)
    return MatchingRuntime(settings=settings, encoder=enc, state=state, cache=cache, consumer=consumer,
                           service=service, metrics=metrics)


def readiness(app: FastAPI) -> tuple[bool, dict[str, Any]]:
    """Ready once the consumer runs and has read the backlog; broker and cache are only reported: after
    catching up a replica serves from memory through a broker outage, uncached through a Redis outage.
    A consumer stopped by an error says so (``failure``): it will not recover by itself."""
    runtime: MatchingRuntime | None = getattr(app.state, "matching", None)
    if runtime is None:
        return False, {"consumer": "not started"}
    consumer = runtime.consumer
    phase = consumer.phase
    report = {
        "consumer": {"failed": f"failed: {consumer.failure}", "stopped": "stopped",
                     "loading": "loading the checkpoint"}.get(phase, "running"),
        "caught_up": consumer.caught_up,
        "broker": "ok" if consumer.broker_reachable else f"unreachable: {consumer.last_error}",
        "cache": "ok" if runtime.cache.ping() else "unavailable: serving uncached",
    }
    return consumer.running and consumer.caught_up, report
