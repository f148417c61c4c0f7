"""Settings of the profiles service, read from the environment."""

from __future__ import annotations

from pydantic import SecretStr, model_validator

from shared.crypto import DEVELOPMENT_CONTACT_KEY, check_contact_key
from shared.settings import ServiceSettings

__all__ = ["DEVELOPMENT_CONTACT_KEY", "ProfilesSettings"]


class ProfilesSettings(ServiceSettings):
    database_url: str = "sqlite:///var/profiles.db"
    client_id: str = "profiles"
    # base64 of 32, 48 or 64 random bytes, e.g.
    # python -c "import os, base64; print(base64.b64encode(os.urandom(64)).decode())"
    contact_encryption_key: SecretStr = SecretStr(DEVELOPMENT_CONTACT_KEY)

    @model_validator(mode="after")
    def _no_development_key_in_production(self) -> ProfilesSettings:
        check_contact_key(environment=self.environment, key=self.contact_encryption_key.get_secret_value())
        return self
