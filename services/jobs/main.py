"""The jobs service app: ``uvicorn services.jobs.main:create_app --factory``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from services.jobs.api import router
from services.jobs.models import Base, OutboxMessage
from services.jobs.service import OpportunityService
from services.jobs.settings import JobsSettings
from services.jobs.topics import TopicSetup
from shared.db import create_schema, make_engine, make_session_factory
from shared.events.topics import OPPORTUNITIES, topic_name
from shared.outbox import OutboxRelay
from shared.web import install_body_limit, install_error_handlers

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """What the lifespan started; the readiness probe reads it."""

    engine: Engine
    relay: OutboxRelay
    topics: TopicSetup


def readiness(runtime: Runtime) -> tuple[bool, dict[str, Any]]:
    """Ready when the database answers; a down broker only delays events (they wait in the outbox)."""
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        pending = runtime.relay.pending()
    except SQLAlchemyError as exc:
        return False, {"database": f"unavailable: {type(exc).__name__}"}
    broker_error = runtime.relay.last_error or runtime.topics.last_error
    return True, {
        "database": "ok",
        "outbox_pending": pending,
        "broker": "ok" if runtime.topics.ready and broker_error is None else f"waiting: {broker_error}",
    }


def install_probes(app: FastAPI) -> None:
    """``/healthz``: the process is up; ``/readyz``: database ok, with the outbox backlog."""

    @app.get("/healthz", tags=["ops"], include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], include_in_schema=False)
    def readyz() -> JSONResponse:
        ok, report = readiness(app.state.runtime)
        return JSONResponse(status_code=200 if ok else 503, content={"ready": ok, **report})


def create_app(settings: JobsSettings | None = None) -> FastAPI:
    settings = settings or JobsSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        create_schema(engine, Base.metadata)
        sessions = make_session_factory(engine)
        relay = OutboxRelay(session_factory=sessions, model=OutboxMessage,
                            bootstrap=settings.kafka_bootstrap_servers, client_id="jobs")
        topics = TopicSetup(bootstrap=settings.kafka_bootstrap_servers, partitions=settings.topic_partitions,
                            namespace=settings.topic_namespace, on_ready=relay.start,
                            retry_seconds=settings.topic_retry_seconds)
        topics.start()
        app.state.runtime = Runtime(engine=engine, relay=relay, topics=topics)
        app.state.service = OpportunityService(
            sessions=sessions, relay=relay, topic=topic_name(OPPORTUNITIES, settings.topic_namespace)
        )
        try:
            yield
        finally:
            topics.stop()
            relay.stop()
            engine.dispose()

    logging.basicConfig(level=settings.log_level)
    app = FastAPI(title="Digital Talent Match — jobs", version="1.0.0", lifespan=lifespan)
    install_error_handlers(app)
    install_body_limit(app, max_bytes=settings.max_request_bytes)
    install_probes(app)
    app.include_router(router)
    return app
