"""The web app in headless Chromium against the whole stack started as processes: a seeker registers,
imports a PDF and a DOCX résumé, confirms, sees recommendations with reasons; an enterprise registers, an
operator approves it, it posts a job. Screenshots of the main pages at desktop and 390 px wide."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.portal.admin import create_operator
from shared.auth import issue_token
from talentmatch.embedded import free_port
from talentmatch.stack import SERVICES, WEB_APP, LocalStack, StackConfig
from tests.e2e.conftest import eventually
from tests.portal.helpers import PASSWORD, new_credit_code
from tests.portal.resumes import CHINESE, ENGLISH, docx_file, pdf

pytestmark = pytest.mark.e2e

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SEED = [  # what the enterprises of the demo post, so there is something to recommend
    {"kind": "job_posting", "title": "大数据开发工程师", "organization": "杭州数澜科技有限公司", "city": "杭州市",
     "description": "负责实时数据平台开发，熟悉 Spark、Flink 与数据治理。",
     "skills": ["Spark", "Flink", "Python", "数据治理"],
     "salary_min": 18000, "salary_max": 30000, "openings": 2, "level": "intermediate"},
    {"kind": "job_posting", "title": "机器学习工程师", "organization": "杭州智算人工智能科技有限公司", "city": "杭州市",
     "description": "推荐系统模型训练与部署。", "skills": ["机器学习", "Python", "深度学习"], "salary_min": 20000,
     "salary_max": 35000, "openings": 1, "level": "senior"},
    {"kind": "training_class", "title": "大数据平台运维订单班", "organization": "杭州数澜科技有限公司",
     "city": "杭州市",
     "description": "Flink、Kafka 与数据治理实训，结业择优录用。", "skills": ["Flink", "Kafka", "数据治理", "Linux"],
     "training_mode": "order_based", "sponsor": "杭州数澜科技有限公司", "seats": 40, "hiring_commitment": True,
     "committed_hires": 20, "starts_on": "2027-03-01", "ends_on": "2027-06-01"},
    {"kind": "training_class", "title": "深度学习与推荐算法订制班", "organization": "杭州智算人工智能科技有限公司",
     "city": "杭州市", "description": "面向推荐系统岗位的深度学习实训。", "skills": ["深度学习", "推荐算法", "PyTorch"],
     "training_mode": "custom", "sponsor": "杭州智算人工智能科技有限公司", "seats": 30},
]


def chromium_path() -> str | None:
    candidates = [os.environ.get("CHROMIUM_PATH", ""), "/usr/bin/chromium", shutil.which("chromium") or "",
                  shutil.which("chromium-browser") or ""]
    return next((c for c in candidates if c and Path(c).is_file()), None)


@pytest.fixture(scope="module")
def executable() -> str:
    found = chromium_path()
    if found is None:
        message = "no Chromium (/usr/bin/chromium or CHROMIUM_PATH): apt-get install -y chromium fonts-noto-cjk"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)  # in CI the browser tests must run, never skip
        pytest.skip(message)
    return found


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, executable: str) -> Iterator[LocalStack]:
    """The three services and the portal, a broker and redis on free ports, with a few opportunities."""
    ports = {s: free_port() for s in (*SERVICES, WEB_APP)}
    local = LocalStack(StackConfig(var_dir=tmp_path_factory.mktemp("portal-stack"), broker_port=free_port(),
                                   redis_port=free_port(), ports=ports))
    try:
        local.start(timeout=240)
        with httpx.Client(timeout=15) as http:
            for number, body in enumerate(SEED):  # each as an enterprise account bound to its organization
                seed_token = issue_token(local.config.auth_secret, subject=f"ent-seed-{number}", role="enterprise",
                                         org=str(body["organization"]))
                http.post(f"{local.config.url('jobs')}/v1/opportunities", json=body,
                          headers={"Authorization": f"Bearer {seed_token}"}).raise_for_status()
        yield local
    finally:
        local.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test's tmp dir, or ``PORTAL_SCREENSHOTS`` to keep them (e.g. to refresh docs/screenshots/)."""
    kept = os.environ.get("PORTAL_SCREENSHOTS")
    if kept:
        Path(kept).mkdir(parents=True, exist_ok=True)
        return Path(kept)
    return tmp_path_factory.mktemp("portal-screenshots")


@pytest.fixture(scope="module")
def browser(executable: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def snap(page: Any, shots: Path, name: str) -> None:
    """The page at desktop width and at 390 px; at 390 px nothing may be wider than the screen."""
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(shots / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= PHONE["width"], f"{name} is {overflow} px wide at 390 px"
    page.screenshot(path=str(shots / f"{name}-390.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
    .filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
    .map(e => e.name || e.id)"""


def acted(export: dict[str, Any]) -> list[str]:
    """The feedback a seeker gave by acting, without the impressions the pages record."""
    return [f["action"] for f in export["feedback"] if f["action"] != "shown"]


def check_labels(page: Any) -> None:
    assert page.evaluate(UNLABELLED) == [], f"inputs without a label on {page.url}"


def test_seeker_enterprise_and_operator_in_a_real_browser(stack: LocalStack, browser: Any, shots: Path,
                                                          tmp_path: Path) -> None:
    from playwright.sync_api import expect

    base = stack.config.url(WEB_APP)
    foreign: list[str] = []

    console_errors: list[str] = []

    def watch(page: Any) -> Any:
        page.on("request", lambda request: foreign.append(request.url)
                if not request.url.startswith(base) else None)
        # a blocked script or style (Content-Security-Policy) shows here; failed responses the test causes do too
        page.on("console", lambda message: console_errors.append(message.text)
                if message.type == "error" and "status of 4" not in message.text else None)
        page.on("response", lambda response: console_errors.append(f"{response.status} {response.url}")
                if response.status >= 500 else None)  # which page answered so
        return page

    # --- a seeker registers, imports a PDF résumé, confirms, and sees recommendations with reasons
    seeker = watch(browser.new_context(viewport=DESKTOP).new_page())
    seeker.goto(f"{base}/register")
    check_labels(seeker)
    snap(seeker, shots, "register")
    seeker.get_by_label("姓名或称呼", exact=True).fill("王敏")
    seeker.get_by_label("手机号或邮箱", exact=True).fill("13900000001")
    seeker.get_by_label("密码", exact=True).fill(PASSWORD)
    seeker.get_by_label(re.compile("创建和管理账户")).check()
    seeker.get_by_label(re.compile("岗位、培训推荐")).check()
    seeker.get_by_role("button", name="注册").click()
    expect(seeker).to_have_url(f"{base}/seeker/profile")

    resume_pdf = tmp_path / "王敏简历.pdf"
    resume_pdf.write_bytes(pdf(CHINESE))
    seeker.goto(f"{base}/seeker/resume")
    check_labels(seeker)
    seeker.get_by_label(re.compile("简历文件")).set_input_files(str(resume_pdf))
    seeker.get_by_label(re.compile("提取技能")).check()
    seeker.get_by_role("button", name="解析").click()
    expect(seeker.get_by_role("heading", name="请确认从简历中提取的信息")).to_be_visible()
    expect(seeker.get_by_label("所在城市", exact=True)).to_have_value("杭州市")
    expect(seeker.get_by_label("工作年限", exact=True)).to_have_value("5")
    expect(seeker.get_by_label("Spark", exact=True)).to_be_checked()
    seeker.get_by_label("岗位", exact=True).check()
    seeker.get_by_label("培训班", exact=True).check()
    check_labels(seeker)
    snap(seeker, shots, "resume-proposal")
    seeker.get_by_role("button", name="确认并保存").click()
    expect(seeker).to_have_url(re.compile(r"/seeker/recommendations"))

    def recommendations_shown() -> bool:
        seeker.goto(f"{base}/seeker/recommendations")
        return bool(seeker.locator("ol.results > li").count() > 0)

    eventually(recommendations_shown, timeout=120, what="recommendations for the new profile")
    first = seeker.locator("ol.results > li").first
    expect(first.locator("ul.reasons li").first).to_be_visible()  # the reasons
    expect(seeker.locator("ul.tags.have li").first).to_be_visible()  # matched skills
    expect(seeker.get_by_text("大数据开发工程师").first).to_be_visible()
    check_labels(seeker)
    snap(seeker, shots, "recommendations")

    first_title = first.locator("h2 a").inner_text()
    first.get_by_role("button", name=re.compile("不感兴趣")).click()  # a dismissal, sent as feedback
    expect(seeker).to_have_url(f"{base}/seeker/recommendations")
    held = seeker.request.get(f"{base}/account/export").json()
    assert "shown" in [f["action"] for f in held["feedback"]], "the list's impressions"
    assert acted(held) == ["dismissed"], (first_title, held["feedback"])

    seeker.get_by_label("类型", exact=True).select_option("training_class")  # a filter, answered in place by htmx
    seeker.get_by_role("button", name="筛选").click()
    expect(seeker.locator("ol.results > li h2").first).to_contain_text("订单班")
    expect(seeker).to_have_url(re.compile("kind=training_class"))

    seeker.goto(f"{base}/seeker/recommendations?kind=job_posting")
    seeker.locator("ol.results > li h2 a").first.click()
    expect(seeker.get_by_role("link", name="相似机会")).to_be_visible()
    held = seeker.request.get(f"{base}/account/export").json()
    assert acted(held) == ["dismissed", "clicked"]  # opened from the list
    snap(seeker, shots, "opportunity")
    seeker.get_by_role("link", name="相似机会").click()
    expect(seeker.get_by_text("机器学习工程师").first).to_be_visible()
    seeker.goto(f"{base}/seeker/recommendations?kind=job_posting")
    seeker.locator("ol.results > li", has_text="机器学习工程师").get_by_role("link", name="技能差距").click()
    expect(seeker.get_by_text("具备程度")).to_be_visible()
    expect(seeker.locator("ul.tags.miss")).to_contain_text("推荐算法")
    expect(seeker.get_by_role("link", name="深度学习与推荐算法订制班")).to_be_visible()  # the class closing it
    snap(seeker, shots, "skill-gap")

    resume_docx = tmp_path / "cv.docx"  # an English DOCX: proposed, not confirmed
    resume_docx.write_bytes(docx_file(ENGLISH))
    seeker.goto(f"{base}/seeker/resume?lang=en")
    seeker.get_by_label(re.compile("Résumé file")).set_input_files(str(resume_docx))
    seeker.get_by_label(re.compile("I agree that this résumé")).check()
    seeker.get_by_role("button", name="Read it").click()
    expect(seeker.get_by_label("City", exact=True)).to_have_value("深圳市")
    expect(seeker.get_by_label("deep learning", exact=True)).to_be_checked()
    snap(seeker, shots, "resume-proposal-en")
    seeker.goto(f"{base}/seeker/profile?lang=zh")
    expect(seeker.get_by_label("所在城市", exact=True)).to_have_value("杭州市")  # nothing saved without confirming

    # --- an enterprise registers (pending), an operator approves it with the keyboard only, it posts a job
    enterprise = watch(browser.new_context(viewport=DESKTOP).new_page())
    enterprise.goto(f"{base}/register/enterprise")
    check_labels(enterprise)
    enterprise.get_by_label("企业名称", exact=True).fill("杭州云栖数字科技有限公司")
    enterprise.get_by_label("统一社会信用代码", exact=True).fill("9133010")  # too short: said next to the field
    enterprise.get_by_label("联系人", exact=True).fill("李娜")
    enterprise.get_by_label("手机号或邮箱", exact=True).fill("hr@yunqi.example.com")
    enterprise.get_by_label("密码", exact=True).fill(PASSWORD)
    enterprise.get_by_label(re.compile("创建和管理账户")).check()
    enterprise.get_by_label(re.compile("岗位、培训推荐")).check()
    enterprise.get_by_role("button", name="注册").click()
    expect(enterprise.locator("#e-credit_code")).to_contain_text("18 characters")
    snap(enterprise, shots, "register-enterprise-error")
    enterprise.get_by_label("统一社会信用代码", exact=True).fill(new_credit_code())
    enterprise.get_by_label("密码", exact=True).fill(PASSWORD)
    enterprise.get_by_role("button", name="注册").click()
    expect(enterprise.get_by_text("待运营人员审核").first).to_be_visible()
    snap(enterprise, shots, "enterprise-pending")

    create_operator(database_url=f"sqlite:///{stack.config.var_dir.resolve() / 'portal.db'}",
                    login="ops@example.com", password=PASSWORD)
    operator = watch(browser.new_context(viewport=DESKTOP).new_page())
    operator.goto(f"{base}/operator/enterprises")  # not signed in: to the login page, then back
    expect(operator).to_have_url(re.compile(r"/login\?next=%2Foperator%2Fenterprises"))
    operator.get_by_label("手机号或邮箱", exact=True).focus()
    operator.keyboard.type("ops@example.com")
    operator.keyboard.press("Tab")
    operator.keyboard.type(PASSWORD)
    operator.keyboard.press("Enter")
    expect(operator).to_have_url(f"{base}/operator/enterprises")
    snap(operator, shots, "operator-review")
    approve = operator.get_by_role("button", name="通过 杭州云栖数字科技有限公司")
    approve.focus()
    operator.keyboard.press("Enter")
    expect(operator.get_by_text("已通过").first).to_be_visible()

    enterprise.goto(f"{base}/enterprise")
    enterprise.get_by_role("link", name="发布岗位").click()
    check_labels(enterprise)
    enterprise.get_by_label("标题", exact=True).fill("数据治理工程师")
    enterprise.get_by_label("所在城市", exact=True).fill("杭州")
    enterprise.get_by_label("所需技能（逗号分隔）", exact=True).fill("数据治理，Python，Spark")
    enterprise.get_by_label("月薪范围（元） ≥", exact=True).fill("16000")
    enterprise.get_by_label("月薪范围（元） ≤", exact=True).fill("26000")
    snap(enterprise, shots, "post-job")
    enterprise.get_by_role("button", name="保存").click()
    expect(enterprise.get_by_role("heading", name="数据治理工程师")).to_be_visible()
    job_url = enterprise.url
    enterprise.get_by_role("link", name="人才推荐名单").click()

    def shortlisted() -> bool:
        enterprise.reload()
        return bool(enterprise.get_by_text("王敏").count() > 0)

    eventually(shortlisted, timeout=120, what="the seeker on the new job's shortlist")
    snap(enterprise, shots, "shortlist")
    enterprise.goto(f"{base}/enterprise")
    snap(enterprise, shots, "enterprise-desk")

    # --- the seeker applies to that job and enrols in a class; the enterprise hires them; the seeker sees it,
    # and the operator figures (counted from the jobs service's application events) show one more hire
    operator_api = stack.headers("operator", "op-browser")

    def hires() -> int:
        answer = httpx.get(f"{stack.config.url('matching')}/v1/operator/metrics", headers=operator_api, timeout=15)
        answer.raise_for_status()
        return int(answer.json()["volumes"]["feedback_by_action"]["hired"])

    hires_before = hires()
    seeker.goto(job_url)
    seeker.get_by_role("button", name="投递简历").click()
    expect(seeker).to_have_url(re.compile(r"/seeker/applications"))
    expect(seeker.locator("td.status-received")).to_contain_text("已投递")
    seeker.goto(f"{base}/seeker/recommendations?kind=training_class")
    seeker.locator("ol.results > li").first.get_by_role("button", name=re.compile("^报名")).click()
    expect(seeker.locator("td.status-enrolled, td.status-waitlisted").first).to_be_visible()
    check_labels(seeker)
    snap(seeker, shots, "my-applications")
    enterprise.goto(job_url)
    enterprise.get_by_role("link", name="申请人").click()
    for move in ("安排面试", "发录用意向", "录用"):
        enterprise.get_by_role("button", name=move, exact=True).click()
    expect(enterprise.locator("td.status-hired")).to_contain_text("已录用")
    snap(enterprise, shots, "applicants")
    seeker.goto(f"{base}/seeker/applications")
    expect(seeker.locator("td.status-hired")).to_contain_text("已录用")
    eventually(lambda: hires() == hires_before + 1, timeout=60, what="one more hire in the operator figures")

    def notified() -> bool:  # the hire reaches the seeker as a notification, from the applications topic
        seeker.goto(f"{base}/notifications")
        return bool(seeker.locator("li.notification-application_status", has_text="已录用").count() > 0)

    eventually(notified, timeout=60, what="the seeker notified of the hire")

    # --- the seeker forgot the password: the local stack writes the one-time code to the portal's log
    visitor = watch(browser.new_context(viewport=PHONE).new_page())
    visitor.goto(f"{base}/login")
    visitor.get_by_role("link", name="忘记密码？").click()
    visitor.get_by_label("手机号或邮箱", exact=True).fill("13900000001")
    visitor.get_by_role("button", name="发送验证码").click()
    log_path = stack.processes[WEB_APP].log_path
    assert log_path is not None
    code = eventually(lambda: re.findall(r"password reset code for account \d+: (\d{6})", log_path.read_text()),
                      what="the reset code in the portal's log")[-1]
    visitor.get_by_label("验证码", exact=True).fill(code)
    visitor.get_by_label("新密码", exact=True).fill("a-new-password-2026")
    visitor.get_by_role("button", name="重置密码").click()
    expect(visitor.get_by_text("密码已重置，请登录。")).to_be_visible()
    visitor.get_by_label("手机号或邮箱", exact=True).fill("13900000001")
    visitor.get_by_label("密码", exact=True).fill("a-new-password-2026")
    visitor.get_by_role("button", name="登录").click()
    expect(visitor).to_have_url(re.compile(r"/seeker/recommendations"))

    assert foreign == [], f"the web app reached outside its own origin: {foreign}"
    assert console_errors == [], f"errors in the browser console: {console_errors}"
    print(f"screenshots in {shots}")
