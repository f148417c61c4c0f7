"""The matching app: ``uvicorn services.matching.main:create_app --factory``."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from services.matching.api import router
from services.matching.checkpointing import Checkpointer
from services.matching.consumer import EventConsumer
from services.matching.deps import MatchingRuntime
from services.matching.domain.encoders import DenseEncoder, HybridEncoder, LexicalEncoder
from services.matching.domain.index import IndexConfig
from services.matching.domain.occupations import LazyNormalizer, TitleNormalizer
from services.matching.domain.state import MatchingState
from services.matching.embedder_app import create_embedder_app
from services.matching.index_api import router as index_router
from services.matching.metrics import dashboard
from services.matching.metrics.api import feedback_router, operator_router
from services.matching.metrics.deps import MetricsRuntime
from services.matching.metrics.feedback import FeedbackPublisher
from services.matching.metrics.pipeline import PipelineMetrics, TimedEncoder
from services.matching.metrics.served import ServedListsMiddleware
from services.matching.metrics.store import FiguresStore
from services.matching.service import MatchingService, ranking_weights
from services.matching.settings import MatchingSettings
from shared.auth import install_auth
from shared.cache import JsonCache, connect_redis
from shared.events.topics import FEEDBACK, topic_name
from shared.metrics import install_metrics, metrics_registry
from shared.web import error_responses, install_body_limit, install_error_handlers, install_health


def build_dense_encoder(settings: MatchingSettings) -> DenseEncoder | None:
    """The model with its configured runtime; None when ``dense_weight`` is 0."""
    if settings.dense_weight <= 0:
        return None
    return DenseEncoder(settings.embedding_model, batch_size=settings.embed_batch_size,
                        threads=settings.torch_threads, backend=settings.embed_backend,
                        cache_size=settings.embed_cache_size, cache_dir=settings.model_cache_dir,
                        max_seq_length=settings.embed_max_seq_length, text_view=settings.embed_text_view)


def build_encoder(settings: MatchingSettings) -> HybridEncoder:
    """Load the model once (skipped when ``dense_weight`` is 0) and blend it with the lexical channel."""
    dense = build_dense_encoder(settings)
    return HybridEncoder(dense=dense, lexical=LexicalEncoder(settings.lexical_dim),
                         dense_weight=settings.dense_weight, lexical_weight=settings.lexical_weight)


def cache_prefix(settings: MatchingSettings, encoder: HybridEncoder) -> str:
    """Replicas share cached results only when model, weights and bonuses agree."""
    config = f"{encoder.name}|{ranking_weights(settings)}|{settings.max_text_chars}"
    namespace = settings.topic_namespace or "-"
    return f"talentmatch:{namespace}:matching:{zlib.crc32(config.encode()):08x}:"


def create_app(settings: MatchingSettings | None = None, *, encoder: HybridEncoder | None = None,
               normalizer: TitleNormalizer | None = None) -> FastAPI:
    """The app of ``settings.role``; ``encoder`` and ``normalizer`` let tests share one loaded model and one
    occupation normalizer across apps."""
    settings = settings or MatchingSettings()
    if settings.role == "embedder":
        return create_embedder_app(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        enc = encoder or build_encoder(settings)
        redis_client = connect_redis(settings.redis_url)
        install_auth(app, settings, service="matching", redis_client=redis_client)  # now with the rate limit
        cache = JsonCache(redis_client, prefix=cache_prefix(settings, enc),
                          ttl_seconds=settings.cache_ttl_seconds, local_entries=settings.cache_local_entries)
        state = MatchingState(enc.dim, max_text_chars=settings.max_text_chars,
                              index=IndexConfig(approx_threshold=settings.index_approx_threshold,
                                                nprobe=settings.index_nprobe),
                              normalizer=normalizer or LazyNormalizer())  # built by the consumer's thread
        metrics: MetricsRuntime = app.state.metrics
        checkpointer = (Checkpointer(directory=Path(settings.checkpoint_dir), state=state, encoder=enc,
                                     max_text_chars=settings.max_text_chars, figures=metrics.figures,
                                     interval_seconds=settings.checkpoint_interval_seconds,
                                     every_events=settings.checkpoint_every_events)
                        if settings.checkpoint_dir else None)
        consumer = EventConsumer(settings=settings, state=state, encoder=TimedEncoder(enc, metrics.pipeline),
                                 figures=metrics.figures, metrics=metrics.pipeline, checkpointer=checkpointer,
                                 hybrid=enc)
        metrics.pipeline.attach(consumer=consumer, cache=cache, state=state)
        metrics.publisher = FeedbackPublisher(
            bootstrap=settings.kafka_bootstrap_servers, topic=topic_name(FEEDBACK, settings.topic_namespace),
            client_id=f"{settings.client_id}-feedback", timeout_seconds=settings.feedback_timeout_seconds)
        service = MatchingService(state=state, encoder=enc, cache=cache, weights=ranking_weights(settings),
                                  max_text_chars=settings.max_text_chars)
        app.state.matching = MatchingRuntime(settings=settings, encoder=enc, state=state, cache=cache,
                                             consumer=consumer, service=service)
        consumer.start()  # connects, creates topics and retries in its own thread: startup never blocks
        try:
            yield
        finally:
            consumer.stop()
            metrics.publisher.close()
            redis_client.close()

    app = FastAPI(title="Digital Talent Match — matching", version="0.1.0", lifespan=lifespan)
    install_error_handlers(app)
    install_body_limit(app, max_bytes=settings.max_request_bytes)
    install_metrics(app, service="matching")
    install_auth(app, settings, service="matching")  # tokens are checked before the lifespan has Redis too
    install_figures(app, settings)

    def ready() -> tuple[bool, dict[str, Any]]:
        """Ready once the consumer runs and has read the backlog; broker and cache are only reported:
        after catching up a replica serves from memory through a broker outage, uncached through a
        Redis outage."""
        runtime: MatchingRuntime | None = getattr(app.state, "matching", None)
        if runtime is None:
            return False, {"consumer": "not started"}
        consumer = runtime.consumer
        report = {
            "consumer": "running" if consumer.running else "stopped",
            "caught_up": consumer.caught_up,
            "broker": "ok" if consumer.broker_reachable else f"unreachable: {consumer.last_error}",
            "cache": "ok" if runtime.cache.ping() else "unavailable: serving uncached",
        }
        return consumer.running and consumer.caught_up, report

    install_health(app, ready=ready)
    app.include_router(router)
    app.include_router(feedback_router)
    app.include_router(operator_router)
    app.include_router(dashboard.router)
    app.include_router(index_router, responses=error_responses(401, 403, 429))  # its role check, documented
    return app


def install_figures(app: FastAPI, settings: MatchingSettings) -> None:
    """The operators' figures: their store, the pipeline metrics, the served-lists middleware."""
    pipeline = PipelineMetrics(metrics_registry(app))
    figures = FiguresStore()
    app.state.metrics = MetricsRuntime(settings=settings, figures=figures, pipeline=pipeline)
    app.add_middleware(ServedListsMiddleware, figures=figures, metrics=pipeline)
