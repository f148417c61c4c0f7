"""Inviting from the shortlist against the real services: profiles and jobs as in the other portal tests, and
matching in-process (the model-free lexical encoder) fed by their events on the shared broker, so the shortlist
the portal checks is the one matching computes. The enterprise invites, the form's errors stand next to their
fields, a second invitation is 409, the seeker accepts one time and the enterprise then sees it and the contact
released; once the seeker deletes the account, the enterprise sees neither."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from services.jobs.main import create_app as create_jobs
from services.jobs.settings import JobsSettings
from services.matching.domain.encoders import HybridEncoder, LexicalEncoder
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.main import create_app as create_matching
from services.matching.settings import MatchingSettings
from services.portal.clients import Backends, Jobs, Matching, Profiles
from services.portal.invitations import BEIJING, Contact, Event, InvitationService
from services.portal.models import Account, Invitation
from services.portal.service import AccountService
from services.portal.settings import PortalSettings
from services.profiles.main import create_app as create_profiles
from services.profiles.settings import ProfilesSettings
from shared.crypto import DEVELOPMENT_CONTACT_KEY, ContactCipher
from shared.db import make_engine, make_session_factory
from shared.errors import NotFoundError
from shared.kafka import ensure_topics
from tests.auth import SECRET, token
from tests.matching.kafka_helpers import wait_for
from tests.migrations.support import migrated
from tests.portal.helpers import PASSWORD, Browser, field_error
from tests.portal.test_applications_pages import JOB
from tests.portal.test_invitation_access import seeker_with_profile
from tests.portal.test_pages import approved_enterprise

ORG = "杭州数澜科技有限公司"


@pytest.fixture
def backends(tmp_path: Path, bootstrap: str, redis_url: str, topic_suffix: str,
             occupation_normalizer: OccupationNormalizer) -> Iterator[Backends]:
    """The conftest's profiles and jobs, and matching reading their topics (instead of nothing listening)."""
    common: dict[str, Any] = {"kafka_bootstrap_servers": bootstrap, "redis_url": redis_url,
                              "topic_namespace": topic_suffix, "auth_secret": SECRET}
    ensure_topics(bootstrap, partitions=3, namespace=topic_suffix)
    profiles = TestClient(create_profiles(ProfilesSettings(
        database_url=migrated(f"sqlite:///{tmp_path}/profiles.db", "profiles"), **common)))
    jobs = TestClient(create_jobs(JobsSettings(database_url=migrated(f"sqlite:///{tmp_path}/jobs.db", "jobs"),
                                               **common)))
    encoder = HybridEncoder(dense=None, lexical=LexicalEncoder(1024), dense_weight=0.0, lexical_weight=1.0)
    matching = TestClient(create_matching(MatchingSettings(
        database_url=migrated(f"sqlite:///{tmp_path}/matching.db", "matching"), checkpoint_dir="",
        dense_weight=0.0, lexical_weight=1.0, evidence_similarity=0.0, **common),
        encoder=encoder, normalizer=occupation_normalizer))
    with profiles, jobs, matching:
        yield Backends(Profiles("profiles", profiles), Jobs("jobs", jobs), Matching("matching", matching))


def beijing(days: int, hour: int) -> str:
    """A time as a browser's ``datetime-local`` sends it."""
    day = datetime.now(BEIJING) + timedelta(days=days)
    return day.replace(hour=hour, minute=30).strftime("%Y-%m-%dT%H:%M")


def on_shortlist(backends: Backends, job_id: int, talent_id: int) -> bool:
    answer = backends.matching.shortlist(token("operator", "op-tests"), job_id, k=100)
    return any(item["id"] == talent_id for item in answer["items"])


def test_invite_from_the_shortlist_accept_and_see_the_contact(
        browser: Browser, accounts: AccountService, backends: Backends, app_client: TestClient,
        portal_settings: PortalSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    invitations: InvitationService = app_client.app.state.invitations  # type: ignore[attr-defined]
    events: list[str] = []  # what the notification hook was called with
    notify = invitations._notify  # the real hook still runs: the seeker's notice is checked below

    def recorded(invitation: Invitation, event: Event) -> None:
        events.append(event)
        notify(invitation, event)

    monkeypatch.setattr(invitations, "_notify", recorded)
    seeker = seeker_with_profile(browser, accounts, name="王敏")
    assert seeker.profile_id is not None
    talent = seeker.profile_id
    browser.logout()
    approved_enterprise(browser, accounts, "杭州云栖数字科技有限公司")  # another organization's account
    other_hr = accounts.enterprises(status="active")[-1].login
    browser.logout()
    approved_enterprise(browser, accounts, ORG)
    hr = accounts.enterprises(status="active")[-1].login
    created = browser.post("/enterprise/opportunities/new?kind=job_posting", JOB)
    assert created.status_code == 303, created.text
    job = int(created.headers["location"].split("/")[2].split("?")[0])
    wait_for(lambda: _shortlisted(backends, job, talent), timeout=60, what="the seeker on the job's shortlist")

    shortlist = browser.get(f"/enterprise/opportunities/{job}/shortlist").text
    invite_path = f"/enterprise/opportunities/{job}/talents/{talent}/invite"
    assert f'href="{invite_path}"' in shortlist and 'aria-label="邀请面试 王敏"' in shortlist
    form_page = browser.get(invite_path).text
    assert "王敏" in form_page and 'type="datetime-local"' in form_page and seeker.login not in form_page
    assert browser.get(f"/enterprise/opportunities/{job}/talents/999999/invite").status_code == 404

    good = {"message": "您好，您的 Python 与 Spark 经验和岗位很契合，诚邀您来面试。", "mode": "onsite",
            "place": "杭州市西湖区文三路 90 号 8 楼", "time_1": beijing(3, 10), "time_2": beijing(4, 14)}
    no_time = browser.post(invite_path, {**good, "time_1": "", "time_2": ""})
    assert no_time.status_code == 422 and "at least one" in str(field_error(no_time.text, "time_1"))
    assert good["message"] in no_time.text  # what was typed stays
    past = browser.post(invite_path, {**good, "time_2": beijing(-1, 9)})
    assert past.status_code == 422 and "passed" in str(field_error(past.text, "time_2"))
    long_message = browser.post(invite_path, {**good, "message": "诚" * 1001})
    assert long_message.status_code == 422 and "1000" in str(field_error(long_message.text, "message"))
    no_place = browser.post(invite_path, {**good, "place": ""})
    assert no_place.status_code == 422 and "address" in str(field_error(no_place.text, "place"))
    assert browser.client.post(invite_path, data=good, follow_redirects=False).status_code == 403  # no CSRF
    assert invitations.sent_by(accounts.enterprises(status="active")[-1].id) == []  # nothing stored so far

    sent = browser.post(invite_path, good)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/enterprise/invitations")
    duplicate = browser.post(invite_path, {**good, "time_1": beijing(5, 10)})
    assert duplicate.status_code == 409 and "already been invited" in duplicate.text
    listing = browser.get("/enterprise/invitations").text
    assert "王敏" in listing and "待答复" in listing and seeker.login not in listing
    assert "已邀请" in browser.get(f"/enterprise/opportunities/{job}/shortlist").text
    browser.logout()

    browser.login(other_hr)  # not its posting: not found, whichever talent
    assert browser.get(invite_path).status_code == 404
    assert browser.post(invite_path, good).status_code == 404
    browser.logout()

    browser.login(seeker.login)
    inbox = browser.get("/seeker/invitations").text
    assert ORG in inbox and "大数据开发工程师" in inbox and good["message"] in inbox and ">1</span>" in inbox
    invitation_id = invitations.received_by(talent)[0].id
    notices = browser.get("/notifications").text
    assert f"{ORG} 邀请您面试：大数据开发工程师" in notices and f"/seeker/invitations/{invitation_id}" in notices
    page = browser.get(f"/seeker/invitations/{invitation_id}").text
    assert beijing(4, 14).replace("T", " ") in page and f"手机号: {seeker.login}" in page
    accepted = browser.post(f"/seeker/invitations/{invitation_id}/accept",
                            {"time": "2", "release_name": "on", "release_phone": "on"})
    assert accepted.status_code == 303, accepted.text
    assert 'class="nav-count"' not in browser.get("/seeker/invitations").text
    assert events == ["sent", "accepted"]
    exported = browser.get("/account/export").json()["invitations"]
    assert exported[0]["released_contact"] == {"name": "王敏", "phone": seeker.login, "email": None}
    raw = _raw_contact(portal_settings.database_url, invitation_id)  # encrypted at rest, with profiles' key
    assert seeker.login not in str(raw) and str(raw["contact_phone"]).startswith("siv1:")
    assert ContactCipher(DEVELOPMENT_CONTACT_KEY).decrypt(raw["contact_phone"]) == seeker.login
    browser.logout()

    browser.login(hr)
    listing = browser.get("/enterprise/invitations").text
    assert "已接受" in listing and beijing(4, 14).replace("T", " ") in listing and seeker.login in listing
    assert browser.post(f"/enterprise/invitations/{invitation_id}/withdraw").status_code == 409
    browser.logout()
    browser.login(other_hr)
    assert seeker.login not in browser.get("/enterprise/invitations").text  # released to the inviter only
    browser.logout()

    browser.login(seeker.login)
    assert browser.post("/account/delete", {"password": PASSWORD}).status_code == 303
    browser.login(hr)
    listing = browser.get("/enterprise/invitations").text
    assert seeker.login not in listing and "王敏" not in listing
    assert invitations.received_by(talent) == []


def test_a_contact_stored_in_clear_before_encryption_is_encrypted_at_start(portal_settings: PortalSettings) -> None:
    """Rows accepted before releases were encrypted (portal_0003) are encrypted when the portal starts."""
    now = datetime.now(BEIJING)
    engine = make_engine(portal_settings.database_url)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        hr = Account(kind="enterprise", login="hr@shulan.example.cn", password_hash="-", status="active",
                     display_name="李娜", organization=ORG, created_at=now, updated_at=now)
        session.add(hr)
        session.flush()
        session.add(Invitation(enterprise_account_id=hr.id, organization=ORG, opportunity_id=8,
                               opportunity_title="数据分析师", talent_id=4242, talent_name="张伟", message="诚邀面试",
                               mode="video", place="腾讯会议", time_1=now + timedelta(days=2), status="accepted",
                               live=True, chosen_time=now + timedelta(days=2), decline_reason="", created_at=now,
                               contact_name="张伟", contact_phone="13812345678",
                               contact_email="zhangwei@example.com"))
    service = InvitationService(session_factory=sessions, cipher=ContactCipher(DEVELOPMENT_CONTACT_KEY))
    assert service.encrypt_stored_contacts() == 1
    assert service.encrypt_stored_contacts() == 0  # once only: ciphertext is never encrypted twice
    [stored] = service.received_by(4242)
    raw = _raw_contact(portal_settings.database_url, stored.id)
    assert "13812345678" not in str(raw) and "zhangwei@example.com" not in str(raw)
    assert service.contact(stored) == Contact(name="张伟", phone="13812345678", email="zhangwei@example.com")
    assert service.export(4242)[0]["released_contact"]["email"] == "zhangwei@example.com"
    engine.dispose()


def _raw_contact(database_url: str, invitation_id: int) -> dict[str, Any]:
    """The invitation's contact columns as the database holds them, read past the ORM."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            row = connection.execute(text("SELECT contact_name, contact_phone, contact_email FROM invitations "
                                          "WHERE id = :id"), {"id": invitation_id}).one()
    finally:
        engine.dispose()
    return dict(row._mapping)


def _shortlisted(backends: Backends, job: int, talent: int) -> bool:
    try:
        return on_shortlist(backends, job, talent)
    except NotFoundError:  # the job is not indexed yet
        return False
