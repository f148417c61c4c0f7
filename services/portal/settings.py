"""Settings of the portal, read from the environment."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator

from shared.crypto import DEVELOPMENT_CONTACT_KEY, check_contact_key
from shared.settings import ServiceSettings

# The longest a batch of the notifier may wait on matching (its consumer's poll interval is 300 s).
MAX_BATCH_WAIT_SECONDS = 240


class PortalSettings(ServiceSettings):
    database_url: str = "sqlite:///var/portal.db"
    client_id: str = "portal"
    # The public APIs the pages call with the signed-in user's token.
    profiles_url: str = "http://127.0.0.1:8001"
    jobs_url: str = "http://127.0.0.1:8002"
    matching_url: str = "http://127.0.0.1:8003"
    backend_timeout_seconds: float = Field(default=15.0, gt=0)
    # A résumé upload is the biggest body the portal takes. Up to 1 MiB, Starlette keeps an uploaded file in
    # memory (beyond, it spools to a temporary file): the cap keeps résumés off the disk.
    max_upload_bytes: int = Field(default=1024 * 1024, ge=1024, le=1024 * 1024)
    max_request_bytes: int = 1024 * 1024 + 64 * 1024
    session_ttl_seconds: int = Field(default=8 * 3600, ge=60)
    # Behind TLS in production: the session cookie is then sent over HTTPS only.
    secure_cookies: bool = False
    login_max_failures: int = Field(default=5, ge=1)  # per login name or client address, per window
    login_window_seconds: int = Field(default=15 * 60, ge=1)
    reset_code_ttl_seconds: int = Field(default=15 * 60, ge=60)
    # The same key as profiles (shared.crypto): it encrypts the contact a seeker releases to an enterprise.
    contact_encryption_key: SecretStr = SecretStr(DEVELOPMENT_CONTACT_KEY)

    # Notifications (services/portal/notifier): computed from the applications and opportunities topics.
    # Empty: no notifier runs (the pages still show what was stored); every stack sets the broker.
    kafka_bootstrap_servers: str = ""
    # Besides the in-app notice: log (the portal's log, the account id only), webhook (POST JSON) or smtp
    # (an e-mail to accounts whose login is an e-mail address).
    notify_sender: Literal["log", "webhook", "smtp"] = "log"
    notify_webhook_url: str = ""
    notify_webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    notify_smtp_host: str = ""
    notify_smtp_port: int = Field(default=25, ge=1, le=65535)
    notify_smtp_from: str = ""
    notify_smtp_starttls: bool = False
    notify_smtp_user: str = ""
    notify_smtp_password: SecretStr = SecretStr("")
    notify_smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    notify_link_base: str = ""  # the portal's public address, before the links a webhook or an e-mail carries
    # A new opportunity is worth a notice from this score (a seeker may set another); top candidates of real
    # postings score above 0.85, an unrelated profile around 0.7.
    notify_default_threshold: float = Field(default=0.75, ge=0, le=1)
    notify_shortlist_size: int = Field(default=100, ge=1, le=100)  # matching answers at most 100
    # Matching indexes a new opportunity a moment after it is published: 404/503 are retried this long.
    notify_shortlist_wait_seconds: float = Field(default=30.0, ge=0, le=120)
    # Events older than this are not notified: a new deployment reading the topics from their beginning
    # must not announce last year's openings. Replays within it are harmless (one notice per source event).
    notify_max_event_age_hours: float = Field(default=72.0, gt=0)
    notify_poll_records: int = Field(default=5, ge=1, le=500)
    dead_letter_payload_bytes: int = Field(default=64 * 1024, ge=0)

    @model_validator(mode="after")
    def _sender_configured(self) -> Self:
        check_contact_key(environment=self.environment, key=self.contact_encryption_key.get_secret_value())
        if self.notify_sender == "webhook" and not self.notify_webhook_url.startswith(("http://", "https://")):
            raise ValueError("NOTIFY_SENDER=webhook needs NOTIFY_WEBHOOK_URL (http:// or https://)")
        if self.notify_sender == "smtp" and not (self.notify_smtp_host and "@" in self.notify_smtp_from):
            raise ValueError("NOTIFY_SENDER=smtp needs NOTIFY_SMTP_HOST and NOTIFY_SMTP_FROM (an e-mail address)")
        if self.notify_poll_records * self.notify_shortlist_wait_seconds > MAX_BATCH_WAIT_SECONDS:
            raise ValueError(f"NOTIFY_POLL_RECORDS × NOTIFY_SHORTLIST_WAIT_SECONDS must stay under "
                             f"{MAX_BATCH_WAIT_SECONDS} s: a batch must end within the consumer's poll interval")
        return self
