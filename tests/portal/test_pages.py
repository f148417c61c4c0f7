"""Seeker and enterprise pages against the real profiles and jobs services: a bad field is shown next to
it, a résumé is proposed and saved only when confirmed, postings go under the enterprise's organization."""

from __future__ import annotations

import re

from services.portal.clients import Backends
from services.portal.service import AccountService
from shared.auth import Principal
from tests.auth import token
from tests.portal.helpers import Browser, field_error
from tests.portal.resumes import CHINESE, ENGLISH, docx_file, pdf

OPERATOR = Principal(subject="op-tests", role="operator")
PROFILE = {"display_name": "王敏", "city": "杭州", "desired_cities": "上海，苏州", "skills": ["Python", "机器学习"],
           "other_skills": "Flink，数据中台", "years_experience": "3", "education": "bachelor",
           "wanted_kinds": ["job_posting", "training_class"], "open_to_work": "on"}


def profile_of(browser: Browser, accounts: AccountService, backends: Backends) -> dict[str, object]:
    page = browser.get("/account/export").json()
    account = accounts.get(page["account"]["id"])
    assert account is not None and account.profile_id is not None
    return backends.profiles.get(token("operator", "op-tests"), account.profile_id)


def test_the_profile_form_saves_through_the_profiles_api(browser: Browser, accounts: AccountService,
                                                         backends: Backends) -> None:
    browser.register_seeker()
    page = browser.get("/seeker/profile").text
    assert 'value="杭州市"' in page and 'value="机器学习"' in page  # real cities, the canonical vocabulary
    assert browser.post("/seeker/profile", PROFILE).status_code == 303
    stored = profile_of(browser, accounts, backends)
    assert stored["city"] == "杭州市" and stored["desired_cities"] == ["上海市", "苏州市"]
    assert stored["skills"] == ["Python", "机器学习", "Flink", "数据中台"]
    page = browser.get("/seeker/profile").text
    assert re.search(r'value="机器学习" checked', page) and "数据中台" in page
    assert browser.post("/seeker/profile", {**PROFILE, "years_experience": "4", "version": "1"}).status_code == 303
    assert profile_of(browser, accounts, backends)["years_experience"] == 4
    stale = browser.post("/seeker/profile", {**PROFILE, "years_experience": "5", "version": "1"})
    assert stale.status_code == 409 and "version" in stale.text


def test_a_bad_profile_field_is_shown_next_to_it(browser: Browser) -> None:
    browser.register_seeker()
    response = browser.post("/seeker/profile", {**PROFILE, "city": "火星"})
    assert response.status_code == 422
    assert "unknown city" in str(field_error(response.text, "city"))
    assert 'value="火星"' in response.text  # what was typed stays in the form
    response = browser.post("/seeker/profile", {**PROFILE, "years_experience": "八"})
    assert response.status_code == 422 and field_error(response.text, "years_experience")


def upload(browser: Browser, name: str, data: bytes, *, consent: bool = True) -> str:
    fields = {"consent_resume": "on"} if consent else {}
    response = browser.client.post("/seeker/resume", data={"csrf_token": browser.csrf(), **fields},
                                   files={"file": (name, data)}, follow_redirects=False)
    return f"{response.status_code} {response.text}"


def test_a_resume_is_proposed_and_saved_only_once_confirmed(browser: Browser, accounts: AccountService,
                                                            backends: Backends) -> None:
    browser.register_seeker()
    assert browser.post("/seeker/profile", {**PROFILE, "skills": [], "other_skills": ""}).status_code == 303
    before = profile_of(browser, accounts, backends)
    answer = upload(browser, "王敏简历.pdf", pdf(CHINESE))
    assert answer.startswith("200")
    assert re.search(r'value="Spark" checked', answer) and re.search(r'value="机器学习" checked', answer)
    assert 'name="years_experience" type="number" value="5"' in answer
    assert profile_of(browser, accounts, backends) == before  # nothing saved yet
    held = browser.get("/account/export").json()
    assert [c["purpose"] for c in held["consents"]].count("resume_import") == 1  # asked again, recorded

    answer = upload(browser, "cv.docx", docx_file(ENGLISH))
    assert 'value="深圳市"' in answer and re.search(r'value="深度学习" checked', answer)
    assert browser.post("/seeker/profile", {**PROFILE, "city": "深圳", "skills": ["深度学习", "Python"],
                                            "version": str(before["version"])}).status_code == 303
    assert profile_of(browser, accounts, backends)["city"] == "深圳市"


def test_a_resume_upload_refuses_what_it_cannot_take(browser: Browser, accounts: AccountService) -> None:
    browser.register_seeker()
    assert upload(browser, "cv.pdf", pdf(ENGLISH), consent=False).startswith("422")
    answer = upload(browser, "cv.pdf", b"%PDF-1.4 broken")
    assert answer.startswith("422") and "无法读取该文件的文字，未保存任何内容" in answer
    assert upload(browser, "cv.png", b"\x89PNG\r\n\x1a\n").startswith("422")
    assert upload(browser, "cv.txt", b"x" * (1024 * 1024 + 1)).startswith("413")  # over the file cap
    too_big = upload(browser, "cv.pdf", b"%PDF-" + b"x" * (3 * 1024 * 1024))  # over the request cap
    assert too_big.startswith("413") and "the upload is over the limit of 1088 KB" in too_big
    held = browser.get("/account/export").json()
    assert held["profile"] is None and "resume_import" not in [c["purpose"] for c in held["consents"]]


def approved_enterprise(browser: Browser, accounts: AccountService, organization: str) -> None:
    browser.register_enterprise(organization)
    accounts.review_enterprise(accounts.enterprises(status="pending")[-1].id, approve=True, operator=OPERATOR)


def test_an_enterprise_posts_and_edits_jobs_and_classes_under_its_organization(
        browser: Browser, accounts: AccountService, backends: Backends) -> None:
    approved_enterprise(browser, accounts, "杭州海康智造科技有限公司")
    job = {"title": "大数据开发工程师", "city": "杭州", "skills": "Python，Spark", "salary_min": "15000",
           "salary_max": "25000", "openings": "2", "level": "intermediate", "organization": "别家公司"}
    created = browser.post("/enterprise/opportunities/new?kind=job_posting", job)
    assert created.status_code == 303, created.text
    job_id = int(created.headers["location"].split("/")[2].split("?")[0])
    stored = backends.jobs.get(token("operator", "op-tests"), job_id)
    assert stored["organization"] == "杭州海康智造科技有限公司"  # never what the form sent
    assert stored["salary_min"] == 15000 and stored["skills"] == ["Python", "Spark"]

    bad = browser.post("/enterprise/opportunities/new?kind=job_posting", {**job, "salary_max": "1000"})
    assert bad.status_code == 422 and "salary_max" in str(field_error(bad.text, "salary_max"))

    edit = browser.get(f"/enterprise/opportunities/{job_id}/edit").text
    assert 'value="大数据开发工程师"' in edit
    assert browser.post(f"/enterprise/opportunities/{job_id}/edit", {**job, "title": "高级大数据开发工程师",
                                                                     "version": "1"}).status_code == 303
    assert backends.jobs.get(token("operator", "op-tests"), job_id)["title"] == "高级大数据开发工程师"

    order_class = {"title": "工业互联网运维订单班", "city": "杭州市", "skills": "工业互联网，Linux",
                   "training_mode": "order_based", "sponsor": "杭州海康智造科技有限公司", "seats": "40",
                   "committed_hires": "30", "hiring_commitment": "on", "starts_on": "2027-03-01",
                   "ends_on": "2027-06-01"}
    created = browser.post("/enterprise/opportunities/new?kind=training_class", order_class)
    assert created.status_code == 303, created.text
    no_commitment = browser.post("/enterprise/opportunities/new?kind=training_class",
                                 {**order_class, "hiring_commitment": "", "committed_hires": "0"})
    assert no_commitment.status_code == 422 and "hiring_commitment" in no_commitment.text

    need = browser.post("/enterprise/training-needs/new", {"skills": "大模型，Python", "headcount": "30",
                                                           "city": "杭州", "deadline": "2030-01-15",
                                                           "training_mode": "custom"})
    assert need.status_code == 303, need.text
    desk = browser.get("/enterprise").text
    assert desk.count("/shortlist") == 3  # the job, the order-based class and the need's class



def test_a_training_class_is_edited_through_its_form(browser: Browser, accounts: AccountService,
                                                      backends: Backends) -> None:
    approved_enterprise(browser, accounts, "无锡芯源半导体有限公司")
    created = browser.post("/enterprise/opportunities/new?kind=training_class", {
        "title": "集成电路验证定向班", "city": "无锡", "skills": "Verilog，FPGA", "training_mode": "directed",
        "seats": "30", "starts_on": "2027-03-01", "ends_on": "2027-06-01"})
    assert created.status_code == 303, created.text
    class_id = int(created.headers["location"].split("/")[2].split("?")[0])
    stored = backends.jobs.get(token("operator", "op-tests"), class_id)
    assert stored["sponsor"] == "无锡芯源半导体有限公司" and stored["training_mode"] == "directed"
    form = browser.get(f"/enterprise/opportunities/{class_id}/edit").text
    assert 'value="Verilog，FPGA"' in form and re.search(r'<option value="directed" selected', form)
    changed = browser.post(f"/enterprise/opportunities/{class_id}/edit", {
        "title": "集成电路验证定向班", "city": "无锡市", "skills": "Verilog，FPGA，UVM", "training_mode": "directed",
        "sponsor": "无锡芯源半导体有限公司", "seats": "45", "starts_on": "2027-03-01", "ends_on": "2027-06-01",
        "version": "1"})
    assert changed.status_code == 303, changed.text
    stored = backends.jobs.get(token("operator", "op-tests"), class_id)
    assert stored["seats"] == 45 and stored["skills"] == ["Verilog", "FPGA", "UVM"] and stored["version"] == 2
    too_small = browser.post(f"/enterprise/opportunities/{class_id}/edit", {
        "title": "集成电路验证定向班", "city": "无锡市", "training_mode": "directed", "seats": "0",
        "version": "2"})
    assert too_small.status_code == 422 and field_error(too_small.text, "seats")


def test_the_filter_form_gets_only_the_results_back_under_htmx(browser: Browser) -> None:
    browser.register_seeker()
    full = browser.get("/seeker/recommendations?salary_min=abc")
    assert full.status_code == 422 and "<html" in full.text
    partial = browser.get("/seeker/recommendations?salary_min=abc", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.text  # htmx swaps only 2xx answers
    assert partial.text.lstrip().startswith('<section id="results"') and "whole number of yuan" in partial.text
