"""A posting with barred requirements in headless Chromium: the enterprise is told it is held and why, the
operator approves it with the keyboard, and a seeker then sees it. The portal is served over HTTP by uvicorn
on the fixtures of ``conftest.py`` (the real profiles and jobs apps on the shared broker)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from services.portal.admin import create_operator
from services.portal.clients import Backends
from services.portal.main import create_app
from services.portal.settings import PortalSettings
from shared.auth import Principal
from talentmatch.embedded import free_port
from tests.portal.helpers import PASSWORD, new_credit_code
from tests.portal.test_browser import DESKTOP, browser, check_labels, executable, shots, snap

__all__ = ["browser", "executable", "shots"]  # the module fixtures of test_browser.py, used here too

pytestmark = pytest.mark.e2e
ORGANIZATION = "杭州云栖数字科技有限公司"
OPERATOR = Principal(subject="op-browser-review", role="operator")


@pytest.fixture
def portal(portal_settings: PortalSettings, backends: Backends) -> Iterator[tuple[str, Any]]:
    """The portal served on a free port; its base URL and app."""
    app = create_app(portal_settings, backends=backends)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the portal did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def test_a_held_posting_is_explained_then_approved_in_a_real_browser(
        portal: tuple[str, Any], portal_settings: PortalSettings, browser: Any, shots: Path) -> None:
    from playwright.sync_api import expect

    base, app = portal
    # --- an enterprise registers; its account is approved; it posts a job stating two barred requirements
    enterprise = browser.new_context(viewport=DESKTOP).new_page()
    enterprise.goto(f"{base}/register/enterprise")
    enterprise.get_by_label("企业名称", exact=True).fill(ORGANIZATION)
    enterprise.get_by_label("统一社会信用代码", exact=True).fill(new_credit_code())
    enterprise.get_by_label("联系人", exact=True).fill("李娜")
    enterprise.get_by_label("手机号或邮箱", exact=True).fill("hr@yunqi-review.example.com")
    enterprise.get_by_label("密码", exact=True).fill(PASSWORD)
    enterprise.get_by_label(re.compile("创建和管理账户")).check()
    enterprise.get_by_label(re.compile("岗位、培训推荐")).check()
    enterprise.get_by_role("button", name="注册").click()
    expect(enterprise.get_by_text("待运营人员审核").first).to_be_visible()
    accounts = app.state.accounts
    accounts.review_enterprise(accounts.enterprises(status="pending")[-1].id, approve=True, operator=OPERATOR)

    enterprise.goto(f"{base}/enterprise/opportunities/new?kind=job_posting")
    enterprise.get_by_label("标题", exact=True).fill("Java开发工程师")
    enterprise.get_by_label("所在城市", exact=True).fill("杭州")
    enterprise.get_by_label("描述", exact=True).fill("Java开发工程师，限男性，35岁以下")
    enterprise.get_by_label("所需技能（逗号分隔）", exact=True).fill("Java，Spring Boot，MySQL")
    enterprise.get_by_role("button", name="保存").click()
    expect(enterprise).to_have_url(re.compile(r"/opportunities/\d+\?msg=held"))
    job_url = enterprise.url.split("?")[0]
    notice = enterprise.locator("section.review-notice")
    expect(notice.get_by_role("heading", name="暂停发布：等待运营人员审核")).to_be_visible()
    expect(notice.locator("li", has_text="限男性")).to_contain_text("性别")
    expect(notice.locator("li", has_text="35岁以下")).to_contain_text("年龄")
    expect(enterprise.locator("section.card mark")).to_have_text(["限男性", "35岁以下"])
    snap(enterprise, shots, "posting-held")
    enterprise.goto(f"{base}/enterprise")
    expect(enterprise.locator("ul.results li", has_text="Java开发工程师").locator(".badge")).to_have_text("待审核")

    # --- a seeker cannot open it while it is held
    seeker = browser.new_context(viewport=DESKTOP).new_page()
    seeker.goto(f"{base}/register")
    seeker.get_by_label("姓名或称呼", exact=True).fill("王敏")
    seeker.get_by_label("手机号或邮箱", exact=True).fill("13900000077")
    seeker.get_by_label("密码", exact=True).fill(PASSWORD)
    seeker.get_by_label(re.compile("创建和管理账户")).check()
    seeker.get_by_label(re.compile("岗位、培训推荐")).check()
    seeker.get_by_role("button", name="注册").click()
    expect(seeker).to_have_url(f"{base}/seeker/profile")
    assert seeker.goto(job_url).status == 404
    expect(seeker.get_by_role("heading", name="Java开发工程师")).to_have_count(0)

    # --- the operator finds it from the navigation, reads the marked phrases and approves with the keyboard
    create_operator(database_url=portal_settings.database_url, login="ops-review@example.com", password=PASSWORD)
    operator = browser.new_context(viewport=DESKTOP).new_page()
    operator.goto(f"{base}/login")
    operator.get_by_label("手机号或邮箱", exact=True).fill("ops-review@example.com")
    operator.get_by_label("密码", exact=True).fill(PASSWORD)
    operator.keyboard.press("Enter")
    operator.get_by_role("navigation").get_by_role("link", name="岗位审核").click()
    expect(operator).to_have_url(f"{base}/operator/postings")
    card = operator.locator("article", has_text="Java开发工程师")
    expect(card.locator("p mark")).to_have_text(["限男性", "35岁以下"])
    check_labels(operator)
    snap(operator, shots, "operator-postings")
    operator.get_by_label("审核意见", exact=True).fill("招聘方说明为笔误，已要求删除")
    operator.keyboard.press("Tab")  # from the note to its approve button
    expect(card.get_by_role("button", name="通过：Java开发工程师")).to_be_focused()
    operator.keyboard.press("Enter")
    expect(operator.get_by_text("没有待审核的岗位。")).to_be_visible()

    # --- now the seeker sees it, without the review; the enterprise's notice is gone
    assert seeker.goto(job_url).status == 200
    expect(seeker.get_by_role("heading", name="Java开发工程师")).to_be_visible()
    expect(seeker.locator("section.review-notice")).to_have_count(0)
    enterprise.goto(job_url)
    expect(enterprise.locator("section.review-notice")).to_have_count(0)
