"""Applications in the portal against the real jobs service: the seeker applies and enrols from the opportunity
page, sees "My applications"; the enterprise moves its applicant along the pipeline; another enterprise
cannot see or move them; the seats left of a class are shown."""

from __future__ import annotations

from services.portal.clients import Backends
from services.portal.service import AccountService
from tests.auth import token
from tests.portal.helpers import Browser
from tests.portal.test_pages import PROFILE, approved_enterprise

ORG = "杭州海康智造科技有限公司"
JOB = {"title": "大数据开发工程师", "city": "杭州", "skills": "Python，Spark", "salary_min": "15000",
       "salary_max": "25000", "openings": "2", "level": "intermediate"}
ORDER_CLASS = {"title": "工业互联网运维订单班", "city": "杭州市", "skills": "工业互联网，Linux",
               "training_mode": "order_based", "sponsor": ORG, "seats": "1", "committed_hires": "1",
               "hiring_commitment": "on", "starts_on": "2030-03-01", "ends_on": "2030-06-01"}


def _post(browser: Browser, kind: str, form: dict[str, str]) -> int:
    created = browser.post(f"/enterprise/opportunities/new?kind={kind}", form)
    assert created.status_code == 303, created.text
    return int(created.headers["location"].split("/")[2].split("?")[0])


def test_apply_enrol_and_move_to_hired(browser: Browser, accounts: AccountService, backends: Backends) -> None:
    hr = approved_enterprise_login(browser, accounts)
    job_id, class_id = _post(browser, "job_posting", JOB), _post(browser, "training_class", ORDER_CLASS)
    browser.logout()

    seeker = browser.register_seeker()
    assert browser.post("/seeker/profile", PROFILE).status_code == 303
    page = browser.get(f"/opportunities/{class_id}").text
    assert f'action="/seeker/opportunities/{class_id}/apply"' in page and "剩余名额: 1 / 1" in page
    assert browser.post(f"/seeker/opportunities/{job_id}/apply").status_code == 303
    assert browser.post(f"/seeker/opportunities/{class_id}/apply").status_code == 303
    assert browser.post(f"/seeker/opportunities/{job_id}/apply").status_code == 303  # again: nothing new
    mine = browser.get("/seeker/applications").text
    assert "大数据开发工程师" in mine and "已投递" in mine and "已报名" in mine
    browser.logout()

    browser.register_seeker()  # a second seeker: the one seat is taken, so the waiting list
    assert browser.post("/seeker/profile", {**PROFILE, "display_name": "陈静"}).status_code == 303
    assert browser.post(f"/seeker/opportunities/{class_id}/apply").status_code == 303
    assert "候补中" in browser.get("/seeker/applications").text
    browser.logout()

    browser.login(hr)
    applicants = browser.get(f"/enterprise/opportunities/{class_id}/applicants").text
    assert "剩余名额: 0" in applicants and "候补人数: 1" in applicants and "承诺录用: 1" in applicants
    listing = backends.jobs.applications(token("operator", "op-tests"), opportunity_id=job_id)["items"]
    assert len(listing) == 1
    application = listing[0]
    for status, version in (("interviewing", 1), ("offered", 2), ("hired", 3)):
        moved = browser.post(f"/enterprise/applications/{application['id']}/move",
                             {"status": status, "version": str(version), "opportunity_id": str(job_id)})
        assert moved.status_code == 303, moved.text
    illegal = browser.post(f"/enterprise/applications/{application['id']}/move",
                           {"status": "rejected", "version": "4", "opportunity_id": str(job_id)})
    assert illegal.status_code == 409 and "hired" in illegal.text
    browser.logout()

    approved_enterprise(browser, accounts, ORG)  # another account of the same organization: not its posting
    assert browser.get(f"/enterprise/opportunities/{job_id}/applicants").status_code == 404
    browser.logout()

    browser.login(seeker)
    assert "已录用" in browser.get("/seeker/applications").text


def approved_enterprise_login(browser: Browser, accounts: AccountService) -> str:
    approved_enterprise(browser, accounts, ORG)
    return accounts.enterprises(status="active")[-1].login
