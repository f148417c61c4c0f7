"""Settings of the profiles service, read from the environment."""

from __future__ import annotations

from pydantic import SecretStr, model_validator

from shared.settings import ServiceSettings

# Development only: the service refuses to start with it unless ENVIRONMENT=development.
DEVELOPMENT_CONTACT_KEY = "ZGV2ZWxvcG1lbnQtb25seS1jb250YWN0LWtleS1ub3QtZm9yLXByb2R1Y3Rpb24hISEhISEhISEhISEhISEhIQ=="


class ProfilesSettings(ServiceSettings):
    database_url: str = "sqlite:///var/profiles.db"
    client_id: str = "profiles"
    # base64 of 32, 48 or 64 random bytes, e.g.
    # python -c "import os, base64; print(base64.b64encode(os.urandom(64)).decode())"
    contact_encryption_key: SecretStr = SecretStr(DEVELOPMENT_CONTACT_KEY)

    @model_validator(mode="after")
    def _no_development_key_in_production(self) -> ProfilesSettings:
        if self.environment != "development" and \
                self.contact_encryption_key.get_secret_value() == DEVELOPMENT_CONTACT_KEY:
            raise ValueError("set CONTACT_ENCRYPTION_KEY: the development key is refused outside development")
        return self
