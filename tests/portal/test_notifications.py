"""Notifications over the real broker: the portal's notifier reads the applications and opportunities topics
(the jobs service publishes to them), stores one in-app notice per event and seeker, dead-letters what it
cannot read, and shows each seeker their own notices. Matching's shortlist is a stand-in over HTTP
(``fake_matching.py``); the browser test runs the real one."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from kafka import KafkaConsumer

from services.portal.clients import Backends, Matching
from services.portal.main import create_app
from services.portal.notifier.service import NotificationService
from services.portal.service import AccountService
from services.portal.settings import PortalSettings
from shared.events.contracts import (
    ApplicationChangedV1,
    ApplicationSnapshot,
    ApplicationStatus,
    OpportunitySnapshot,
    OpportunityUpsertedV1,
    encode_event,
)
from shared.events.topics import APPLICATIONS, DEAD_LETTER, OPPORTUNITIES, topic_name
from shared.events.vocabulary import OpportunityKind
from shared.kafka import make_producer
from tests.auth import token
from tests.portal.fake_matching import FakeMatching, fake_matching
from tests.portal.helpers import PASSWORD, Browser
from tests.portal.test_applications_pages import JOB, _post, approved_enterprise_login
from tests.portal.test_pages import PROFILE

WAIT = 90.0  # a consumer group's first join and the jobs outbox relay, on a busy machine


@pytest.fixture
def matching() -> Iterator[FakeMatching]:
    with fake_matching() as fake:
        yield fake


@pytest.fixture
def backends(backends: Backends, matching: FakeMatching) -> Iterator[Backends]:
    """The real profiles and jobs apps, and the matching stand-in."""
    with httpx.Client(base_url=matching.url, timeout=5) as http:
        yield Backends(backends.profiles, backends.jobs, Matching("matching", http))


@pytest.fixture
def portal_settings(portal_settings: PortalSettings, bootstrap: str, topic_suffix: str) -> PortalSettings:
    return portal_settings.model_copy(update={"kafka_bootstrap_servers": bootstrap, "topic_namespace": topic_suffix,
                                              "notify_shortlist_wait_seconds": 20.0})


@pytest.fixture
def notices(app_client: TestClient) -> NotificationService:
    service: NotificationService = app_client.app.state.notifications  # type: ignore[attr-defined]
    return service


@pytest.fixture
def publish(bootstrap: str, topic_suffix: str) -> Iterator[Callable[[Any, bytes, bytes], None]]:
    producer = make_producer(bootstrap, client_id="tests-notifications")

    def send(spec: Any, key: bytes, value: bytes) -> None:
        producer.send(topic_name(spec, topic_suffix), key=key, value=value).get(timeout=10)

    yield send
    producer.close(timeout=2)


def wait_for(probe: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := probe():
            return found
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def account_id(browser: Browser) -> int:
    return int(browser.get("/account/export").json()["account"]["id"])


def seeker(browser: Browser, accounts: AccountService, *, profile_id: int | None = None) -> tuple[str, int]:
    """A new seeker (signed in), with a profile id of its own when given."""
    login = browser.register_seeker()
    number = account_id(browser)
    if profile_id is not None:
        accounts.set_profile(number, profile_id)
    return login, number


def status_event(application_id: int, version: int, account: int, status: ApplicationStatus) -> bytes:
    return encode_event(ApplicationChangedV1(
        record_id=application_id, record_version=version, owner_id=f"seeker-p{account}",
        application=ApplicationSnapshot(opportunity_id=7, opportunity_kind=OpportunityKind.JOB_POSTING,
                                        talent_id=42, status=status)))


def test_a_status_change_notifies_the_applicant_only(browser: Browser, accounts: AccountService,
                                                    backends: Backends, notices: NotificationService) -> None:
    hr = approved_enterprise_login(browser, accounts)
    job_id = _post(browser, "job_posting", JOB)
    browser.logout()
    applicants = []
    for name in ("王敏", "陈静"):
        login, number = seeker(browser, accounts)
        assert browser.post("/seeker/profile", {**PROFILE, "display_name": name}).status_code == 303
        assert browser.post(f"/seeker/opportunities/{job_id}/apply").status_code == 303
        applicants.append((login, number))
        browser.logout()
    (first, first_id), (second, second_id) = applicants

    browser.login(hr)
    listing = backends.jobs.applications(token("operator", "op-tests"), opportunity_id=job_id)["items"]
    moved = next(a for a in listing if a["seeker"] == f"seeker-p{first_id}")
    assert browser.post(f"/enterprise/applications/{moved['id']}/move",
                        {"status": "interviewing", "version": "1", "opportunity_id": str(job_id)}).status_code == 303
    browser.logout()

    [notice] = wait_for(lambda: notices.listing(first_id), "the applicant's notification")
    assert notice.kind == "application_status" and notice.params["status"] == "interviewing"
    assert len(notices.listing(first_id)) == 1 and notices.listing(second_id) == []

    browser.login(first)
    page = browser.get("/notifications").text
    assert f"您的岗位申请（编号 {moved['id']}）状态更新为：面试中" in page
    assert '<span class="badge count"' in page and ">1</span>" in page  # the unread badge in the header
    english = browser.get("/notifications?lang=en").text
    assert f"Your application (Job, no. {moved['id']}) is now: Interviewing" in english
    browser.logout()
    browser.login(second)
    assert "暂无通知" in browser.get("/notifications?lang=zh").text


def test_a_replayed_event_notifies_once_and_poison_is_dead_lettered(
        browser: Browser, accounts: AccountService, notices: NotificationService, publish: Any,
        portal_settings: PortalSettings, backends: Backends, bootstrap: str, topic_suffix: str) -> None:
    _, number = seeker(browser, accounts)
    hired = status_event(501, 3, number, ApplicationStatus.HIRED)
    publish(APPLICATIONS, b"501", hired)
    publish(APPLICATIONS, b"501", hired)  # the same event again (a producer's retry)
    publish(APPLICATIONS, b"502", b'{"type": "application.changed", "schema_version": 1')  # cut short
    publish(APPLICATIONS, b"503", status_event(503, 2, number, ApplicationStatus.REJECTED))
    wait_for(lambda: len(notices.listing(number)) == 2, "both notifications after the poison")

    # a second portal in its own consumer group reads everything again, on the same database: nothing new
    replaying = portal_settings.model_copy(update={"client_id": "portal-replay"})
    with TestClient(create_app(replaying, backends=backends)) as second:
        notifier = second.app.state.notifier  # type: ignore[attr-defined]
        wait_for(lambda: notifier.handled >= 4, "the replaying notifier through the topic")
    keys = sorted(n.source_key for n in notices.listing(number))
    assert keys == ["application:501:3", "application:503:2"]

    consumer = KafkaConsumer(topic_name(DEAD_LETTER, topic_suffix), bootstrap_servers=bootstrap,
                             auto_offset_reset="earliest", enable_auto_commit=False, group_id=None,
                             consumer_timeout_ms=10_000)
    try:
        letters = [json.loads(record.value) for record in consumer]
    finally:
        consumer.close()
    ours = [letter for letter in letters if letter["consumer"].endswith("portal-notifier")]
    assert ours and ours[0]["source_topic"] == topic_name(APPLICATIONS, topic_suffix)
    assert base64.b64decode(ours[0]["payload_base64"]).startswith(b'{"type": "application.changed"')
    assert {letter["key"] for letter in ours} == {"502"}  # only the poison went there


def test_a_new_opportunity_notifies_seekers_on_its_shortlist_above_their_threshold(
        browser: Browser, accounts: AccountService, notices: NotificationService, publish: Any,
        matching: FakeMatching) -> None:
    _, strong = seeker(browser, accounts, profile_id=9101)
    browser.logout()
    _, weak = seeker(browser, accounts, profile_id=9102)
    browser.logout()
    _, lenient = seeker(browser, accounts, profile_id=9103)
    saved = browser.post("/notifications/settings", {"match_threshold": "0.55", "new_match_enabled": "on"})
    assert saved.status_code == 303
    browser.logout()
    _, silent = seeker(browser, accounts, profile_id=9104)
    assert browser.post("/notifications/settings", {"match_threshold": "0.1"}).status_code == 303  # switch off
    browser.logout()

    opportunity = OpportunityUpsertedV1(record_id=880001, record_version=1, owner_id="ent-p1", opportunity=
                                        OpportunitySnapshot(kind=OpportunityKind.JOB_POSTING, title="数据治理工程师",
                                                            organization="杭州数澜科技有限公司", city="杭州市"))
    matching.shortlists[880001] = [(9101, 0.91), (9103, 0.62), (9102, 0.6), (9104, 0.58), (9999, 0.95)]
    matching.not_indexed[880001] = 2  # matching indexes it a moment after it is published
    publish(OPPORTUNITIES, b"880001", encode_event(opportunity))
    publish(OPPORTUNITIES, b"880002", encode_event(opportunity.model_copy(update={"record_id": 880002,
                                                                                  "record_version": 2})))

    [notice] = wait_for(lambda: notices.listing(strong), "the strong match's notification")
    assert notice.kind == "new_match" and notice.link == "/opportunities/880001"
    assert notice.params["title"] == "数据治理工程师" and notice.params["score"] == 0.91
    assert len(wait_for(lambda: notices.listing(lenient), "the lenient seeker's notification")) == 1
    assert notices.listing(weak) == [] and notices.listing(silent) == []
    assert [status for opportunity_id, status in matching.calls if opportunity_id == 880001] == ["404", "404", "200"]
    assert all(opportunity_id != 880002 for opportunity_id, _ in matching.calls)  # an update is not new


def test_a_seeker_reads_and_marks_only_their_own(browser: Browser, accounts: AccountService,
                                                 notices: NotificationService, publish: Any) -> None:
    owner_login, owner = seeker(browser, accounts)
    browser.logout()
    _, other = seeker(browser, accounts)
    for number, account in ((601, owner), (602, owner), (603, other)):
        publish(APPLICATIONS, str(number).encode(), status_event(number, 2, account, ApplicationStatus.OFFERED))
    wait_for(lambda: len(notices.listing(owner)) == 2 and notices.listing(other), "three notifications")
    mine = [n.id for n in notices.listing(owner)]

    assert browser.post(f"/notifications/{mine[0]}/read").status_code == 404  # the other seeker's: not found
    assert browser.post("/notifications/read-all").status_code == 303
    assert all(n.read_at is None for n in notices.listing(owner))
    browser.logout()

    browser.login(owner_login)
    page = browser.get("/notifications").text
    assert page.index(f'data-notification="{mine[0]}"') < page.index(f'data-notification="{mine[1]}"')  # newest first
    forged = browser.client.post(f"/notifications/{mine[0]}/read", data={"csrf_token": "forged" * 8},
                                 follow_redirects=False)
    assert forged.status_code == 403 and notices.unread_count(owner) == 2
    assert browser.client.post(f"/notifications/{mine[0]}/read", follow_redirects=False).status_code == 403
    assert browser.post(f"/notifications/{mine[0]}/read").status_code == 303
    assert notices.unread_count(owner) == 1
    assert browser.post("/notifications/read-all").status_code == 303
    assert notices.unread_count(owner) == 0 and '<span class="badge count"' not in browser.get("/notifications").text
    assert browser.post("/notifications/999999/read").status_code == 404
    exported = browser.get("/account/export").json()["notifications"]
    assert [n["params"]["status"] for n in exported] == ["offered", "offered"]
    assert browser.post("/account/delete", {"password": PASSWORD}).status_code == 303
    assert notices.listing(owner) == []  # erased with the account


def test_the_threshold_is_checked(browser: Browser, accounts: AccountService, notices: NotificationService) -> None:
    _, number = seeker(browser, accounts)
    for bad in ("1.5", "-0.1", "很高", "nan"):
        response = browser.post("/notifications/settings", {"match_threshold": bad, "new_match_enabled": "on"})
        assert response.status_code == 422 and "match_threshold" in response.text, bad
    assert notices.choices(number).threshold == 0.75  # the default, unchanged
    assert browser.post("/notifications/settings", {"match_threshold": "0.8"}).status_code == 303
    assert notices.choices(number).threshold == 0.8 and not notices.choices(number).new_match_enabled
    assert 'value="0.80"' in browser.get("/notifications").text




def test_a_restart_resumes_from_the_committed_offsets(portal_settings: PortalSettings, backends: Backends,
                                                      publish: Any) -> None:
    with TestClient(create_app(portal_settings, backends=backends), base_url="http://portal.test") as first:
        Browser(first).register_seeker()
        number = account_id(Browser(first))
        service: NotificationService = first.app.state.notifications  # type: ignore[attr-defined]
        publish(APPLICATIONS, b"701", status_event(701, 2, number, ApplicationStatus.INTERVIEWING))
        wait_for(lambda: service.listing(number), "the first notification")
    publish(APPLICATIONS, b"702", status_event(702, 2, number, ApplicationStatus.OFFERED))  # while it is down
    with TestClient(create_app(portal_settings, backends=backends)) as again:
        notifier = again.app.state.notifier  # type: ignore[attr-defined]
        wait_for(lambda: len(service.listing(number)) == 2, "the notification of the event sent while down")
        assert notifier.handled == 1  # only what came after the committed offsets was read again
