"""Applications and enrolments: the access matrix (role × owner), the pipeline, seats and the waiting list,
and the events each change publishes (real broker, SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.jobs.main import create_app
from services.jobs.settings import JobsSettings
from shared.auth import ROLES, Role
from shared.events.contracts import ApplicationChangedV1, decode_event
from shared.events.topics import APPLICATIONS, topic_name
from tests.auth import bearer
from tests.jobs import factories
from tests.jobs.helpers import created
from tests.jobs.profiles import ProfileBook
from tests.matching.kafka_helpers import read_all

POSTING_ORG = factories.job_posting()["organization"]
CLASS_ORG = factories.training_class()["organization"]
ENT = bearer("enterprise", "ent-p1", org=POSTING_ORG)
RIVAL = bearer("enterprise", "ent-p2", org=POSTING_ORG)
OPERATOR = bearer("operator", "op-1")


@pytest.fixture
def app_client(settings: JobsSettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def _seeker(n: int) -> dict[str, str]:
    return bearer("seeker", f"seeker-p{n}")


def _posting(client: TestClient, **overrides: Any) -> dict[str, Any]:
    return created(client.post("/v1/opportunities", json=factories.job_posting(**overrides), headers=ENT))


def _class(client: TestClient, seats: int) -> dict[str, Any]:
    body = factories.training_class(seats=seats, committed_hires=min(seats, 1))
    return created(client.post("/v1/opportunities", json=body,
                               headers=bearer("enterprise", "ent-p3", org=CLASS_ORG)))


def _apply(client: TestClient, profiles: ProfileBook, opportunity_id: int, seeker: int) -> Any:
    """Seeker ``seeker`` applies with their own profile."""
    return client.post(f"/v1/opportunities/{opportunity_id}/applications",
                       json={"profile_id": profiles.of(f"seeker-p{seeker}")}, headers=_seeker(seeker))


def _move(client: TestClient, application: dict[str, Any], status: str, headers: dict[str, str]) -> Any:
    return client.patch(f"/v1/applications/{application['id']}", json={"status": status}, headers=headers)


def test_only_seekers_apply_and_each_once(app_client: TestClient, profiles: ProfileBook) -> None:
    posting = _posting(app_client)
    url = f"/v1/opportunities/{posting['id']}/applications"
    for role in ROLES:
        if role != "seeker":
            refused = app_client.post(url, json={"profile_id": 1}, headers=bearer(role, f"{role}-x", org=POSTING_ORG))
            assert refused.status_code == 403, (role, refused.text)
    first = created(_apply(app_client, profiles, posting["id"], 11))
    assert first["status"] == "received" and first["seeker"] == "seeker-p11" and first["opportunity_owner"] == "ent-p1"
    assert _apply(app_client, profiles, posting["id"], 11).status_code == 409
    assert _apply(app_client, profiles, 999_999, 11).status_code == 404
    missing = app_client.post(url, json={}, headers=_seeker(12))
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"][-1] == "profile_id"
    assert app_client.post(url, json={"profile_id": 1, "owner": "x"}, headers=_seeker(12)).status_code == 422
    assert app_client.post(url, headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_a_closed_opportunity_takes_no_application(app_client: TestClient, profiles: ProfileBook) -> None:
    posting = _posting(app_client, open=False)
    refused = _apply(app_client, profiles, posting["id"], 13)
    assert refused.status_code == 409, refused.text


def _visible(client: TestClient, headers: dict[str, str], *, mine: bool = True) -> set[int]:
    listed = client.get("/v1/applications", params={"mine": mine, "limit": 200}, headers=headers)
    assert listed.status_code == 200, listed.text
    return {item["id"] for item in listed.json()["items"]}


def test_who_sees_which_application(app_client: TestClient, profiles: ProfileBook) -> None:
    """Seeker: own only; enterprise: those for its own opportunities; operator: all; service: refused."""
    ours, theirs = _posting(app_client), created(app_client.post(
        "/v1/opportunities", json=factories.job_posting(), headers=RIVAL))
    a = created(_apply(app_client, profiles, ours["id"], 21))
    b = created(_apply(app_client, profiles, theirs["id"], 22))
    assert _visible(app_client, _seeker(21)) == {a["id"]}
    assert _visible(app_client, _seeker(21), mine=False) == {a["id"]}  # never more than their own
    assert _visible(app_client, ENT) == {a["id"]}
    assert _visible(app_client, RIVAL) == {b["id"]}
    assert {a["id"], b["id"]} <= _visible(app_client, OPERATOR)
    assert app_client.get("/v1/applications", headers=bearer("service", "svc-1")).status_code == 403
    cells: dict[tuple[Role, str], int] = {
        ("seeker", "own"): 200, ("seeker", "other"): 404, ("enterprise", "own"): 200,
        ("enterprise", "other"): 404, ("operator", "own"): 200, ("operator", "other"): 200,
        ("service", "own"): 403, ("service", "other"): 403,
    }
    headers_of = {("seeker", "own"): _seeker(21), ("seeker", "other"): _seeker(22), ("enterprise", "own"): ENT,
                  ("enterprise", "other"): RIVAL, ("operator", "own"): OPERATOR, ("operator", "other"): OPERATOR,
                  ("service", "own"): bearer("service", "svc-1"), ("service", "other"): bearer("service", "svc-1")}
    for cell, status in cells.items():
        answer = app_client.get(f"/v1/applications/{a['id']}", headers=headers_of[cell])
        assert answer.status_code == status, (cell, answer.text)


def test_who_moves_which_application(app_client: TestClient, profiles: ProfileBook) -> None:
    """Role × owner for PATCH: only the owning enterprise moves, only the applying seeker withdraws; a refused
    move changes nothing."""
    posting = _posting(app_client)
    application = created(_apply(app_client, profiles, posting["id"], 31))
    refusals = [(_seeker(31), "interviewing", 403), (_seeker(32), "withdrawn", 404), (RIVAL, "interviewing", 404),
                (OPERATOR, "interviewing", 403), (bearer("service", "svc-1"), "interviewing", 403),
                (ENT, "withdrawn", 403), (ENT, "hired", 409)]
    for headers, status, expected in refusals:
        answer = _move(app_client, application, status, headers)
        assert answer.status_code == expected, (status, answer.text)
    stored = app_client.get(f"/v1/applications/{application['id']}", headers=OPERATOR).json()
    assert stored["version"] == 1 and stored["status"] == "received"


def test_the_pipeline_with_versions(app_client: TestClient, profiles: ProfileBook) -> None:
    posting = _posting(app_client)
    application = created(_apply(app_client, profiles, posting["id"], 41))
    url = f"/v1/applications/{application['id']}"
    stale = app_client.patch(url, json={"status": "interviewing"}, headers={**ENT, "If-Match": '"7"'})
    assert stale.status_code == 409, stale.text
    moved = app_client.patch(url, json={"status": "interviewing"}, headers={**ENT, "If-Match": '"1"'})
    assert moved.status_code == 200 and moved.headers["etag"] == '"2"', moved.text
    assert _move(app_client, application, "hired", ENT).status_code == 409  # offered comes first
    assert _move(app_client, application, "offered", ENT).json()["status"] == "offered"
    hired = _move(app_client, application, "hired", ENT).json()
    assert hired["status"] == "hired" and hired["version"] == 4
    assert _move(app_client, application, "withdrawn", _seeker(41)).status_code == 409  # final
    assert _move(app_client, application, "rejected", ENT).status_code == 409
    bad = _move(app_client, application, "enrolled", ENT)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "status"


def test_a_full_class_waitlists_and_a_freed_seat_promotes(app_client: TestClient, profiles: ProfileBook) -> None:
    training = _class(app_client, seats=2)
    first, second, third = (created(_apply(app_client, profiles, training["id"], n)) for n in (51, 52, 53))
    assert [first["status"], second["status"], third["status"]] == ["enrolled", "enrolled", "waitlisted"]
    seats = app_client.get(f"/v1/opportunities/{training['id']}/seats", headers=_seeker(51)).json()
    assert seats == {"opportunity_id": training["id"], "seats": 2, "enrolled": 2, "left": 0, "waitlisted": 1}
    assert _move(app_client, first, "withdrawn", _seeker(51)).json()["status"] == "withdrawn"
    promoted = app_client.get(f"/v1/applications/{third['id']}", headers=_seeker(53)).json()
    assert promoted["status"] == "enrolled" and promoted["version"] == 2
    seats = app_client.get(f"/v1/opportunities/{training['id']}/seats", headers=_seeker(51)).json()
    assert (seats["enrolled"], seats["left"], seats["waitlisted"]) == (2, 0, 0)
    posting = _posting(app_client)
    assert app_client.get(f"/v1/opportunities/{posting['id']}/seats", headers=_seeker(51)).status_code == 404


def test_interest_in_an_incubator_is_received(app_client: TestClient, profiles: ProfileBook) -> None:
    body = factories.incubator_program()
    incubator = created(app_client.post("/v1/opportunities", json=body,
                                        headers=bearer("enterprise", "ent-p4", org=body["organization"])))
    interest = created(_apply(app_client, profiles, incubator["id"], 61))
    assert (interest["status"], interest["opportunity_kind"]) == ("received", "incubator_program")


def test_every_change_is_audited_and_published(app_client: TestClient, profiles: ProfileBook, bootstrap: str,
                                                topic_suffix: str) -> None:
    posting = _posting(app_client)
    application = created(_apply(app_client, profiles, posting["id"], 71))
    for status in ("interviewing", "offered", "hired"):
        assert _move(app_client, application, status, ENT).status_code == 200
    records = read_all(bootstrap, topic_name(APPLICATIONS, topic_suffix), expected=4)
    assert {r.key for r in records} == {str(application["id"]).encode()}
    events = sorted((decode_event(r.value) for r in records), key=lambda e: getattr(e, "record_version", 0))
    assert all(isinstance(e, ApplicationChangedV1) for e in events)
    changes = [(e.record_version, e.application.status.value, e.application.talent_id, e.owner_id)
               for e in events if isinstance(e, ApplicationChangedV1)]
    talent = profiles.of("seeker-p71")
    assert changes == [(1, "received", talent, "seeker-p71"), (2, "interviewing", talent, "seeker-p71"),
                       (3, "offered", talent, "seeker-p71"), (4, "hired", talent, "seeker-p71")]
    audit = app_client.get("/v1/admin/audit", params={"record_type": "application"}, headers=OPERATOR)
    assert audit.status_code == 200, audit.text
    actions = [row["action"] for row in audit.json()["items"] if row["record_id"] == application["id"]]
    assert sorted(actions) == ["create", "hired", "interviewing", "offered"]
