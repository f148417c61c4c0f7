"""Settings of the portal, read from the environment."""

from __future__ import annotations

from pydantic import Field

from shared.settings import ServiceSettings


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
