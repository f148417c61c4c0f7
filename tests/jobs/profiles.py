"""A real profiles service on a real port, for the jobs tests: an application must name the seeker's own
profile, and jobs asks profiles over HTTP with the seeker's token."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from services.profiles.main import create_app as create_profiles
from services.profiles.settings import ProfilesSettings
from tests.auth import SECRET, bearer
from tests.metrics.server import serve
from tests.migrations.support import migrated

SEEKER_PROFILE = {"display_name": "李晓", "city": "杭州", "skills": ["Python", "数据分析"],
                  "skills_text": "两年电商数据分析经验，熟悉 SQL 与 Python。", "wanted_kinds": ["job_posting"]}


class ProfileBook:
    """Each seeker account's own profile on the running profiles service, created on first use."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._ids: dict[str, int] = {}

    def of(self, seeker: str) -> int:
        """The id of ``seeker``'s profile (a seeker has at most one)."""
        if seeker not in self._ids:
            answer = httpx.post(f"{self.base_url}/v1/profiles", json=SEEKER_PROFILE, headers=bearer("seeker", seeker),
                                timeout=30)
            assert answer.status_code == 201, answer.text
            self._ids[seeker] = int(answer.json()["id"])
        return self._ids[seeker]


@contextmanager
def running_profiles(folder: Path, *, bootstrap: str, redis_url: str) -> Iterator[ProfileBook]:
    """profiles on SQLite in ``folder``, served by uvicorn on a free port until the block ends."""
    settings = ProfilesSettings(database_url=migrated(f"sqlite:///{folder / 'profiles.db'}", "profiles"),
                                kafka_bootstrap_servers=bootstrap, redis_url=redis_url, auth_secret=SECRET,
                                topic_namespace=f"jobs-profiles-{uuid.uuid4().hex[:8]}", rate_limit_per_minute=0)
    with serve(create_profiles(settings)) as base_url:
        yield ProfileBook(base_url)
