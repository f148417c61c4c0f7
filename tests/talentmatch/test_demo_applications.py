"""The demo loader's applications go through the real jobs API: applications, enrolments and moves that the
operator figures will count (the same rules as any user: seekers apply, owning enterprises move)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from services.jobs.main import create_app
from services.jobs.settings import JobsSettings
from shared.auth import Role
from talentmatch.demo.applications import Posted, Seeker, drive_applications
from talentmatch.demo.generate import DemoGenerator
from talentmatch.demo.load import enterprise_subject
from tests.auth import SECRET, bearer
from tests.jobs.profiles import running_profiles
from tests.migrations.support import migrated


def _headers(role: Role, subject: str, org: str | None) -> dict[str, str]:
    return bearer(role, subject, org=org)


def test_the_demo_drives_applications_and_moves(database_url: str, bootstrap: str, redis_url: str,
                                                topic_suffix: str, tmp_path: Path) -> None:
    with running_profiles(tmp_path, bootstrap=bootstrap, redis_url=redis_url) as profiles:
        settings = JobsSettings(database_url=migrated(database_url, "jobs"), kafka_bootstrap_servers=bootstrap,
                                redis_url=redis_url, topic_namespace=topic_suffix, auth_secret=SECRET,
                                profiles_url=profiles.base_url)
        seekers = [Seeker(subject=f"seeker-{n}", profile_id=profiles.of(f"seeker-{n}")) for n in range(1, 41)]
        _drive(settings, seekers)


def _drive(settings: JobsSettings, seekers: list[Seeker]) -> None:
    with TestClient(create_app(settings)) as client:
        posted = []
        for body in DemoGenerator(seed=7).opportunities(30):
            body = {**body, "open": True, "closes_on": None}
            subject = enterprise_subject(body["organization"])
            answer = client.post("/v1/opportunities", json=body,
                                 headers=bearer("enterprise", subject, org=body["organization"]))
            assert answer.status_code == 201, answer.text
            posted.append(Posted(id=answer.json()["id"], kind=body["kind"], owner=subject,
                                 organization=body["organization"]))
        made = drive_applications(client, "", posted=posted, seekers=seekers, headers=_headers, seed=7)
        assert made == 80
        again = drive_applications(client, "", posted=posted, seekers=seekers, headers=_headers, seed=7)
        assert again == 0  # a forced reload applies nowhere twice
        listed = client.get("/v1/applications", params={"limit": 200}, headers=bearer("operator", "op-demo")).json()
        statuses = {item["status"] for item in listed["items"]}
        assert listed["total"] == 80 and {"received", "interviewing", "hired"} <= statuses
