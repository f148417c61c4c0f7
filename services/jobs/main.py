"""The jobs service app: ``uvicorn services.jobs.main:create_app --factory``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from services.jobs.admin import JobsAdmin, get_admin
from services.jobs.api import router
from services.jobs.application_api import router as applications_router
from services.jobs.applications import ApplicationService
from services.jobs.models import OutboxMessage
from services.jobs.profiles_client import ProfilesClient, ProfilesHttp
from services.jobs.review_api import router as reviews_router
from services.jobs.reviews import ReviewService
from services.jobs.service import OpportunityService
from services.jobs.settings import JobsSettings
from shared.admin import admin_router
from shared.auth import install_auth
from shared.cache import connect_redis
from shared.db import make_engine, make_session_factory
from shared.events.topics import APPLICATIONS, OPPORTUNITIES, topic_name
from shared.metrics import install_metrics
from shared.migrations import check_at_head
from shared.outbox import OutboxRelay
from shared.publishing import RelayLauncher, outbox_service_readiness
from shared.reference.cities import city_directory
from shared.reference.occupations import occupation_by_code
from shared.tracing import instrument_app, instrument_engine
from shared.web import install_body_limit, install_error_handlers, install_health

log = logging.getLogger(__name__)


def create_app(settings: JobsSettings | None = None, *, profiles_http: ProfilesHttp | None = None) -> FastAPI:
    """Build the app; ``profiles_http`` (tests: an in-process profiles app) replaces the client of
    ``settings.profiles_url``."""
    settings = settings or JobsSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        city_directory()  # load the reference data now rather than in the first request
        occupation_by_code()
        engine = make_engine(settings.database_url)
        instrument_engine(engine)
        check_at_head(engine, "services.jobs")  # refuses a database this release has not migrated
        limiter_redis = connect_redis(settings.redis_url) if settings.rate_limit_per_minute > 0 else None
        install_auth(app, settings, service="jobs", redis_client=limiter_redis)
        sessions = make_session_factory(engine)
        relay = OutboxRelay(session_factory=sessions, model=OutboxMessage,
                            bootstrap=settings.kafka_bootstrap_servers, client_id="jobs")
        launcher = RelayLauncher(relay=relay, bootstrap=settings.kafka_bootstrap_servers,
                                 topics=(OPPORTUNITIES, APPLICATIONS),
                                 partitions=settings.topic_partitions, namespace=settings.topic_namespace,
                                 max_backoff=settings.topic_retry_seconds)
        launcher.start()
        app.state.readiness = lambda: outbox_service_readiness(engine, relay, launcher)
        profiles = httpx.Client(base_url=settings.profiles_url, timeout=settings.profiles_timeout_seconds)
        app.state.service = OpportunityService(
            sessions=sessions, relay=relay, topic=topic_name(OPPORTUNITIES, settings.topic_namespace))
        app.state.reviews = ReviewService(
            sessions=sessions, relay=relay, topic=topic_name(OPPORTUNITIES, settings.topic_namespace))
        app.state.applications = ApplicationService(
            sessions=sessions, relay=relay, topic=topic_name(APPLICATIONS, settings.topic_namespace),
            profiles=ProfilesClient(profiles_http or profiles))
        app.state.admin = JobsAdmin(opportunities=app.state.service, applications=app.state.applications)
        try:
            yield
        finally:
            profiles.close()
            launcher.stop()
            engine.dispose()
            if limiter_redis is not None:
                limiter_redis.close()

    logging.basicConfig(level=settings.log_level)
    logging.getLogger("kafka").setLevel(max(logging.WARNING, logging.getLogger().level))
    app = FastAPI(title="Digital Talent Match — jobs", version="1.0.0", lifespan=lifespan)
    install_error_handlers(app)
    install_body_limit(app, max_bytes=settings.max_request_bytes, max_header_bytes=settings.max_header_bytes)
    install_metrics(app, service="jobs")
    instrument_app(app, service="jobs")
    install_health(app, ready=lambda: app.state.readiness())
    app.include_router(router)
    app.include_router(applications_router)
    app.include_router(reviews_router)
    app.include_router(admin_router(get_admin, records="opportunity, training need or application status change"))
    return app
