"""An application names the applying seeker's own profile (checked with the real profiles service, over HTTP,
with the seeker's token), and two identical applies at once store one: one 201, the other 409, never a 500
(SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.jobs.main import create_app
from services.jobs.settings import JobsSettings
from talentmatch.embedded import free_port
from tests.auth import bearer
from tests.jobs import factories
from tests.jobs.helpers import assert_refused, created
from tests.jobs.profiles import ProfileBook
from tests.metrics.server import serve

ENT = bearer("enterprise", "ent-i1", org=factories.job_posting()["organization"])
OPERATOR = bearer("operator", "op-i1")
ROUNDS, AT_ONCE = 6, 4


@pytest.fixture
def app_client(settings: JobsSettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def _posting(client: TestClient | httpx.Client) -> dict[str, Any]:
    return created(client.post("/v1/opportunities", json=factories.job_posting(), headers=ENT))


def _stored(client: TestClient, opportunity_id: int) -> int:
    listed = client.get("/v1/applications", params={"opportunity_id": opportunity_id}, headers=OPERATOR)
    assert listed.status_code == 200, listed.text
    total: int = listed.json()["total"]
    return total


def test_a_seeker_applies_only_with_their_own_profile(app_client: TestClient, profiles: ProfileBook) -> None:
    posting = _posting(app_client)
    url = f"/v1/opportunities/{posting['id']}/applications"
    someone_elses = profiles.of("seeker-i2")
    for profile_id in (someone_elses, 2**31 - 1):  # another seeker's, and one that does not exist: alike
        refused = app_client.post(url, json={"profile_id": profile_id}, headers=bearer("seeker", "seeker-i1"))
        assert_refused(refused, 422, "profile_id")
        assert "seeker-i2" not in refused.text and "李晓" not in refused.text  # nothing of the other profile
    assert _stored(app_client, posting["id"]) == 0
    audit = app_client.get("/v1/admin/audit", params={"record_type": "application"}, headers=OPERATOR).json()
    assert [row for row in audit["items"] if row["actor"] == "seeker-i1"] == []
    own = created(app_client.post(url, json={"profile_id": profiles.of("seeker-i1")},
                                  headers=bearer("seeker", "seeker-i1")))
    assert own["profile_id"] == profiles.of("seeker-i1") and _stored(app_client, posting["id"]) == 1


def test_while_profiles_cannot_answer_applying_is_503_and_stores_nothing(settings: JobsSettings) -> None:
    down = settings.model_copy(update={"profiles_url": f"http://127.0.0.1:{free_port()}",
                                       "profiles_timeout_seconds": 2.0})
    with TestClient(create_app(down)) as client:
        posting = _posting(client)
        answer = client.post(f"/v1/opportunities/{posting['id']}/applications", json={"profile_id": 1},
                             headers=bearer("seeker", "seeker-i3"))
        assert answer.status_code == 503, answer.text
        assert int(answer.headers["Retry-After"]) > 0
        assert _stored(client, posting["id"]) == 0


def test_identical_applies_at_once_give_one_201_and_409s(settings: JobsSettings, profiles: ProfileBook) -> None:
    """Real sockets, real threads: each round, one seeker sends the same application several times at once."""
    seeker = bearer("seeker", "seeker-i4")
    body = {"profile_id": profiles.of("seeker-i4")}
    with serve(create_app(settings)) as base, httpx.Client(base_url=base, timeout=60) as http, \
            ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
        for _ in range(ROUNDS):
            posting = _posting(http)
            url = f"/v1/opportunities/{posting['id']}/applications"
            start = threading.Barrier(AT_ONCE)

            def send(barrier: threading.Barrier, url: str = url) -> httpx.Response:
                barrier.wait()
                return http.post(url, json=body, headers=seeker)

            answers = list(pool.map(send, [start] * AT_ONCE))
            codes = sorted(a.status_code for a in answers)
            assert codes == [201] + [409] * (AT_ONCE - 1), [a.text for a in answers]
            listed = http.get("/v1/applications", params={"opportunity_id": posting["id"]}, headers=OPERATOR)
            assert listed.json()["total"] == 1
