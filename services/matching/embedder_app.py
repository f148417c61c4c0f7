"""The app of the embedding-worker role (``MATCHING_ROLE=embedder``): no queries, only the worker,
its probes and its metrics, so the same image scales embedding by partitions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from prometheus_client import Gauge

from services.matching.embedder import EmbeddingWorker
from services.matching.encoder_setup import build_dense_encoder
from services.matching.settings import MatchingSettings
from shared.auth import install_auth, require_role
from shared.metrics import install_metrics, metrics_registry
from shared.web import install_error_handlers, install_health


def create_embedder_app(settings: MatchingSettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = EmbeddingWorker(settings=settings, dense=build_dense_encoder(settings))
        app.state.worker = worker
        embedded.set_function(lambda: worker.events_embedded)
        worker.start()
        try:
            yield
        finally:
            worker.stop(timeout=30)  # finishes its batch: offsets are committed only after the vectors

    app = FastAPI(title="Digital Talent Match — matching embedder", version="0.1.0", lifespan=lifespan)
    install_error_handlers(app)
    install_metrics(app, service="matching-embedder")
    embedded = Gauge("talentmatch_embedder_events_embedded", "Record events embedded and published",
                     registry=metrics_registry(app))

    def ready() -> tuple[bool, dict[str, Any]]:
        """Ready while the worker runs and has no connection error; an idle member (more workers than
        partitions) is ready too."""
        worker: EmbeddingWorker | None = getattr(app.state, "worker", None)
        if worker is None:
            return False, {"worker": "not started"}
        return worker.running and worker.last_error is None, worker.status()

    install_health(app, ready=ready)

    install_auth(app, settings, service="matching-embedder")

    @app.get("/v1/status", tags=["ops"], dependencies=[Depends(require_role("operator", "service"))])
    def status() -> dict[str, Any]:
        """The worker's partitions and counters."""
        worker: EmbeddingWorker = app.state.worker
        return worker.status()

    return app
