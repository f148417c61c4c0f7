"""Every application status change is kept (who moved it from what to what, when) in the transaction that
makes it, and a re-publish after a lost broker log sends each change again as first sent: figures rebuilt
from the re-published events alone equal the figures before, and counting both changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from services.jobs import application_queries as queries
from services.jobs.main import create_app
from services.jobs.models import Application
from services.jobs.settings import JobsSettings
from services.matching.metrics.figures import compute_figures
from services.matching.metrics.filters import Filters
from services.matching.metrics.schemas import Figures
from services.matching.metrics.store import FiguresStore
from shared.background import utc_now
from shared.db import make_engine, make_session_factory
from shared.events.contracts import ApplicationChangedV1, decode_event
from shared.events.topics import APPLICATIONS, OPPORTUNITIES, topic_name
from shared.migrations import upgrade
from tests.auth import bearer
from tests.jobs import factories
from tests.jobs.helpers import created
from tests.jobs.profiles import ProfileBook
from tests.matching.kafka_helpers import read_all

POSTING_ORG = factories.job_posting()["organization"]
CLASS_ORG = factories.training_class()["organization"]
ENT = bearer("enterprise", "ent-h1", org=POSTING_ORG)
SCHOOL = bearer("enterprise", "ent-h2", org=CLASS_ORG)
OPERATOR = bearer("operator", "op-h1")
# 4 changes of the job application, 2 of each enrolment (enrolled, withdrawn / waitlisted, promoted)
CHANGES, OPPORTUNITIES_POSTED = 8, 2


@pytest.fixture
def app_client(settings: JobsSettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def _apply(client: TestClient, profiles: ProfileBook, opportunity_id: int, seeker: str) -> dict[str, Any]:
    return created(client.post(f"/v1/opportunities/{opportunity_id}/applications",
                               json={"profile_id": profiles.of(seeker)}, headers=bearer("seeker", seeker)))


def _move(client: TestClient, application: dict[str, Any], status: str, headers: dict[str, str]) -> None:
    moved = client.patch(f"/v1/applications/{application['id']}", json={"status": status}, headers=headers)
    assert moved.status_code == 200, moved.text


def _events(bootstrap: str, namespace: str, *, opportunities: int, changes: int) -> list[Any]:
    records = [*read_all(bootstrap, topic_name(OPPORTUNITIES, namespace), expected=opportunities, timeout=30),
               *read_all(bootstrap, topic_name(APPLICATIONS, namespace), expected=changes, timeout=30)]
    return [decode_event(r.value) for r in records]


def _figures(events: list[Any]) -> Figures:
    store = FiguresStore()
    store.apply(events)
    return compute_figures(store.snapshot(), Filters(window=None, window_label="all"),
                           now=utc_now() + timedelta(minutes=1), coverage_threshold=0.5)


def test_republish_sends_every_status_change_and_rebuilds_the_same_figures(
        app_client: TestClient, settings: JobsSettings, profiles: ProfileBook, bootstrap: str,
        topic_suffix: str) -> None:
    posting = created(app_client.post("/v1/opportunities", json=factories.job_posting(), headers=ENT))
    training = created(app_client.post("/v1/opportunities", json=factories.training_class(seats=1, committed_hires=1),
                                       headers=SCHOOL))
    job = _apply(app_client, profiles, posting["id"], "seeker-h1")
    for status in ("interviewing", "offered", "hired"):
        _move(app_client, job, status, ENT)
    seated = _apply(app_client, profiles, training["id"], "seeker-h2")
    waiting = _apply(app_client, profiles, training["id"], "seeker-h3")
    _move(app_client, seated, "withdrawn", bearer("seeker", "seeker-h2"))  # the waiting seeker is promoted

    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        kept = {a["id"]: [(c.version, c.from_status, c.to_status, c.actor)
                          for c in queries.changes_of(session, a["id"])] for a in (job, seated, waiting)}
    engine.dispose()
    assert kept == {
        job["id"]: [(1, None, "received", "seeker-h1"), (2, "received", "interviewing", "ent-h1"),
                    (3, "interviewing", "offered", "ent-h1"), (4, "offered", "hired", "ent-h1")],
        seated["id"]: [(1, None, "enrolled", "seeker-h2"), (2, "enrolled", "withdrawn", "seeker-h2")],
        waiting["id"]: [(1, None, "waitlisted", "seeker-h3"), (2, "waitlisted", "enrolled", "seeker-h2")],
    }

    first = _events(bootstrap, topic_suffix, opportunities=OPPORTUNITIES_POSTED, changes=CHANGES)
    assert len(first) == OPPORTUNITIES_POSTED + CHANGES
    republished = app_client.post("/v1/admin/republish", headers=OPERATOR)
    assert republished.status_code == 202 and republished.json() == {"enqueued": OPPORTUNITIES_POSTED + CHANGES}
    both = _events(bootstrap, topic_suffix, opportunities=2 * OPPORTUNITIES_POSTED, changes=2 * CHANGES)
    firsts = {e.event_id for e in first}
    replayed = [e for e in both if e.event_id not in firsts]

    def changes(events: list[Any]) -> set[tuple[Any, ...]]:
        return {(e.record_id, e.record_version, e.owner_id, e.occurred_at, e.application)
                for e in events if isinstance(e, ApplicationChangedV1)}

    assert len(changes(first)) == CHANGES and changes(replayed) == changes(first)
    before = _figures(first)
    assert before.volumes.feedback_by_action["interviewed"] == 1 and before.volumes.feedback_by_action["hired"] == 1
    assert _figures(replayed) == before  # a consumer that lost everything rebuilds the same figures
    assert _figures(both) == before  # and one that kept them counts nothing twice


def test_applications_made_before_the_history_get_their_current_status_as_history(database_url: str) -> None:
    upgrade(database_url, "services.jobs", revision="jobs_0004")
    engine = make_engine(database_url)
    made = datetime(2026, 11, 30, 8, 30, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(Application).values(
            opportunity_id=3, opportunity_kind="job_posting", opportunity_owner="ent-h9", seeker="seeker-h9",
            talent_id=9, status="interviewing", note="", version=2, created_at=made, updated_at=made))
    upgrade(database_url, "services.jobs")
    with make_session_factory(engine)() as session:
        kept = [(c.version, c.from_status, c.to_status, c.actor, c.at.replace(tzinfo=UTC) if c.at.tzinfo is None
                 else c.at) for c in queries.changes_of(session, 1)]
    engine.dispose()
    assert kept == [(2, None, "interviewing", None, made)]
