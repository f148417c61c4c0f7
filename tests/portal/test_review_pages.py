"""Held postings in the web app against the real jobs service: the enterprise is told which phrases hold its
posting and why (zh/en), and only operators review them at ``/operator/postings``."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from services.portal.clients import Backends
from services.portal.service import AccountService
from shared.auth import Principal
from shared.errors import DomainError
from tests.auth import token
from tests.portal.helpers import PASSWORD, Browser

OPERATOR = Principal(subject="op-tests", role="operator")
ORGANIZATION = "杭州海康智造科技有限公司"
JOB = {"title": "Java开发工程师", "city": "杭州", "skills": "Java，Spring Boot", "description":
       "负责交易系统后端开发。任职要求：已婚已育优先，限本市户籍。", "salary_min": "15000", "salary_max": "25000",
       "openings": "2", "level": "intermediate"}


def _enterprise(browser: Browser, accounts: AccountService) -> None:
    browser.register_enterprise(ORGANIZATION)
    accounts.review_enterprise(accounts.enterprises(status="pending")[-1].id, approve=True, operator=OPERATOR)


def _seeker_can_read(backends: Backends, opportunity_id: int) -> bool:
    try:
        backends.jobs.get(token("seeker", "seeker-pages"), opportunity_id)
    except DomainError as exc:
        assert exc.status_code == 404
        return False
    return True


def test_the_enterprise_sees_each_phrase_and_why_right_after_saving(browser: Browser, accounts: AccountService,
                                                                    backends: Backends) -> None:
    _enterprise(browser, accounts)
    saved = browser.post("/enterprise/opportunities/new?kind=job_posting", JOB)
    assert saved.status_code == 303 and saved.headers["location"].endswith("?msg=held"), saved.text
    page = browser.get(saved.headers["location"]).text
    assert "已暂停发布，等待运营人员审核" in page
    assert "<mark>已婚已育优先</mark> · <strong>婚育状况</strong>" in page
    assert "<mark>限本市户籍</mark> · <strong>户籍</strong>" in page
    assert "就业促进法第三十一条" in page
    english = browser.get(saved.headers["location"].replace("?msg=held", "?lang=en")).text
    assert "Held for an operator&#39;s review" in english and "<strong>Marital status</strong>" in english
    assert "<strong>Household registration</strong>" in english
    desk = browser.get("/enterprise?lang=zh").text
    assert '<span class="badge held">待审核</span>' in desk
    opportunity_id = int(saved.headers["location"].split("/")[2].split("?")[0])
    assert not _seeker_can_read(backends, opportunity_id)

    fixed = browser.post(f"/enterprise/opportunities/{opportunity_id}/edit",
                         {**JOB, "description": "负责交易系统后端开发，性别不限。", "version": "1"})
    assert fixed.status_code == 303 and fixed.headers["location"].endswith("?msg=saved")
    assert "review-notice" not in browser.get(fixed.headers["location"]).text
    assert _seeker_can_read(backends, opportunity_id)


def test_operators_approve_or_reject_held_postings(app_client: TestClient, browser: Browser,
                                                   accounts: AccountService, backends: Backends) -> None:
    _enterprise(browser, accounts)
    ids = []
    for title in ("Java开发工程师", "测试工程师"):
        saved = browser.post("/enterprise/opportunities/new?kind=job_posting", {**JOB, "title": title})
        ids.append(int(saved.headers["location"].split("/")[2].split("?")[0]))
    assert browser.get("/operator/postings").status_code == 403
    assert browser.post(f"/operator/postings/{ids[0]}/decide", {"decision": "approve"}).status_code == 403

    accounts.create_operator(login="ops@example.com", password=PASSWORD)
    operator = Browser(TestClient(app_client.app, base_url="http://portal.test"))
    operator.login("ops@example.com")
    page = operator.get("/operator/postings").text
    assert '<a href="/operator/postings">岗位审核</a>' in page
    assert page.count("<mark>限本市户籍</mark>") == 4  # in each description and each list of flags
    assert re.search(rf'<label for="note-{ids[0]}">审核意见</label>\s*<textarea id="note-{ids[0]}"', page)
    assert operator.post(f"/operator/postings/{ids[0]}/decide", {"decision": "publish"}).status_code == 422
    approved = operator.post(f"/operator/postings/{ids[0]}/decide", {"decision": "approve", "version": "1"})
    assert approved.status_code == 303 and approved.headers["location"] == "/operator/postings?msg=saved"
    rejected = operator.post(f"/operator/postings/{ids[1]}/decide", {"decision": "reject", "note": "户籍限制违法"})
    assert rejected.status_code == 303
    assert "没有待审核的岗位。" in operator.get("/operator/postings").text
    assert operator.post(f"/operator/postings/{ids[0]}/decide", {"decision": "reject"}).status_code == 409
    assert _seeker_can_read(backends, ids[0]) and not _seeker_can_read(backends, ids[1])
    told = browser.get(f"/opportunities/{ids[1]}").text
    assert "已被运营人员驳回" in told and "户籍限制违法" in told
