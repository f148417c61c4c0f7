"""Fixtures of the profiles tests: the app in-process against the real broker and databases."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import func, select

from services.profiles.main import create_app
from services.profiles.models import OutboxMessage
from services.profiles.settings import ProfilesSettings
from shared.db import make_engine
from tests.auth import SECRET, ProfilesClient
from tests.migrations.support import migrated


@pytest.fixture
def settings(database_url: str, bootstrap: str, redis_url: str, topic_suffix: str) -> ProfilesSettings:
    return ProfilesSettings(database_url=migrated(database_url, "profiles"),
                            kafka_bootstrap_servers=bootstrap, redis_url=redis_url,
                            topic_namespace=topic_suffix, auth_secret=SECRET)


@pytest.fixture
def client(settings: ProfilesSettings) -> Iterator[ProfilesClient]:
    """The app, each request sent as the identity the route expects (see ``tests.auth.ProfilesClient``)."""
    with ProfilesClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def outbox_size(database_url: str) -> Iterator[Callable[[], int]]:
    """A function counting the outbox rows, published or not."""
    engine = make_engine(database_url)

    def count() -> int:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(OutboxMessage)) or 0)

    yield count
    engine.dispose()
