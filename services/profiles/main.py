"""The profiles service app: ``uvicorn services.profiles.main:create_app --factory``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.profiles import api
from services.profiles.deps import get_service
from services.profiles.models import OutboxMessage
from services.profiles.service import ProfileService
from services.profiles.settings import ProfilesSettings
from shared.admin import admin_router
from shared.auth import install_auth
from shared.cache import connect_redis
from shared.crypto import ContactCipher
from shared.db import make_engine, make_session_factory
from shared.events.topics import PROFILES, topic_name
from shared.metrics import install_metrics
from shared.migrations import check_at_head
from shared.outbox import OutboxRelay
from shared.publishing import RelayLauncher, outbox_service_readiness
from shared.tracing import instrument_app, instrument_engine
from shared.web import install_body_limit, install_error_handlers, install_health


def create_app(settings: ProfilesSettings | None = None) -> FastAPI:
    """Build the app; the database, the schema and the outbox relay come up in its lifespan."""
    settings = settings or ProfilesSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        instrument_engine(engine)
        check_at_head(engine, "services.profiles")  # refuses a database this release has not migrated
        limiter_redis = connect_redis(settings.redis_url) if settings.rate_limit_per_minute > 0 else None
        install_auth(app, settings, service="profiles", redis_client=limiter_redis)
        sessions = make_session_factory(engine)
        relay = OutboxRelay(session_factory=sessions, model=OutboxMessage,
                            bootstrap=settings.kafka_bootstrap_servers, client_id=settings.client_id)
        launcher = RelayLauncher(relay=relay, bootstrap=settings.kafka_bootstrap_servers, topics=(PROFILES,),
                                 partitions=settings.topic_partitions, namespace=settings.topic_namespace)
        app.state.relay = relay
        app.state.readiness = lambda: outbox_service_readiness(engine, relay, launcher)
        topic = topic_name(PROFILES, settings.topic_namespace)
        app.state.service = ProfileService(
            sessions=sessions, relay=relay, topic=topic,
            cipher=ContactCipher(settings.contact_encryption_key.get_secret_value()))
        launcher.start()
        try:
            yield
        finally:
            launcher.stop()
            engine.dispose()
            if limiter_redis is not None:
                limiter_redis.close()

    app = FastAPI(title="Digital Talent Match: profiles", version="1.0.0", lifespan=lifespan,
                  description="Talent profiles of job seekers; changes are published to Kafka via an outbox.")
    install_error_handlers(app)
    install_body_limit(app, max_bytes=settings.max_request_bytes, max_header_bytes=settings.max_header_bytes)
    install_metrics(app, service="profiles")
    instrument_app(app, service="profiles")
    app.include_router(api.router)
    app.include_router(admin_router(get_service, records="profile"))
    install_health(app, ready=lambda: app.state.readiness())
    return app
