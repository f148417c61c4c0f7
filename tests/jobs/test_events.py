"""Events reach the real broker in write order: per key, versions increase and a delete comes last."""

from __future__ import annotations

from fastapi.testclient import TestClient

from shared.events.contracts import OpportunityDeletedV1, OpportunityUpsertedV1
from tests.auth import JobsClient
from tests.jobs import factories
from tests.jobs.helpers import created
from tests.jobs.topic_reader import Received, read_events


def _by_key(received: list[Received]) -> dict[str, list[Received]]:
    grouped: dict[str, list[Received]] = {}
    for item in received:
        grouped.setdefault(item.key, []).append(item)
    return grouped


def test_every_write_emits_one_event_in_order(client: TestClient, bootstrap: str, topic: str) -> None:
    posting = created(client.post("/v1/opportunities", json=factories.job_posting()))
    order_class = created(client.post("/v1/opportunities", json=factories.training_class()))
    posting_url, class_url = (f"/v1/opportunities/{o['id']}" for o in (posting, order_class))
    assert client.patch(posting_url, json={"salary_max": 30000}).status_code == 200
    assert client.patch(posting_url, json={"salary_min": 40000}).status_code == 422  # refused: no event
    assert client.patch(class_url, json={"open": False}).status_code == 200
    assert client.patch(posting_url, json={"openings": 6}).status_code == 200
    assert client.patch(posting_url, json={"openings": 6}).status_code == 200  # no change: no event
    assert client.delete(posting_url).status_code == 204
    posting_key, class_key = str(posting["id"]), str(order_class["id"])

    def complete(received: list[Received]) -> bool:
        grouped = _by_key(received)
        return len(grouped.get(posting_key, [])) >= 4 and len(grouped.get(class_key, [])) >= 2

    grouped = _by_key(read_events(bootstrap, topic, until=complete))
    assert set(grouped) == {posting_key, class_key}

    posting_events = grouped[posting_key]
    assert len({item.partition for item in posting_events}) == 1
    assert [item.record.record_version for item in posting_events] == [1, 2, 3, 4]
    assert {item.record.owner_id for item in posting_events} == {JobsClient.ENTERPRISE}, "events name the owner"
    kinds = [type(item.event) for item in posting_events]
    assert kinds == [OpportunityUpsertedV1] * 3 + [OpportunityDeletedV1]
    first, latest = posting_events[0].event, posting_events[2].event
    assert isinstance(first, OpportunityUpsertedV1) and isinstance(latest, OpportunityUpsertedV1)
    assert first.opportunity.city == "杭州市"
    assert first.opportunity.skills == ["Python", "Flink", "Spark", "数据治理"]
    assert first.opportunity.details["salary_max"] == 25000
    assert latest.opportunity.details["salary_max"] == 30000
    assert latest.opportunity.details["openings"] == 6
    assert latest.opportunity.details["occupation_code"] == "2-02-38-03"

    class_events = [item.record for item in grouped[class_key]]
    assert [event.record_version for event in class_events] == [1, 2]
    opened, closed = class_events
    assert isinstance(opened, OpportunityUpsertedV1) and isinstance(closed, OpportunityUpsertedV1)
    assert opened.opportunity.training_mode == "order_based"
    assert opened.opportunity.hiring_commitment is True
    assert opened.opportunity.seats == 40
    assert opened.opportunity.details["committed_hires"] == 32
    assert (opened.opportunity.open, closed.opportunity.open) == (True, False)

    ready = client.get("/readyz").json()
    assert ready["outbox_pending"] == 0


def test_republish_enqueues_the_current_version_of_every_stored_opportunity(
        client: TestClient, bootstrap: str, topic: str) -> None:
    kept = created(client.post("/v1/opportunities", json=factories.job_posting()))
    assert client.patch(f"/v1/opportunities/{kept['id']}", json={"openings": 9}).status_code == 200
    gone = created(client.post("/v1/opportunities", json=factories.training_class()))
    assert client.delete(f"/v1/opportunities/{gone['id']}").status_code == 204

    response = client.post("/v1/admin/republish")
    assert response.status_code == 202 and response.json() == {"enqueued": 1}

    grouped = _by_key(read_events(bootstrap, topic,
                                  until=lambda rs: len(_by_key(rs).get(str(kept["id"]), [])) >= 3))
    assert [item.record.record_version for item in grouped[str(kept["id"])]] == [1, 2, 2]
    assert len(grouped[str(gone["id"])]) == 2, "a deleted opportunity is not republished"
