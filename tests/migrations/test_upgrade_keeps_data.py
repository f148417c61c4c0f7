"""A release that changes a table upgrades a database filled by the release before without losing a row:
every record, outbox row (and so every event) and audit entry is still there, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from sqlalchemy import MetaData, inspect, select

import services.profiles.main as profiles_main
from services.jobs.main import create_app as create_jobs
from services.jobs.models import Base as JobsBase
from services.jobs.settings import JobsSettings
from services.profiles.main import create_app as create_profiles
from services.profiles.models import Base as ProfilesBase
from services.profiles.settings import ProfilesSettings
from shared.db import make_engine
from shared.events.topics import OPPORTUNITIES, PROFILES, topic_name
from shared.migrations import alembic_config, current_revision, head_revision, upgrade
from talentmatch.embedded import free_port
from tests.auth import SECRET, JobsClient, ProfilesClient
from tests.jobs import factories
from tests.jobs.topic_reader import read_events
from tests.profiles.helpers import profile_body, wait_for

Snapshot = dict[str, list[tuple[Any, ...]]]


# Columns the head added since jobs_0001: the earlier schema has none to compare.
REVIEW = {"review_status", "review_flags", "reviewed_by", "reviewed_at", "review_note"}
ADDED = {"outbox": {"traceparent"}, "opportunities": REVIEW, "training_needs": REVIEW}


def snapshot(database_url: str, metadata: MetaData) -> Snapshot:
    """Every row of every table the service owns, in id order."""
    engine = make_engine(database_url)
    try:
        existing = set(inspect(engine).get_table_names())  # a table the head added is not there before
        with engine.connect() as conn:
            return {table.name: [tuple(row) for row in conn.execute(
                        select(*(c for c in table.c if c.name not in ADDED.get(table.name, ()))).order_by(table.c.id))]
                    for table in metadata.sorted_tables if table.name in existing}
    finally:
        engine.dispose()


def previous_release(monkeypatch: pytest.MonkeyPatch, module: Any) -> None:
    """The release before this one: the same API, started on the schema it knew (no check of the head)."""
    monkeypatch.setattr(module, "check_at_head", lambda engine, package: None)


def test_jobs_at_the_previous_revision_upgrade_with_every_row_and_event(
        database_url: str, bootstrap: str, redis_url: str, topic_suffix: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # This release reads columns jobs_0001 lacks (the review state of jobs_0005), so it writes the rows at
    # the head and the schema is taken back to jobs_0001 (downgrades keep the rows) as that release left it.
    upgrade(database_url, "services.jobs")
    offline = JobsSettings(database_url=database_url, kafka_bootstrap_servers=f"127.0.0.1:{free_port()}",
                           redis_url=redis_url, topic_namespace=topic_suffix, auth_secret=SECRET)
    with JobsClient(create_jobs(offline)) as client:  # broker down: every event waits in the outbox
        ids = [client.post("/v1/opportunities", json=body).json()["id"]
               for body in (factories.job_posting(), factories.training_class(), factories.incubator_program(),
                            factories.industrial_park())]
        assert client.patch(f"/v1/opportunities/{ids[0]}", json={"openings": 9}).status_code == 200
        assert client.delete(f"/v1/opportunities/{ids[2]}").status_code == 204
        assert client.post("/v1/training-needs", json=factories.training_need()).status_code == 201
        listed = client.get("/v1/opportunities", params={"limit": 100}).json()
    command.downgrade(alembic_config(database_url, "services.jobs"), "jobs_0001")
    before = snapshot(database_url, JobsBase.metadata)
    assert len(before["outbox"]) >= 6 and all(row[-1] is None for row in before["outbox"])  # none published

    upgrade(database_url, "services.jobs")

    after = snapshot(database_url, JobsBase.metadata)
    assert {name: rows for name, rows in after.items() if name in before} == before
    assert all(not rows for name, rows in after.items() if name not in before), "added tables start empty"
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) == head_revision("services.jobs") == "jobs_0006"
    finally:
        engine.dispose()
    online = offline.model_copy(update={"kafka_bootstrap_servers": bootstrap})
    with JobsClient(create_jobs(online)) as client:  # this release starts, and publishes what was waiting
        assert client.get("/v1/opportunities", params={"limit": 100}).json() == listed
        assert client.get("/v1/opportunities", params={"open": True, "kind": "job_posting"}).json()["total"] == 1
        topic = topic_name(OPPORTUNITIES, topic_suffix)
        expected = [row[2] for row in before["outbox"] if row[1] == topic]  # (id, topic, key, ...)
        events = read_events(bootstrap, topic, until=lambda got: len(got) >= len(expected), timeout=45)
        assert sorted(item.key for item in events) == sorted(expected)


def test_a_database_from_before_migrations_is_adopted_and_keeps_its_rows(
        database_url: str, bootstrap: str, redis_url: str, topic_suffix: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(database_url)
    try:
        ProfilesBase.metadata.create_all(engine)  # what every release before migrations did at start
    finally:
        engine.dispose()
    settings = ProfilesSettings(database_url=database_url, kafka_bootstrap_servers=bootstrap, redis_url=redis_url,
                                topic_namespace=topic_suffix, auth_secret=SECRET)
    with monkeypatch.context() as patch:
        previous_release(patch, profiles_main)
        with ProfilesClient(create_profiles(settings)) as client:
            ids = [client.post("/v1/profiles", json=profile_body(display_name=name)).json()["id"]
                   for name in ("王敏", "李雷", "韩梅梅")]
            assert client.patch(f"/v1/profiles/{ids[1]}", json={"years_experience": 9}).status_code == 200
            wait_for(lambda: client.get("/readyz").json()["outbox_pending"] == 0, what="outbox drained")
            profiles = [client.get(f"/v1/profiles/{pid}").json() for pid in ids]
    before = snapshot(database_url, ProfilesBase.metadata)

    upgrade(database_url, "services.profiles")

    assert snapshot(database_url, ProfilesBase.metadata) == before
    with ProfilesClient(create_profiles(settings)) as client:
        client.owners = {pid: profile["owner"] for pid, profile in zip(ids, profiles, strict=True)}
        assert [client.get(f"/v1/profiles/{pid}").json() for pid in ids] == profiles
        republished = client.post("/v1/admin/republish")
        assert republished.status_code == 202, republished.text
        events = read_events(bootstrap, topic_name(PROFILES, topic_suffix),
                             until=lambda got: len(got) >= 4 + len(ids), timeout=45)
        assert {item.key for item in events} == {str(pid) for pid in ids}
