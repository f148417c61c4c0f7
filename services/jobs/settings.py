"""Settings of the jobs service, read from the environment."""

from __future__ import annotations

from pydantic import Field

from shared.settings import ServiceSettings


class JobsSettings(ServiceSettings):
    database_url: str = "sqlite:///var/jobs.db"
    topic_retry_seconds: float = 1.0  # pause between attempts to create the topics while the broker is down
    # Applications name the seeker's own profile: jobs reads it from profiles with the seeker's token.
    profiles_url: str = "http://127.0.0.1:8001"
    profiles_timeout_seconds: float = Field(default=5.0, gt=0)
