"""Training needs: an enterprise's request opens a class for enrolment, with its event, in one step."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from shared.events.contracts import OpportunityUpsertedV1
from shared.events.vocabulary import TrainingMode
from tests.jobs import factories
from tests.jobs.helpers import assert_refused, created
from tests.jobs.topic_reader import read_events


def test_training_need_opens_a_custom_class_and_emits_its_event(client: TestClient, bootstrap: str,
                                                                  topic: str) -> None:
    body = factories.training_need()
    result = created(client.post("/v1/training-needs", json=body))
    need, training_class = result["need"], result["training_class"]

    assert need["status"] == "open"
    assert need["training_class_id"] == training_class["id"]
    assert (need["city"], need["training_mode"]) == ("杭州市", "custom")
    assert training_class["title"] == need["title"] == "杭州智算人工智能科技有限公司数字技能订制班"
    assert training_class["kind"] == "training_class"
    assert training_class["training_mode"] == "custom"
    assert training_class["hiring_commitment"] is False
    assert training_class["sponsor"] == training_class["organization"] == body["enterprise"]
    assert (training_class["seats"], training_class["open"]) == (30, True)
    assert training_class["closes_on"] == body["deadline"]
    assert training_class["skills"] == body["skills"]
    assert training_class["target_occupations"] == body["target_occupations"]

    assert client.get(f"/v1/training-needs/{need['id']}").json() == need
    assert client.get(f"/v1/opportunities/{training_class['id']}").json() == training_class
    listed = client.get("/v1/opportunities", params={"training_mode": "custom", "open": True}).json()
    assert [item["id"] for item in listed["items"]] == [training_class["id"]]

    events = read_events(bootstrap, topic, until=lambda received: len(received) >= 1)
    assert len(events) == 1
    event = events[0].event
    assert isinstance(event, OpportunityUpsertedV1)
    assert (events[0].key, event.record_id, event.record_version) == (str(training_class["id"]),
                                                                       training_class["id"], 1)
    assert event.opportunity.training_mode is TrainingMode.CUSTOM
    assert (event.opportunity.seats, event.opportunity.open) == (30, True)
    assert event.opportunity.closes_on is not None
    assert event.opportunity.closes_on.isoformat() == body["deadline"]


def test_order_based_need_commits_the_sponsor_to_hire(client: TestClient) -> None:
    result = created(client.post("/v1/training-needs", json=factories.training_need(
        enterprise="杭州海康智造科技有限公司", training_mode="order_based", headcount=40,
        skills=["工业互联网", "PLC", "边缘计算"], target_occupations=["2-02-38-06"])))
    training_class = result["training_class"]
    assert training_class["title"] == "杭州海康智造科技有限公司数字技能订单班"
    assert (training_class["training_mode"], training_class["hiring_commitment"]) == ("order_based", True)
    assert training_class["seats"] == 40


def test_explicit_title_and_deleted_class(client: TestClient) -> None:
    body = factories.training_need(title="大模型应用开发订制班")
    result = created(client.post("/v1/training-needs", json=body))
    assert result["training_class"]["title"] == result["need"]["title"] == "大模型应用开发订制班"
    class_url = f"/v1/opportunities/{result['training_class']['id']}"
    assert client.delete(class_url).status_code == 204
    need = client.get(f"/v1/training-needs/{result['need']['id']}").json()
    assert need["training_class_id"] is None


def test_invalid_training_needs_are_refused_and_store_nothing(client: TestClient) -> None:
    yesterday = (factories.TODAY - timedelta(days=2)).isoformat()
    cases = [
        (factories.training_need(deadline=yesterday), "deadline"),
        (factories.training_need(skills=[]), "skills"),
        (factories.training_need(headcount=0), "headcount"),
        (factories.training_need(city="亚特兰蒂斯"), "city"),
        (factories.training_need(target_occupations=["1-23"]), "target_occupations"),
        (factories.training_need(training_mode="bootcamp"), "training_mode"),
        (factories.training_need(budget=100000), "budget"),
        (factories.training_need(id=1), "id"),
    ]
    for body, field in cases:
        assert_refused(client.post("/v1/training-needs", json=body), 422, field)
    assert client.get("/v1/opportunities").json()["total"] == 0
    assert client.get("/v1/training-needs/1").status_code == 404
