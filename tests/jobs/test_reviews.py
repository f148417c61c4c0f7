"""Postings with requirements the Employment Promotion Law bars are held: told to their enterprise, hidden
from everyone else and from matching, and published or rejected by an operator."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.jobs.mapping import CREATE_ADAPTER
from services.jobs.reviews import flags_of
from shared.events.contracts import OpportunityDeletedV1, OpportunityUpsertedV1
from talentmatch.demo.generate import DemoGenerator
from tests.auth import JobsClient, bearer
from tests.jobs import factories
from tests.jobs.helpers import assert_refused, created
from tests.jobs.topic_reader import Received, read_events

OWNER = bearer("enterprise", JobsClient.ENTERPRISE, org=JobsClient.ORGANIZATION)
RIVAL = bearer("enterprise", "ent-rival", org=JobsClient.ORGANIZATION)
SEEKER = bearer("seeker", "seeker-review")
SERVICE = bearer("service", "svc-review")
OPERATOR = bearer("operator", "op-review")
BARRED = "岗位职责：负责后端服务开发。任职要求：限男性，35岁以下，本地户口。"


def _held(client: TestClient, **overrides: Any) -> dict[str, Any]:
    posting = created(client.post("/v1/opportunities", json=factories.job_posting(
        title="Java开发工程师", description=BARRED, **overrides), headers=OWNER))
    assert posting["review"]["status"] == "held", posting
    return posting


def _keys(received: list[Received]) -> list[str]:
    return [item.key for item in received]


def test_the_enterprise_is_told_at_once_which_phrases_hold_its_posting(client: TestClient) -> None:
    posting = _held(client)
    assert [(f["category"], f["phrase"], f["field"]) for f in posting["review"]["flags"]] == [
        ("gender", "限男性", "description"), ("age", "35岁以下", "description"),
        ("household_registration", "本地户口", "description")]
    clean = created(client.post("/v1/opportunities", json=factories.job_posting(), headers=OWNER))
    assert clean["review"] == {"status": "published", "flags": [], "note": None, "reviewed_by": None,
                               "reviewed_at": None}
    assert client.get(f"/v1/opportunities/{posting['id']}", headers=OWNER).json() == posting


@pytest.mark.parametrize(("who", "status"), [("seeker", 404), ("service", 404), ("rival", 404), ("owner", 200),
                                             ("operator", 200)])
def test_a_held_posting_exists_only_for_its_enterprise_and_operators(client: TestClient, who: str,
                                                                     status: int) -> None:
    headers = {"seeker": SEEKER, "service": SERVICE, "rival": RIVAL, "owner": OWNER, "operator": OPERATOR}[who]
    posting = _held(client)
    read = client.get(f"/v1/opportunities/{posting['id']}", headers=headers)
    assert read.status_code == status, read.text
    if status == 404:
        unknown = client.get("/v1/opportunities/99999", headers=headers)
        assert read.json()["detail"][0]["msg"] == unknown.json()["detail"][0]["msg"].replace("99999",
                                                                                             str(posting["id"]))
    else:
        assert read.json()["review"]["status"] == "held"
    listed = client.get("/v1/opportunities", params={"limit": 100}, headers=headers).json()
    assert (posting["id"] in [item["id"] for item in listed["items"]]) is (status == 200)


def test_a_seeker_cannot_apply_to_or_count_the_seats_of_a_held_posting(client: TestClient) -> None:
    posting = _held(client)
    applied = client.post(f"/v1/opportunities/{posting['id']}/applications", json={"profile_id": 1},
                          headers=SEEKER)
    assert applied.status_code == 404, applied.text
    held_class = created(client.post("/v1/opportunities", json=factories.training_class(
        description="面向未婚青年的运维订单班，年龄18-30岁。", organization=JobsClient.ORGANIZATION,
        sponsor=JobsClient.ORGANIZATION), headers=OWNER))
    assert held_class["review"]["status"] == "held"
    seats = f"/v1/opportunities/{held_class['id']}/seats"
    assert client.get(seats, headers=SEEKER).status_code == 404
    assert client.get(seats, headers=OWNER).status_code == 200


def test_held_postings_reach_matching_only_once_approved(client: TestClient, bootstrap: str, topic: str) -> None:
    held = _held(client)
    clean = created(client.post("/v1/opportunities", json=factories.job_posting(), headers=OWNER))
    held_key, clean_key = str(held["id"]), str(clean["id"])
    before = read_events(bootstrap, topic, until=lambda got: clean_key in _keys(got))
    assert held_key not in _keys(before), "a held posting produces no event"

    approved = client.post(f"/v1/opportunities/{held['id']}/review", json={"decision": "approve",
                                                                          "note": "招聘方已确认删除该要求"},
                           headers=OPERATOR)
    assert approved.status_code == 200, approved.text
    review = approved.json()["review"]
    assert (review["status"], review["reviewed_by"], review["note"]) == ("published", "op-review",
                                                                        "招聘方已确认删除该要求")
    after = read_events(bootstrap, topic, until=lambda got: held_key in _keys(got))
    events = [item for item in after if item.key == held_key]
    assert len(events) == 1 and isinstance(events[0].event, OpportunityUpsertedV1)
    assert events[0].record.record_version == approved.json()["version"] == 2

    seen = client.get(f"/v1/opportunities/{held['id']}", headers=SEEKER)
    assert seen.status_code == 200 and seen.json()["review"] is None, "seekers are not shown the review"
    again = client.post(f"/v1/opportunities/{held['id']}/review", json={"decision": "reject"}, headers=OPERATOR)
    assert again.status_code == 409, "only a held posting is decided"
    edited = client.patch(f"/v1/opportunities/{held['id']}", json={"openings": 4}, headers=OWNER)
    assert edited.json()["review"]["status"] == "published", "approved phrases do not hold it again"


def test_an_edit_that_adds_a_barred_phrase_withdraws_a_published_posting(client: TestClient, bootstrap: str,
                                                                         topic: str) -> None:
    posting = created(client.post("/v1/opportunities", json=factories.job_posting(), headers=OWNER))
    url, key = f"/v1/opportunities/{posting['id']}", str(posting["id"])
    flagged = client.patch(url, json={"description": "已婚已育优先，熟悉 Flink。"}, headers=OWNER)
    assert flagged.status_code == 200 and flagged.json()["review"]["status"] == "held"
    assert client.get(url, headers=SEEKER).status_code == 404
    cleaned = client.patch(url, json={"description": "熟悉 Flink 与 Spark，性别不限。"}, headers=OWNER)
    assert cleaned.json()["review"] == {"status": "published", "flags": [], "note": None, "reviewed_by": None,
                                        "reviewed_at": None}
    received = read_events(bootstrap, topic, until=lambda got: _keys(got).count(key) >= 3)
    mine = [item for item in received if item.key == key]
    assert [type(item.event) for item in mine] == [OpportunityUpsertedV1, OpportunityDeletedV1,
                                                   OpportunityUpsertedV1]
    assert [item.record.record_version for item in mine] == [1, 2, 3]


def test_a_rejected_posting_stays_hidden_and_is_screened_again_when_edited(client: TestClient) -> None:
    posting = _held(client)
    url = f"/v1/opportunities/{posting['id']}"
    rejected = client.post(f"{url}/review", json={"decision": "reject", "note": "性别与户籍要求违反就业促进法"},
                           headers=OPERATOR)
    assert rejected.status_code == 200 and rejected.json()["review"]["status"] == "rejected"
    assert client.get(url, headers=SEEKER).status_code == 404
    assert client.get(url, headers=OWNER).json()["review"]["note"] == "性别与户籍要求违反就业促进法"
    still = client.patch(url, json={"description": "限男性，熟悉 Java。"}, headers=OWNER).json()["review"]
    assert (still["status"], still["note"], [f["phrase"] for f in still["flags"]]) == ("held", None, ["限男性"])
    fixed = client.patch(url, json={"description": "熟悉 Java 与 Spring Boot。"}, headers=OWNER)
    assert fixed.json()["review"]["status"] == "published"
    assert client.get(url, headers=SEEKER).status_code == 200


def test_the_queue_and_the_decision_are_for_operators_and_bad_decisions_name_the_field(
        client: TestClient) -> None:
    posting = _held(client)
    queue = client.get("/v1/admin/reviews", headers=OPERATOR)
    assert queue.status_code == 200 and posting["id"] in [item["id"] for item in queue.json()["items"]]
    assert all(item["review"]["status"] == "held" for item in queue.json()["items"])
    url = f"/v1/opportunities/{posting['id']}/review"
    for headers in (OWNER, RIVAL, SEEKER, SERVICE):
        assert client.post(url, json={"decision": "approve"}, headers=headers).status_code == 403
        assert client.get("/v1/admin/reviews", headers=headers).status_code == 403
    assert_refused(client.post(url, json={"decision": "maybe"}, headers=OPERATOR), 422, "decision")
    assert_refused(client.post(url, json={}, headers=OPERATOR), 422, "decision")
    assert_refused(client.post(url, json={"decision": "approve", "note": "长" * 1001}, headers=OPERATOR), 422, "note")
    assert_refused(client.get("/v1/admin/reviews", params={"status": "pending"}, headers=OPERATOR), 422, "status")
    assert client.post("/v1/opportunities/99999/review", json={"decision": "approve"},
                       headers=OPERATOR).status_code == 404
    stale = client.post(url, json={"decision": "approve"}, headers={**OPERATOR, "If-Match": '"7"'})
    assert stale.status_code == 409
    assert client.get(f"/v1/opportunities/{posting['id']}", headers=SEEKER).status_code == 404


def test_decisions_are_audited(client: TestClient) -> None:
    posting = _held(client)
    assert client.post(f"/v1/opportunities/{posting['id']}/review", json={"decision": "approve"},
                       headers=OPERATOR).status_code == 200
    log = client.get("/v1/admin/audit", params={"record_type": "opportunity", "record_id": posting["id"]},
                     headers=OPERATOR).json()["items"]
    assert [(row["action"], row["actor"]) for row in log] == [("approve", "op-review"),
                                                              ("create", JobsClient.ENTERPRISE)]


def test_a_training_need_shares_the_verdict_on_its_class(client: TestClient) -> None:
    owner = bearer("enterprise", "ent-need", org=factories.training_need()["enterprise"])
    need = created(client.post("/v1/training-needs", json=factories.training_need(
        description="定向培养数据标注员，仅限女性，年龄18-25岁。"), headers=owner))
    assert need["need"]["review"]["status"] == need["training_class"]["review"]["status"] == "held"
    need_url = f"/v1/training-needs/{need['need']['id']}"
    assert client.get(need_url, headers=SERVICE).status_code == 404
    assert client.get(need_url, headers=owner).json()["review"]["status"] == "held"
    class_id = need["training_class"]["id"]
    assert client.post(f"/v1/opportunities/{class_id}/review", json={"decision": "approve"},
                       headers=OPERATOR).status_code == 200
    shown = client.get(need_url, headers=OPERATOR).json()["review"]
    assert (shown["status"], shown["reviewed_by"]) == ("published", "op-review")
    assert client.get(need_url, headers=SERVICE).json()["review"] is None


@pytest.mark.parametrize("seed", [2024, 7, 99])
def test_the_demo_data_states_no_barred_requirement(seed: int) -> None:
    generator = DemoGenerator(seed=seed)
    bodies = generator.opportunities(600)
    flagged = [(body["title"], flags_of(CREATE_ADAPTER.validate_python(body))) for body in bodies]
    assert [item for item in flagged if item[1]] == []
