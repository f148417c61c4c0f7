"""The recommendations page records what it showed as ``shown`` feedback, through the real matching app (its
feedback ledger), once per seeker, opportunity and day, after the page was rendered; the seeker's export
lists what was sent on their behalf."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.jobs.main import create_app as create_jobs
from services.jobs.settings import JobsSettings
from services.matching.domain.encoders import HybridEncoder, LexicalEncoder
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.main import create_app as create_matching
from services.matching.settings import MatchingSettings
from services.portal.clients import Backends, Jobs, Matching, Profiles
from services.portal.impressions import record_impressions
from services.portal.main import create_app
from services.portal.service import AccountService
from services.portal.settings import PortalSettings
from services.portal.web import SESSION_COOKIE
from services.profiles.main import create_app as create_profiles
from services.profiles.settings import ProfilesSettings
from shared.kafka import ensure_topics
from tests.auth import SECRET, token
from tests.jobs import factories
from tests.matching.kafka_helpers import wait_for
from tests.metrics.server import serve
from tests.migrations.support import migrated
from tests.portal.helpers import Browser
from tests.portal.test_pages import PROFILE, approved_enterprise

ORG = "杭州海康智造科技有限公司"
JOB = {"title": "Python 大数据开发工程师", "city": "杭州", "skills": "Python，机器学习，Flink",
       "salary_min": "15000", "salary_max": "25000", "openings": "2", "level": "intermediate"}
OPERATOR = {"Authorization": f"Bearer {token('operator', 'op-impressions')}"}


@pytest.fixture
def matching(tmp_path: Path, bootstrap: str, redis_url: str, topic_suffix: str,
             occupation_normalizer: OccupationNormalizer) -> Iterator[TestClient]:
    """The real matching app on the shared broker (lexical encoder only: no model to load)."""
    ensure_topics(bootstrap, partitions=1, namespace=topic_suffix)
    settings = MatchingSettings(kafka_bootstrap_servers=bootstrap, redis_url=redis_url, topic_namespace=topic_suffix,
                                auth_secret=SECRET, database_url=migrated(f"sqlite:///{tmp_path}/matching.db",
                                                                          "matching"))
    encoder = HybridEncoder(dense=None, lexical=LexicalEncoder(1024), dense_weight=0.0, lexical_weight=1.0)
    with TestClient(create_matching(settings, encoder=encoder, normalizer=occupation_normalizer)) as client:
        wait_for(lambda: client.get("/readyz").status_code == 200, what="matching ready", timeout=90)
        yield client


@dataclass
class Site:
    portal: TestClient
    settings: PortalSettings
    backends: Backends


@pytest.fixture
def site(tmp_path: Path, bootstrap: str, redis_url: str, topic_suffix: str, matching: TestClient) -> Iterator[Site]:
    """The portal in process, calling real profiles and jobs apps (in process) and the real matching app."""
    common: dict[str, Any] = {"kafka_bootstrap_servers": bootstrap, "redis_url": redis_url,
                              "topic_namespace": topic_suffix, "auth_secret": SECRET}
    profiles = TestClient(create_profiles(ProfilesSettings(
        database_url=migrated(f"sqlite:///{tmp_path}/profiles.db", "profiles"), **common)))
    jobs = TestClient(create_jobs(JobsSettings(database_url=migrated(f"sqlite:///{tmp_path}/jobs.db", "jobs"),
                                               **common), profiles_http=profiles))
    settings = PortalSettings(database_url=migrated(f"sqlite:///{tmp_path}/portal.db", "portal"), auth_secret=SECRET)
    with profiles, jobs:
        backends = Backends(Profiles("profiles", profiles), Jobs("jobs", jobs), Matching("matching", matching))
        with TestClient(create_app(settings, backends=backends), base_url="http://portal.test") as portal:
            yield Site(portal, settings, backends)


def _seeker_shown_a_posting(site: Site) -> tuple[Browser, AccountService, int]:
    """An enterprise posts a job; a seeker with a fitting profile opens the recommendations until it is listed.
    Returns the seeker's browser, the accounts and the account id."""
    browser = Browser(site.portal)
    accounts: AccountService = site.portal.app.state.accounts  # type: ignore[attr-defined]
    approved_enterprise(browser, accounts, ORG)
    assert browser.post("/enterprise/opportunities/new?kind=job_posting", JOB).status_code == 303
    browser.logout()
    browser.register_seeker()
    assert browser.post("/seeker/profile", PROFILE).status_code == 303
    wait_for(lambda: "Python 大数据开发工程师" in browser.get("/seeker/recommendations").text,
             what="the posting recommended", timeout=60)
    return browser, accounts, int(browser.get("/account/export").json()["account"]["id"])


def _shown(matching: TestClient) -> list[dict[str, Any]]:
    answer = matching.get("/v1/operator/feedback", params={"action": "shown", "limit": 500}, headers=OPERATOR)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def test_recommendations_shown_are_impressions_once_a_day(site: Site, matching: TestClient) -> None:
    browser, accounts, account_id = _seeker_shown_a_posting(site)
    account = accounts.get(account_id)
    assert account is not None and account.profile_id is not None
    talent = account.profile_id
    wait_for(lambda: len(_shown(matching)) == 1, what="the impression in the figures", timeout=30)
    first = _shown(matching)
    assert [(f["talent_id"], f["action"], f["actor_role"], f["position"]) for f in first] == [
        (talent, "shown", "seeker", 1)]
    for _ in range(2):  # reloads the same day: no new impression, in the figures or in the export
        assert browser.get("/seeker/recommendations").status_code == 200
        assert browser.get("/seeker/recommendations", headers={"HX-Request": "true"}).status_code == 200
    export = browser.get("/account/export").json()["feedback"]
    assert [(f["opportunity_id"], f["action"]) for f in export] == [(first[0]["opportunity_id"], "shown")]
    assert len(_shown(matching)) == 1

    tomorrow = datetime.now(UTC) + timedelta(days=1)
    sent = record_impressions(matching=site.backends.matching, accounts=accounts, token=accounts.token_for(account),
                              account_id=account_id, talent_id=talent, items=[{"id": first[0]["opportunity_id"]}],
                              now=tomorrow)
    assert sent == 1  # another day: shown again, under another event id
    wait_for(lambda: len(_shown(matching)) == 2, what="the next day's impression", timeout=30)
    assert len({f["event_id"] for f in _shown(matching)}) == 2


def test_the_page_does_not_wait_for_the_impressions(site: Site, matching: TestClient, tmp_path: Path) -> None:
    """While matching's database is locked (its feedback waits up to its busy timeout), a portal replica on a
    real socket still answers the page at once; the impression arrives once the lock is gone."""
    _browser, accounts, account_id = _seeker_shown_a_posting(site)
    account = accounts.get(account_id)
    assert account is not None and account.profile_id is not None
    wait_for(lambda: len(_shown(matching)) == 1, what="the first impression", timeout=30)
    posted = site.backends.jobs.create(token("enterprise", "ent-impressions", org=ORG), factories.job_posting(
        title="机器学习平台工程师", organization=ORG, skills=["Python", "机器学习"]))
    seeker = {"Authorization": f"Bearer {accounts.token_for(account)}"}

    def indexed() -> bool:  # asked of matching itself: a page would already send its impression
        answer = matching.get(f"/v1/talents/{account.profile_id}/recommendations", headers=seeker)
        return answer.status_code == 200 and posted["id"] in {item["id"] for item in answer.json()["items"]}

    wait_for(indexed, what="the new posting recommended", timeout=60)
    lock = sqlite3.connect(tmp_path / "matching.db", isolation_level=None)
    cookies = {SESSION_COOKIE: str(site.portal.cookies.get(SESSION_COOKIE))}
    try:
        with serve(create_app(site.settings, backends=site.backends)) as base:
            lock.execute("BEGIN IMMEDIATE")  # matching's writes now wait
            started = time.monotonic()
            page = httpx.get(f"{base}/seeker/recommendations", cookies=cookies, timeout=30)
            assert page.status_code == 200 and "机器学习平台工程师" in page.text
            assert time.monotonic() - started < 5, "the page waited for the impressions"
            assert len(_shown(matching)) == 1
            lock.execute("ROLLBACK")
            wait_for(lambda: len(_shown(matching)) == 2, what="the new posting's impression", timeout=40)
    finally:
        lock.close()
