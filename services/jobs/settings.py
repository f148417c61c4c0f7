"""Settings of the jobs service, read from the environment."""

from __future__ import annotations

from shared.settings import ServiceSettings


class JobsSettings(ServiceSettings):
    database_url: str = "sqlite:///var/jobs.db"
    topic_retry_seconds: float = 1.0  # pause between attempts to create the topics while the broker is down
