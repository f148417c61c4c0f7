"""Fixtures of the portal tests: the portal in-process on SQLite or PostgreSQL, calling the real profiles
and jobs apps (in-process, on the shared broker) with the users' own tokens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.jobs.main import create_app as create_jobs
from services.jobs.settings import JobsSettings
from services.portal.clients import Backends, Jobs, Matching, Profiles
from services.portal.main import create_app
from services.portal.service import AccountService
from services.portal.settings import PortalSettings
from services.profiles.main import create_app as create_profiles
from services.profiles.settings import ProfilesSettings
from tests.auth import SECRET
from tests.migrations.support import migrated
from tests.portal.helpers import Browser

# Nothing listens here: pages that need matching answer "unavailable" in these tests (the end-to-end
# browser test runs matching).
NO_MATCHING = "http://127.0.0.1:9"


@pytest.fixture
def backends(tmp_path: Path, bootstrap: str, redis_url: str, topic_suffix: str) -> Iterator[Backends]:
    common: dict[str, Any] = {"kafka_bootstrap_servers": bootstrap, "redis_url": redis_url,
                              "topic_namespace": topic_suffix, "auth_secret": SECRET}
    profiles_db = migrated(f"sqlite:///{tmp_path}/profiles.db", "profiles")
    profiles = TestClient(create_profiles(ProfilesSettings(database_url=profiles_db, **common)))
    jobs_db = migrated(f"sqlite:///{tmp_path}/jobs.db", "jobs")
    # jobs asks profiles (in process here) whether an application's profile is the seeker's own
    jobs = TestClient(create_jobs(JobsSettings(database_url=jobs_db, **common), profiles_http=profiles))
    with profiles, jobs, httpx.Client(base_url=NO_MATCHING, timeout=2) as matching:
        yield Backends(Profiles("profiles", profiles), Jobs("jobs", jobs), Matching("matching", matching))


@pytest.fixture
def portal_settings(database_url: str) -> PortalSettings:
    return PortalSettings(database_url=migrated(database_url, "portal"), auth_secret=SECRET, login_max_failures=3)


@pytest.fixture
def app_client(portal_settings: PortalSettings, backends: Backends) -> Iterator[TestClient]:
    with TestClient(create_app(portal_settings, backends=backends), base_url="http://portal.test") as client:
        yield client


@pytest.fixture
def browser(app_client: TestClient) -> Browser:
    return Browser(app_client)


@pytest.fixture
def accounts(app_client: TestClient) -> AccountService:
    service: AccountService = app_client.app.state.accounts  # type: ignore[attr-defined]
    return service
