"""Events on the real broker: order and versions per profile, no contact data, outbox while it is down."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from kafka.consumer.fetcher import ConsumerRecord

from services.profiles.main import create_app
from services.profiles.settings import ProfilesSettings
from shared.events.contracts import ProfileDeletedV1, ProfileUpsertedV1, decode_event
from talentmatch.embedded import free_port, start_broker
from tests.auth import SECRET, ProfilesClient
from tests.events import record_event
from tests.migrations.support import migrated
from tests.profiles.helpers import CONTACT, profile_body, profiles_topic, read_topic, wait_for


def _keyed(records: list[ConsumerRecord], key: int) -> list[ConsumerRecord]:
    return [r for r in records if r.key == str(key).encode()]


def test_each_write_publishes_one_event_in_order(client: ProfilesClient, settings: ProfilesSettings,
                                                  bootstrap: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    other = client.post("/v1/profiles", json=profile_body(display_name="李雷")).json()
    created = client.post("/v1/profiles", json=profile_body()).json()
    url = f"/v1/profiles/{created['id']}"
    assert client.patch(url, json={"skills": ["Python", "Flink"]}).status_code == 200
    assert client.patch(url, json={"open_to_work": False, "phone": "13900001111"}).status_code == 200
    assert client.delete(url).status_code == 204

    records = read_topic(
        bootstrap, profiles_topic(settings.topic_namespace),
        until=lambda rs: len(_keyed(rs, created["id"])) >= 4 and bool(_keyed(rs, other["id"])),
    )
    mine = _keyed(records, created["id"])
    events = [record_event(r.value) for r in mine]
    assert [type(e) for e in events] == [ProfileUpsertedV1] * 3 + [ProfileDeletedV1]
    assert [e.record_version for e in events] == [1, 2, 3, 4]
    assert {e.record_id for e in events} == {created["id"]}
    assert {e.owner_id for e in events} == {client.owners[created["id"]]}, "every event names the owner"
    assert len({r.partition for r in mine}) == 1, "one key, one partition: the order holds"
    first, second, third = (e for e in events if isinstance(e, ProfileUpsertedV1))
    assert first.profile.city == "杭州市" and first.profile.skills == ["Python", "机器学习", "数据治理"]
    assert second.profile.skills == ["Python", "Flink"]
    assert third.profile.open_to_work is False

    contact = [*CONTACT.values(), "13900001111"]
    for record in records:
        for value in contact:
            assert value.encode() not in record.value and value.encode() not in (record.key or b"")
    for value in contact:
        assert value not in caplog.text
    wait_for(lambda: client.get("/readyz").json()["outbox_pending"] == 0, what="outbox drained")


def test_writes_succeed_while_the_broker_is_down(database_url: str, topic_suffix: str, redis_url: str,
                                                 tmp_path: Path) -> None:
    port = free_port()
    settings = ProfilesSettings(database_url=migrated(database_url, "profiles"),
                                kafka_bootstrap_servers=f"127.0.0.1:{port}",
                                topic_namespace=topic_suffix, redis_url=redis_url, auth_secret=SECRET)
    with ProfilesClient(create_app(settings)) as client:
        response = client.post("/v1/profiles", json=profile_body())
        assert response.status_code == 201, response.text
        profile_id = response.json()["id"]
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["outbox_pending"] > 0

        broker = start_broker(port=port, log_dir=tmp_path)
        try:
            records = read_topic(f"127.0.0.1:{port}", profiles_topic(topic_suffix),
                                 until=lambda rs: bool(_keyed(rs, profile_id)))
            event = decode_event(_keyed(records, profile_id)[0].value)
            assert isinstance(event, ProfileUpsertedV1) and event.record_version == 1
            wait_for(lambda: client.get("/readyz").json()["outbox_pending"] == 0, what="outbox drained")
        finally:
            broker.stop()


def test_republish_enqueues_the_current_version_of_every_stored_profile(
        client: ProfilesClient, settings: ProfilesSettings, bootstrap: str) -> None:
    kept = client.post("/v1/profiles", json=profile_body()).json()
    assert client.patch(f"/v1/profiles/{kept['id']}", json={"years_experience": 4}).status_code == 200
    gone = client.post("/v1/profiles", json=profile_body(display_name="李雷")).json()
    assert client.delete(f"/v1/profiles/{gone['id']}").status_code == 204

    response = client.post("/v1/admin/republish")
    assert response.status_code == 202 and response.json() == {"enqueued": 1}

    records = read_topic(bootstrap, profiles_topic(settings.topic_namespace),
                         until=lambda rs: len(_keyed(rs, kept["id"])) >= 3)
    versions = [record_event(r.value).record_version for r in _keyed(records, kept["id"])]
    assert versions == [1, 2, 2], "the republished event repeats the current version"
    assert len(_keyed(records, gone["id"])) == 2, "a deleted profile is not republished"
