"""Encryption at rest of the contact fields (phone, e-mail, ID number): profiles encrypts its profiles, the
portal the contact a seeker releases by accepting an interview invitation. Both read ``CONTACT_ENCRYPTION_KEY``.

AES-SIV is deterministic: the same value always encrypts to the same text, so an unchanged contact
field compares equal and a PATCH that sends it again is no change. It reveals only that two stored
values are equal, never the values.
"""

from __future__ import annotations

import base64
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESSIV

CONTACT_FIELDS = ("phone", "email", "id_number")
PREFIX = "siv1:"
# Development only: a service refuses to start with it unless ENVIRONMENT=development.
DEVELOPMENT_CONTACT_KEY = "ZGV2ZWxvcG1lbnQtb25seS1jb250YWN0LWtleS1ub3QtZm9yLXByb2R1Y3Rpb24hISEhISEhISEhISEhISEhIQ=="


def check_contact_key(*, environment: str, key: str) -> None:
    """Refuse the development key outside development (a settings validator calls this)."""
    if environment != "development" and key == DEVELOPMENT_CONTACT_KEY:
        raise ValueError("set CONTACT_ENCRYPTION_KEY: the development key is refused outside development")


class ContactCipher:
    def __init__(self, key_b64: str) -> None:
        key = base64.b64decode(key_b64)
        if len(key) not in (32, 48, 64):
            raise ValueError("the contact key must be 32, 48 or 64 bytes, base64-encoded")
        self._siv = AESSIV(key)

    def encrypt(self, value: str | None) -> str | None:
        if value is None:
            return None
        return PREFIX + base64.b64encode(self._siv.encrypt(value.encode("utf-8"), None)).decode("ascii")

    def decrypt(self, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(PREFIX):
            raise ValueError("a stored contact field is not encrypted")
        return self._siv.decrypt(base64.b64decode(value[len(PREFIX):]), None).decode("utf-8")

    def encrypt_fields(self, values: dict[str, Any]) -> dict[str, Any]:
        """``values`` with its contact fields (where present) encrypted."""
        return {k: self.encrypt(v) if k in CONTACT_FIELDS else v for k, v in values.items()}

    def decrypt_fields(self, values: dict[str, Any]) -> dict[str, Any]:
        return {k: self.decrypt(v) if k in CONTACT_FIELDS else v for k, v in values.items()}
