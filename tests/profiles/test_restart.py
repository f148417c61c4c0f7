"""Profiles outlive the process: a new app on the same database serves them."""

from __future__ import annotations

from services.profiles.main import create_app
from services.profiles.settings import ProfilesSettings
from tests.auth import ProfilesClient
from tests.profiles.helpers import profile_body


def test_profile_survives_a_restart(settings: ProfilesSettings) -> None:
    with ProfilesClient(create_app(settings)) as client:
        created = client.post("/v1/profiles", json=profile_body()).json()
        client.patch(f"/v1/profiles/{created['id']}", json={"years_experience": 4})

    with ProfilesClient(create_app(settings)) as client:
        fetched = client.get(f"/v1/profiles/{created['id']}")
        assert fetched.status_code == 200
        assert fetched.json()["version"] == 2 and fetched.json()["years_experience"] == 4
        assert client.post("/v1/profiles", json=profile_body()).json()["id"] > created["id"]
