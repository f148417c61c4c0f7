"""Fixtures of the jobs tests: the real app on SQLite or PostgreSQL, with the shared Tansu broker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from services.jobs.main import create_app
from services.jobs.settings import JobsSettings
from shared.events.topics import OPPORTUNITIES, topic_name


@pytest.fixture
def settings(database_url: str, bootstrap: str, topic_suffix: str) -> JobsSettings:
    return JobsSettings(database_url=database_url, kafka_bootstrap_servers=bootstrap,
                        topic_namespace=topic_suffix)


@pytest.fixture
def client(settings: JobsSettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def topic(topic_suffix: str) -> str:
    return topic_name(OPPORTUNITIES, topic_suffix)
