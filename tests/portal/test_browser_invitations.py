"""Interview invitations in headless Chromium against the whole stack started as processes: an approved
enterprise invites a seeker from its shortlist, the seeker accepts one of the proposed times releasing only the
phone number, the enterprise then sees the time and that contact. Screenshots at desktop and 390 px wide."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.portal.admin import create_operator
from services.portal.invitations import BEIJING
from talentmatch.stack import WEB_APP, LocalStack
from tests.e2e.conftest import eventually
from tests.portal.helpers import PASSWORD, new_credit_code

# The fixtures and helpers of the portal's browser test (its module-scoped stack, Chromium, screenshots).
from tests.portal.test_browser import (  # noqa: F401 (fixtures are used by name)
    DESKTOP,
    browser,
    check_labels,
    executable,
    shots,
    snap,
    stack,
)

pytestmark = pytest.mark.e2e
SEEKER_PHONE = "13900000077"


def _at(days: int, hour: int) -> datetime:
    return (datetime.now(BEIJING) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def test_an_enterprise_invites_from_the_shortlist_and_sees_the_accepted_time_and_contact(
        stack: LocalStack, browser: Any, shots: Path) -> None:  # noqa: F811 (the imported fixtures)
    from playwright.sync_api import expect

    base = stack.config.url(WEB_APP)
    console_errors: list[str] = []

    def page() -> Any:
        opened = browser.new_context(viewport=DESKTOP).new_page()
        opened.on("console", lambda message: console_errors.append(message.text)
                  if message.type == "error" and "status of 4" not in message.text else None)
        return opened

    # --- a seeker registers and saves a profile (open to work)
    seeker = page()
    seeker.goto(f"{base}/register")
    seeker.get_by_label("姓名或称呼", exact=True).fill("周婷")
    seeker.get_by_label("手机号或邮箱", exact=True).fill(SEEKER_PHONE)
    seeker.get_by_label("密码", exact=True).fill(PASSWORD)
    seeker.get_by_label(re.compile("创建和管理账户")).check()
    seeker.get_by_label(re.compile("岗位、培训推荐")).check()
    seeker.get_by_role("button", name="注册").click()
    expect(seeker).to_have_url(f"{base}/seeker/profile")
    seeker.get_by_label("所在城市", exact=True).fill("杭州市")
    seeker.get_by_label("工作年限", exact=True).fill("4")
    seeker.get_by_label("其他技能（逗号分隔）", exact=True).fill("Kafka，Flink，实时计算，Java")
    seeker.get_by_label("岗位", exact=True).check()
    seeker.get_by_role("button", name="保存").click()
    expect(seeker).to_have_url(re.compile(r"/seeker/recommendations"))

    # --- an enterprise registers, an operator approves it, it posts a job
    enterprise = page()
    enterprise.goto(f"{base}/register/enterprise")
    enterprise.get_by_label("企业名称", exact=True).fill("杭州流式数据科技有限公司")
    enterprise.get_by_label("统一社会信用代码", exact=True).fill(new_credit_code())
    enterprise.get_by_label("联系人", exact=True).fill("赵磊")
    enterprise.get_by_label("手机号或邮箱", exact=True).fill("hr@liushi.example.com")
    enterprise.get_by_label("密码", exact=True).fill(PASSWORD)
    enterprise.get_by_label(re.compile("创建和管理账户")).check()
    enterprise.get_by_label(re.compile("岗位、培训推荐")).check()
    enterprise.get_by_role("button", name="注册").click()
    expect(enterprise.get_by_text("待运营人员审核").first).to_be_visible()
    create_operator(database_url=f"sqlite:///{stack.config.var_dir.resolve() / 'portal.db'}",
                    login="ops-invitations@example.com", password=PASSWORD)
    operator = page()
    operator.goto(f"{base}/login")
    operator.get_by_label("手机号或邮箱", exact=True).fill("ops-invitations@example.com")
    operator.get_by_label("密码", exact=True).fill(PASSWORD)
    operator.get_by_role("button", name="登录").click()
    operator.get_by_role("button", name="通过 杭州流式数据科技有限公司").click()
    expect(operator.get_by_text("已通过").first).to_be_visible()

    enterprise.goto(f"{base}/enterprise/opportunities/new?kind=job_posting")
    enterprise.get_by_label("标题", exact=True).fill("实时计算开发工程师")
    enterprise.get_by_label("所在城市", exact=True).fill("杭州")
    enterprise.get_by_label("所需技能（逗号分隔）", exact=True).fill("Kafka，Flink，实时计算")
    enterprise.get_by_role("button", name="保存").click()
    expect(enterprise.get_by_role("heading", name="实时计算开发工程师")).to_be_visible()
    enterprise.get_by_role("link", name="人才推荐名单").click()

    def shortlisted() -> bool:
        enterprise.reload()
        return bool(enterprise.get_by_role("link", name="邀请面试 周婷").count() > 0)

    eventually(shortlisted, timeout=120, what="the seeker on the new job's shortlist")
    snap(enterprise, shots, "shortlist-invite")

    # --- the enterprise invites: a message, two times, on site with the address; the keyboard sends it
    enterprise.get_by_role("link", name="邀请面试 周婷").click()
    check_labels(enterprise)
    expect(enterprise.get_by_text(SEEKER_PHONE)).to_have_count(0)
    first, second = _at(3, 10), _at(4, 15)
    enterprise.get_by_label("邀请说明", exact=True).fill(
        "周婷您好：您的 Kafka 与 Flink 经验和岗位非常契合，诚邀您来公司面试。")
    enterprise.get_by_label("面试时间 1", exact=True).fill(first.strftime("%Y-%m-%dT%H:%M"))
    enterprise.get_by_label("面试时间 2 (可选)", exact=True).fill(second.strftime("%Y-%m-%dT%H:%M"))
    enterprise.get_by_label("现场面试", exact=True).check()
    enterprise.get_by_label(re.compile("^地址")).fill("杭州市滨江区网商路 599 号 3 号楼")
    snap(enterprise, shots, "invite-form")
    enterprise.get_by_role("button", name="发送邀请").focus()
    enterprise.keyboard.press("Enter")
    expect(enterprise).to_have_url(re.compile(r"/enterprise/invitations"))
    expect(enterprise.locator("td.inv-sent")).to_contain_text("待答复")
    expect(enterprise.get_by_text(SEEKER_PHONE)).to_have_count(0)  # no contact before the answer
    snap(enterprise, shots, "invitations-sent")

    # --- the seeker sees the count, opens the invitation, keeps only the phone and accepts the second time
    seeker.goto(f"{base}/seeker/recommendations")
    expect(seeker.locator("nav .nav-count")).to_have_text("1")
    seeker.get_by_role("link", name=re.compile("^面试邀请")).click()
    expect(seeker.get_by_text("杭州流式数据科技有限公司").first).to_be_visible()
    snap(seeker, shots, "invitations-inbox")
    seeker.get_by_role("link", name="查看").click()
    check_labels(seeker)
    seeker.get_by_label(second.strftime("%Y-%m-%d %H:%M"), exact=True).check()
    expect(seeker.get_by_label(f"手机号: {SEEKER_PHONE}", exact=True)).to_be_checked()
    seeker.get_by_label("姓名: 周婷", exact=True).uncheck()
    snap(seeker, shots, "invitation-accept")
    seeker.get_by_role("button", name="接受邀请").click()
    expect(seeker).to_have_url(re.compile(r"/seeker/invitations\?msg=invitation_accepted"))
    expect(seeker.locator("nav .nav-count")).to_have_count(0)

    # --- the enterprise sees the chosen time and the phone number, and nothing else of the contact
    enterprise.reload()
    row = enterprise.locator("table.invitations tbody tr").first
    expect(row.locator("td.inv-accepted")).to_contain_text(second.strftime("%Y-%m-%d %H:%M"))
    expect(row.locator("td.contact")).to_contain_text(SEEKER_PHONE)
    expect(row.locator("td.contact")).not_to_contain_text("周婷")
    snap(enterprise, shots, "invitations-accepted")
    assert console_errors == [], f"errors in the browser console: {console_errors}"
