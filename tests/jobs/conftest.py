"""Fixtures of the jobs tests: the real app on SQLite or PostgreSQL, with the shared Tansu broker, asking a
real profiles service (uvicorn, one per session) whose profile an application names."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.jobs.main import create_app
from services.jobs.settings import JobsSettings
from shared.events.topics import OPPORTUNITIES, topic_name
from tests.auth import SECRET, JobsClient
from tests.jobs.profiles import ProfileBook, running_profiles
from tests.migrations.support import migrated


@pytest.fixture(scope="session")
def profiles(tmp_path_factory: pytest.TempPathFactory, bootstrap: str, redis_url: str) -> Iterator[ProfileBook]:
    with running_profiles(tmp_path_factory.mktemp("profiles"), bootstrap=bootstrap, redis_url=redis_url) as book:
        yield book


@pytest.fixture
def settings(database_url: str, bootstrap: str, redis_url: str, topic_suffix: str,
             profiles: ProfileBook) -> JobsSettings:
    return JobsSettings(database_url=migrated(database_url, "jobs"),
                        kafka_bootstrap_servers=bootstrap, redis_url=redis_url,
                        topic_namespace=topic_suffix, auth_secret=SECRET, profiles_url=profiles.base_url)


@pytest.fixture
def client(settings: JobsSettings) -> Iterator[JobsClient]:
    """The app, each request sent as one enterprise account (admin routes as an operator)."""
    with JobsClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def topic(topic_suffix: str) -> str:
    return topic_name(OPPORTUNITIES, topic_suffix)
