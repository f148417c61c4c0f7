"""Applications are the one source of applied / enrolled / interviewed / hired: the figures count the jobs
service's ``application.changed`` events, once each, and a hire made through the jobs API shows in
``GET /v1/operator/metrics`` (real broker, both services)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from kafka import TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from services.jobs.main import create_app as create_jobs_app
from services.jobs.settings import JobsSettings
from services.matching.metrics.figures import compute_figures
from services.matching.metrics.filters import Filters
from services.matching.metrics.store import FiguresStore
from services.matching.routing import route
from shared.events.contracts import ApplicationChangedV1, ApplicationSnapshot, ApplicationStatus, encode_event
from shared.events.topics import APPLICATIONS, FEEDBACK, topic_name
from shared.events.vocabulary import OpportunityKind
from tests.auth import SECRET, bearer
from tests.jobs import factories
from tests.jobs.profiles import running_profiles
from tests.matching.factories import profile, profile_deleted
from tests.matching.kafka_helpers import wait_for
from tests.migrations.support import migrated

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _change(application: int, version: int, status: ApplicationStatus, *, talent: int = 1,
            kind: OpportunityKind = OpportunityKind.JOB_POSTING) -> ApplicationChangedV1:
    return ApplicationChangedV1(record_id=application, record_version=version, owner_id=f"seeker-p{talent}",
                                occurred_at=AT, application=ApplicationSnapshot(
                                    opportunity_id=10, opportunity_kind=kind, talent_id=talent, status=status))


def _by_action(store: FiguresStore) -> dict[str, int]:
    figures = compute_figures(store.snapshot(), Filters(), now=AT, coverage_threshold=0.5)
    counts: dict[str, int] = figures.volumes.feedback_by_action
    return counts


def test_each_funnel_status_counts_once_and_the_others_not_at_all() -> None:
    store = FiguresStore()
    store.apply([profile(1), profile(2)])
    pipeline = [_change(5, 1, ApplicationStatus.RECEIVED), _change(5, 2, ApplicationStatus.INTERVIEWING),
                _change(5, 3, ApplicationStatus.OFFERED), _change(5, 4, ApplicationStatus.HIRED),
                _change(6, 1, ApplicationStatus.WAITLISTED, talent=2, kind=OpportunityKind.TRAINING_CLASS),
                _change(6, 2, ApplicationStatus.ENROLLED, talent=2, kind=OpportunityKind.TRAINING_CLASS),
                _change(6, 3, ApplicationStatus.WITHDRAWN, talent=2, kind=OpportunityKind.TRAINING_CLASS)]
    store.apply(pipeline)
    store.apply(pipeline)  # a replay: nothing twice
    counts = _by_action(store)
    assert {a: counts[a] for a in ("applied", "enrolled", "interviewed", "hired")} == {
        "applied": 1, "enrolled": 1, "interviewed": 1, "hired": 1}
    store.apply([profile_deleted(1, 2)])  # an erased seeker takes their facts along
    assert _by_action(store)["hired"] == 0 and _by_action(store)["enrolled"] == 1


def test_the_router_sends_applications_to_the_figures_only() -> None:
    tp = TopicPartition(topic_name(APPLICATIONS, "ns"), 0)
    change = _change(5, 1, ApplicationStatus.RECEIVED)
    records = [ConsumerRecord(tp.topic, 0, -1, 0, 0, 0, b"5", encode_event(change), [], None, -1, -1, -1)]
    routed = route({tp: records}, namespace="ns")
    assert routed.events == [] and routed.decoded == [(tp.topic, change)] and routed.poison == []
    wrong = TopicPartition(topic_name(FEEDBACK, "ns"), 0)
    misplaced = route({wrong: [ConsumerRecord(wrong.topic, 0, -1, 0, 0, 0, b"5", encode_event(change), [], None,
                                              -1, -1, -1)]}, namespace="ns")
    assert len(misplaced.poison) == 1 and "does not belong" in misplaced.poison[0][1]


def _metrics(client: TestClient, operator: dict[str, str]) -> dict[str, Any]:
    answer = client.get("/v1/operator/metrics", headers=operator)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_a_hire_through_the_jobs_api_raises_the_operators_hire_count(
        client: TestClient, operator: dict[str, str], database_url: str, bootstrap: str, redis_url: str,
        topic_suffix: str, tmp_path: Path) -> None:
    before = _metrics(client, operator)["volumes"]["feedback_by_action"]
    ent = bearer("enterprise", "ent-p1", org=factories.job_posting()["organization"])
    with running_profiles(tmp_path, bootstrap=bootstrap, redis_url=redis_url) as profiles:
        settings = JobsSettings(database_url=migrated(database_url, "jobs"), kafka_bootstrap_servers=bootstrap,
                                redis_url=redis_url, topic_namespace=topic_suffix, auth_secret=SECRET,
                                profiles_url=profiles.base_url)
        with TestClient(create_jobs_app(settings)) as jobs:
            posting = jobs.post("/v1/opportunities", json=factories.job_posting(), headers=ent).json()
            applied = jobs.post(f"/v1/opportunities/{posting['id']}/applications",
                                json={"profile_id": profiles.of("seeker-p7")}, headers=bearer("seeker", "seeker-p7"))
            assert applied.status_code == 201, applied.text
            for status in ("interviewing", "offered", "hired"):
                moved = jobs.patch(f"/v1/applications/{applied.json()['id']}", json={"status": status},
                                   headers=ent)
                assert moved.status_code == 200, moved.text

            def counted() -> bool:
                hired = _metrics(client, operator)["volumes"]["feedback_by_action"]["hired"]
                return bool(hired == before["hired"] + 1)

            wait_for(counted, what="the hire in the operator figures")
    after = _metrics(client, operator)["volumes"]["feedback_by_action"]
    assert {a: after[a] - before[a] for a in ("applied", "enrolled", "interviewed", "hired")} == {
        "applied": 1, "enrolled": 0, "interviewed": 1, "hired": 1}
