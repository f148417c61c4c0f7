"""Writes while the broker is down, delivered once it is up; records that survive a restart."""

from __future__ import annotations

import time
from pathlib import Path

from services.jobs.main import create_app
from services.jobs.settings import JobsSettings
from shared.events.contracts import OpportunityUpsertedV1
from shared.events.topics import OPPORTUNITIES, topic_name
from talentmatch.embedded import free_port, start_broker
from tests.auth import SECRET, JobsClient
from tests.jobs import factories
from tests.jobs.helpers import created
from tests.jobs.topic_reader import read_events
from tests.migrations.support import migrated


def test_writes_succeed_while_the_broker_is_down_and_events_follow(tmp_path: Path, topic_suffix: str,
                                                                    redis_url: str) -> None:
    port = free_port()
    bootstrap = f"127.0.0.1:{port}"
    settings = JobsSettings(database_url=migrated(f"sqlite:///{tmp_path / 'jobs.db'}", "jobs"),
                            kafka_bootstrap_servers=bootstrap, topic_namespace=topic_suffix,
                            topic_retry_seconds=0.2, redis_url=redis_url, auth_secret=SECRET)
    broker = None
    try:
        with JobsClient(create_app(settings)) as client:
            posting = created(client.post("/v1/opportunities", json=factories.job_posting()))
            url = f"/v1/opportunities/{posting['id']}"
            assert client.patch(url, json={"openings": 8}).status_code == 200
            ready = client.get("/readyz")
            assert ready.status_code == 200
            assert ready.json()["outbox_pending"] == 2
            assert ready.json()["broker"].startswith("waiting")

            broker = start_broker(port=port, log_dir=tmp_path / "broker")
            events = read_events(bootstrap, topic_name(OPPORTUNITIES, topic_suffix),
                                 until=lambda received: len(received) >= 2, timeout=45)
            assert [(item.key, item.record.record_version) for item in events] == [(str(posting["id"]), 1),
                                                                                  (str(posting["id"]), 2)]
            assert all(isinstance(item.event, OpportunityUpsertedV1) for item in events)

            deadline = time.monotonic() + 15
            while client.get("/readyz").json()["outbox_pending"] and time.monotonic() < deadline:
                time.sleep(0.05)  # the relay marks rows published right after the broker's ack
            assert client.get("/readyz").json() | {"ready": True} == {"ready": True, "database": "ok",
                                                                      "outbox_pending": 0, "broker": "ok"}
    finally:
        if broker is not None:
            broker.stop()


def test_records_survive_a_restart(tmp_path: Path, bootstrap: str, topic_suffix: str, redis_url: str) -> None:
    settings = JobsSettings(database_url=migrated(f"sqlite:///{tmp_path / 'jobs.db'}", "jobs"),
                            kafka_bootstrap_servers=bootstrap, topic_namespace=topic_suffix,
                            redis_url=redis_url, auth_secret=SECRET)
    with JobsClient(create_app(settings)) as client:
        kept = created(client.post("/v1/opportunities", json=factories.industrial_park()))
        dropped = created(client.post("/v1/opportunities", json=factories.incubator_program()))
        need = created(client.post("/v1/training-needs", json=factories.training_need()))["need"]
        assert client.delete(f"/v1/opportunities/{dropped['id']}").status_code == 204

    with JobsClient(create_app(settings)) as client:
        assert client.get(f"/v1/opportunities/{kept['id']}").json() == kept
        assert client.get(f"/v1/training-needs/{need['id']}").json() == need
        assert client.get("/v1/opportunities").json()["total"] == 2
        updated = client.patch(f"/v1/opportunities/{kept['id']}", json={"park_level": "国家级"})
        assert updated.json()["version"] == 2
        fresh = created(client.post("/v1/opportunities", json=factories.job_posting()))
        assert fresh["id"] > need["training_class_id"] > dropped["id"]  # ids are never reused
