"""Contact fields are encrypted at rest, readable through the API, and the development key stays in development."""

from __future__ import annotations

import base64

import pytest
from cryptography.exceptions import InvalidTag
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import text

from services.profiles.settings import DEVELOPMENT_CONTACT_KEY, ProfilesSettings
from shared.crypto import ContactCipher
from shared.db import make_engine
from tests.profiles.helpers import CONTACT, profile_body

OTHER_KEY = base64.b64encode(bytes(range(64))).decode()


def test_contact_fields_are_ciphertext_in_the_database(client: TestClient, database_url: str) -> None:
    created = client.post("/v1/profiles", json=profile_body()).json()
    assert {k: created[k] for k in CONTACT} == CONTACT
    engine = make_engine(database_url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT phone, email, id_number, display_name FROM profiles WHERE id = :id"),
                           {"id": created["id"]}).one()
    engine.dispose()
    for stored, plain in zip(row[:3], CONTACT.values(), strict=True):
        assert stored.startswith("siv1:") and plain not in stored
    assert row[3] == "王敏", "only the contact fields are encrypted"
    assert client.get(f"/v1/profiles/{created['id']}").json()["phone"] == CONTACT["phone"]


def test_sending_the_same_contact_again_is_no_change(client: TestClient) -> None:
    created = client.post("/v1/profiles", json=profile_body()).json()
    same = client.patch(f"/v1/profiles/{created['id']}", json={"phone": CONTACT["phone"]}).json()
    assert same["version"] == created["version"]
    changed = client.patch(f"/v1/profiles/{created['id']}", json={"phone": "13700001111"}).json()
    assert changed["version"] == created["version"] + 1 and changed["phone"] == "13700001111"


def test_a_wrong_key_cannot_read_the_data() -> None:
    secret = ContactCipher(DEVELOPMENT_CONTACT_KEY).encrypt("13812345678")
    other = ContactCipher(OTHER_KEY)
    with pytest.raises(InvalidTag):
        other.decrypt(secret)


PRODUCTION_AUTH_SECRET = "a-production-signing-secret-of-enough-length"


def test_the_development_key_is_refused_outside_development() -> None:
    with pytest.raises(ValidationError, match="CONTACT_ENCRYPTION_KEY"):
        ProfilesSettings(environment="production", auth_secret=PRODUCTION_AUTH_SECRET)
    assert ProfilesSettings(environment="production", auth_secret=PRODUCTION_AUTH_SECRET,
                            contact_encryption_key=OTHER_KEY)
