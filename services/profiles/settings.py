"""Settings of the profiles service, read from the environment."""

from __future__ import annotations

from shared.settings import ServiceSettings


class ProfilesSettings(ServiceSettings):
    database_url: str = "sqlite:///var/profiles.db"
    client_id: str = "profiles"
