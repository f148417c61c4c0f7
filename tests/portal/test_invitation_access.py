"""Interview invitations by role and owner, against the real profiles and jobs services: a seeker reads and
answers only invitations addressed to their own profile (anyone else's is 404), an enterprise withdraws only
its own, operators and pending enterprises invite nobody, every form needs its CSRF token, a bad answer is
shown next to its field. Invitations are seeded through the service here (test_invitations.py sends them
from the shortlist, with matching running)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.portal.invitations import Draft, InvitationService
from services.portal.models import Account, Invitation
from services.portal.service import AccountService
from services.portal.settings import PortalSettings
from shared.db import make_engine
from shared.errors import ConflictError
from tests.portal.helpers import PASSWORD, Browser, field_error
from tests.portal.test_pages import PROFILE, approved_enterprise

ORG = "杭州海康智造科技有限公司"
DRAFT = Draft(message="您好，我们对您的 Spark 经验很感兴趣，诚邀面试。", mode="video",
              place="腾讯会议，会前一天发送会议号",
              times=(datetime.now(UTC) + timedelta(days=2), datetime.now(UTC) + timedelta(days=3)))


@pytest.fixture
def invitations(app_client: TestClient) -> InvitationService:
    service: InvitationService = app_client.app.state.invitations  # type: ignore[attr-defined]
    return service


@pytest.fixture
def events(invitations: InvitationService, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str]]:
    """What the notification hook was called with."""
    seen: list[tuple[int, str]] = []
    monkeypatch.setattr(invitations, "_notify", lambda invitation, event: seen.append((invitation.id, event)))
    return seen


def seeker_with_profile(browser: Browser, accounts: AccountService, *, name: str) -> Account:
    login = browser.register_seeker(name=name)
    assert browser.post("/seeker/profile", {**PROFILE, "display_name": name}).status_code == 303
    account_id = browser.get("/account/export").json()["account"]["id"]
    account = accounts.get(account_id)
    assert account is not None and account.profile_id is not None and account.login == login
    return account


def enterprise(browser: Browser, accounts: AccountService, organization: str = ORG) -> Account:
    approved_enterprise(browser, accounts, organization)
    return accounts.enterprises(status="active")[-1]


def invite(invitations: InvitationService, hr: Account, seeker: Account, opportunity_id: int = 41) -> Invitation:
    assert seeker.profile_id is not None
    return invitations.send(enterprise=hr, opportunity_id=opportunity_id, opportunity_title="大数据开发工程师",
                            talent_id=seeker.profile_id, talent_name=seeker.display_name, draft=DRAFT)


def test_a_seeker_reads_and_answers_only_their_own_invitations(
        browser: Browser, accounts: AccountService, invitations: InvitationService,
        events: list[tuple[int, str]]) -> None:
    hr = enterprise(browser, accounts)
    browser.logout()
    other = seeker_with_profile(browser, accounts, name="陈静")
    browser.logout()
    mine = seeker_with_profile(browser, accounts, name="王敏")  # signed in from here on
    first, second = invite(invitations, hr, mine), invite(invitations, hr, mine, opportunity_id=42)
    theirs = invite(invitations, hr, other)
    assert events == [(first.id, "sent"), (second.id, "sent"), (theirs.id, "sent")]

    inbox = browser.get("/seeker/invitations").text
    assert 'class="nav-count"' in inbox and ">2</span>" in inbox  # the unanswered ones, in the navigation
    assert f"/seeker/invitations/{first.id}" in inbox and f"/seeker/invitations/{theirs.id}" not in inbox
    assert ORG in inbox and "腾讯会议" not in inbox
    for path in (f"/seeker/invitations/{theirs.id}", "/seeker/invitations/999999"):
        assert browser.get(path).status_code == 404
    for action in ("accept", "decline"):
        refused = browser.post(f"/seeker/invitations/{theirs.id}/{action}", {"time": "1", "release_phone": "on"})
        assert refused.status_code == 404, refused.text
    assert invitations.received(theirs.id, talent_id=other.profile_id).status == "sent"  # untouched

    page = browser.get(f"/seeker/invitations/{first.id}").text
    assert "腾讯会议" in page and f"手机号: {mine.login}" in page  # what would be released, stated
    english = browser.get(f"/seeker/invitations/{first.id}?lang=en").text
    assert "Contact details this organization will receive" in english and f"Phone: {mine.login}" in english
    browser.get("/seeker/invitations?lang=zh")
    assert browser.client.post(f"/seeker/invitations/{first.id}/decline", data={"reason": "已入职"},
                               follow_redirects=False).status_code == 403  # no CSRF token
    too_long = browser.post(f"/seeker/invitations/{first.id}/decline", {"reason": "不" * 301})
    assert too_long.status_code == 422 and "300" in str(field_error(too_long.text, "reason"))
    no_time = browser.post(f"/seeker/invitations/{first.id}/accept", {"release_phone": "on"})
    assert no_time.status_code == 422 and "choose one" in str(field_error(no_time.text, "time"))
    nothing_released = browser.post(f"/seeker/invitations/{first.id}/accept", {"time": "1", "release_name": "on"})
    assert nothing_released.status_code == 422
    assert "phone number or an e-mail" in str(field_error(nothing_released.text, "release"))

    declined = browser.post(f"/seeker/invitations/{first.id}/decline", {"reason": "已入职其他公司"})
    assert declined.status_code == 303
    assert browser.post(f"/seeker/invitations/{first.id}/accept",
                        {"time": "1", "release_phone": "on"}).status_code == 409  # answered already
    assert ">1</span>" in browser.get("/seeker/invitations").text
    assert events[-1] == (first.id, "declined")
    exported = browser.get("/account/export").json()["invitations"]
    assert {i["id"]: i["status"] for i in exported} == {first.id: "declined", second.id: "sent"}
    assert exported[-1]["decline_reason"] == "已入职其他公司" and exported[-1]["released_contact"] is None

    assert browser.get("/enterprise/invitations").status_code == 403  # a seeker is no enterprise
    assert browser.post(f"/enterprise/invitations/{second.id}/withdraw").status_code == 403


def test_an_enterprise_withdraws_only_its_own_unanswered_invitations(
        browser: Browser, accounts: AccountService, invitations: InvitationService,
        events: list[tuple[int, str]]) -> None:
    seeker = seeker_with_profile(browser, accounts, name="王敏")
    browser.logout()
    other_hr = enterprise(browser, accounts, "杭州云栖数字科技有限公司")
    browser.logout()
    hr = enterprise(browser, accounts)  # signed in from here on
    sent = invite(invitations, hr, seeker)
    foreign = invite(invitations, other_hr, seeker, opportunity_id=77)

    page = browser.get("/enterprise/invitations").text
    assert "王敏" in page and "待答复" in page and "大数据开发工程师" in page
    assert seeker.login not in page  # no contact before an acceptance
    assert f'data-invitation="{foreign.id}"' not in page
    assert browser.post(f"/enterprise/invitations/{foreign.id}/withdraw").status_code == 404
    assert browser.client.post(f"/enterprise/invitations/{sent.id}/withdraw",
                               follow_redirects=False).status_code == 403  # no CSRF token
    assert browser.post(f"/enterprise/invitations/{sent.id}/withdraw").status_code == 303
    assert "已撤回" in browser.get("/enterprise/invitations").text
    assert browser.post(f"/enterprise/invitations/{sent.id}/withdraw").status_code == 409
    assert (sent.id, "withdrawn") in events
    assert invitations.received(foreign.id, talent_id=seeker.profile_id).status == "sent"

    again = invite(invitations, hr, seeker)  # a withdrawn one is not live: the talent may be invited again
    with pytest.raises(ConflictError, match="already been invited"):
        invite(invitations, hr, seeker)
    assert again.status == "sent"
    assert browser.get("/seeker/invitations").status_code == 403  # an enterprise has no inbox


def test_operators_and_pending_enterprises_invite_nobody(browser: Browser, accounts: AccountService) -> None:
    form = {"message": "诚邀面试", "mode": "video", "time_1": "2030-03-01T10:00"}
    browser.register_enterprise("杭州待审科技有限公司")  # pending: signed in, not approved
    for path in ("/enterprise/opportunities/1/talents/1/invite", "/enterprise/invitations"):
        assert browser.get(path).status_code == 403
    refused = browser.post("/enterprise/opportunities/1/talents/1/invite", form)
    assert refused.status_code == 403 and "not approved" in refused.text
    browser.logout()
    accounts.create_operator(login="ops@example.com", password=PASSWORD)
    browser.login("ops@example.com")
    for path in ("/enterprise/opportunities/1/talents/1/invite", "/enterprise/invitations", "/seeker/invitations"):
        assert browser.get(path).status_code == 403
    assert browser.post("/enterprise/opportunities/1/talents/1/invite", form).status_code == 403


def test_the_database_keeps_one_live_invitation_per_opportunity_and_talent(
        portal_settings: PortalSettings, accounts: AccountService) -> None:
    """The unique key that decides two invitations sent at once: closed ones (live NULL) never collide."""
    owner = accounts.create_operator(login="ops@example.com", password=PASSWORD)  # any account row
    engine = make_engine(portal_settings.database_url)

    def row(live: bool | None) -> Invitation:
        return Invitation(enterprise_account_id=owner.id, organization=ORG, opportunity_id=5,
                          opportunity_title="大数据开发工程师", talent_id=9, talent_name="王敏", message="诚邀面试",
                          mode="video", place="", time_1=DRAFT.times[0], status="sent" if live else "declined",
                          live=live, decline_reason="", created_at=datetime.now(UTC))

    try:
        with Session(engine) as session, session.begin():
            session.add_all([row(None), row(None), row(True)])  # two closed and one live: allowed
        with pytest.raises(IntegrityError), Session(engine) as session, session.begin():
            session.add(row(True))
    finally:
        engine.dispose()
