"""CSRF on every form, session cookies, expired sessions, and who may open which page (role × owner)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from services.portal.main import PAGE_ROUTERS
from services.portal.service import AccountService
from services.portal.web import CSRF_COOKIE, SESSION_COOKIE
from shared.auth import Principal, issue_token
from tests.auth import SECRET
from tests.portal.helpers import PASSWORD, Browser

JOB = {"title": "大数据开发工程师", "city": "杭州", "skills": "Python，Spark", "salary_min": "15000",
       "salary_max": "25000", "openings": "2", "level": "intermediate"}


def unsafe_routes() -> list[str]:
    paths = []
    for router in PAGE_ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute) and set(route.methods or ()) & {"POST", "PUT", "PATCH", "DELETE"}:
                paths.append(route.path.replace("{account_id}", "1").replace("{opportunity_id}", "1"))
    return paths


def test_every_form_refuses_a_request_without_the_csrf_token(browser: Browser, app_client: TestClient) -> None:
    browser.register_seeker()
    paths = unsafe_routes()
    assert len(paths) >= 14  # every POST the portal has
    for path in paths:
        missing = app_client.post(path, data={"login": "x"}, follow_redirects=False)
        assert missing.status_code == 403, path
        assert "security token" in missing.text
        forged = app_client.post(path, data={"csrf_token": "x" * 43}, follow_redirects=False)
        assert forged.status_code == 403, path
    # the header works too (htmx sends it), and a right token passes the check
    assert app_client.post("/logout", headers={"X-CSRF-Token": str(app_client.cookies.get(CSRF_COOKIE))},
                           follow_redirects=False).status_code == 303


def test_another_sites_cookie_less_post_cannot_sign_in(app_client: TestClient) -> None:
    app_client.cookies.clear()
    response = app_client.post("/login", data={"login": "a@b.cn", "password": PASSWORD, "csrf_token": "t" * 43},
                               follow_redirects=False)
    assert response.status_code == 403


def test_cookies_are_http_only_and_same_site(browser: Browser) -> None:
    browser.register_seeker()
    response = browser.login(browser.register_seeker())
    set_cookie = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    session = next(c for c in set_cookie if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in session and "SameSite=lax" in session and "Max-Age=" in session
    page = browser.get("/account")
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.headers["x-frame-options"] == "DENY"


def test_an_expired_session_signs_in_again_and_returns_to_the_page(browser: Browser,
                                                                  accounts: AccountService) -> None:
    login = browser.register_seeker()
    old = issue_token(SECRET, subject=_subject(browser), role="seeker", ttl_seconds=60, now=time.time() - 3600)
    browser.client.cookies.set(SESSION_COOKIE, old, domain="portal.test")
    response = browser.get("/seeker/profile?x=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fseeker%2Fprofile%3Fx%3D1&expired=1"
    page = browser.get(response.headers["location"])
    assert "登录已过期" in page.text and 'value="/seeker/profile?x=1"' in page.text
    assert browser.login(login, next_path="/seeker/profile?x=1").headers["location"] == "/seeker/profile?x=1"


def test_signing_out_revokes_the_session_not_only_its_cookie(browser: Browser, accounts: AccountService) -> None:
    login = browser.register_seeker()
    copied = str(browser.client.cookies.get(SESSION_COOKIE))
    assert browser.get("/account").status_code == 200
    browser.logout()
    thief = Browser(TestClient(browser.client.app, base_url="http://portal.test"))
    thief.client.cookies.set(SESSION_COOKIE, copied, domain="portal.test")
    refused = thief.get("/seeker/profile")
    assert refused.status_code == 303 and refused.headers["location"].startswith("/login?next=%2Fseeker%2Fprofile")
    assert thief.get("/account", headers={"HX-Request": "true"}).headers["HX-Redirect"].startswith("/login")
    assert browser.login(login).status_code == 303 and browser.get("/account").status_code == 200  # a new session
    browser.logout()

    # an enterprise approved while signed in: its cookie's token is refreshed on the next page; signing out
    # revokes the token the cookie held as well as the refreshed one
    hr = Browser(TestClient(browser.client.app, base_url="http://portal.test"))
    hr.register_enterprise("杭州数澜科技有限公司")
    before_approval = str(hr.client.cookies.get(SESSION_COOKIE))
    accounts.review_enterprise(accounts.enterprises(status="pending")[-1].id, approve=True, operator=_operator())
    hr.logout()
    thief.client.cookies.set(SESSION_COOKIE, before_approval, domain="portal.test")
    assert thief.get("/enterprise").status_code == 303


def test_signed_out_sessions_are_forgotten_once_their_tokens_expire(accounts: AccountService) -> None:
    now = datetime.now(UTC)
    accounts.sign_out(session_id="a" * 32, expires_at=now - timedelta(seconds=1))
    assert accounts.signed_out("a" * 32)
    accounts.sign_out(session_id="b" * 32, expires_at=now + timedelta(hours=8))
    accounts.sign_out(session_id="b" * 32, expires_at=now + timedelta(hours=8))  # twice: no error
    assert not accounts.signed_out("a" * 32) and accounts.signed_out("b" * 32)


def _subject(browser: Browser) -> str:
    return str(jwt.decode(str(browser.client.cookies.get(SESSION_COOKIE)),
                          options={"verify_signature": False})["sub"])


def test_a_forged_or_foreign_session_is_no_session(browser: Browser) -> None:
    browser.register_seeker()
    browser.client.cookies.set(SESSION_COOKIE, issue_token("another-secret-" + "x" * 32, subject="seeker-1",
                                                           role="seeker"), domain="portal.test")
    assert browser.get("/account").status_code == 303
    # valid tokens for accounts the portal does not hold: the demo's seekers, `talentmatch token` names
    for subject in ("seeker-1", "seeker-wangmin", "seeker-p"):
        browser.client.cookies.set(SESSION_COOKIE, issue_token(SECRET, subject=subject, role="seeker"),
                                   domain="portal.test")
        assert browser.get("/account").status_code == 303, subject


PAGES = {
    # path: roles that may open it
    "/account": {"seeker", "enterprise", "operator"},
    "/seeker/profile": {"seeker"},
    "/seeker/resume": {"seeker"},
    "/seeker/skill-gap": {"seeker"},
    "/enterprise": {"enterprise"},
    "/enterprise/opportunities/new": {"enterprise"},
    "/enterprise/training-needs/new": {"enterprise"},
    "/operator/enterprises": {"operator"},
    "/operator/postings": {"operator"},
}


@pytest.fixture
def signed_in(browser: Browser, accounts: AccountService) -> dict[str, Browser]:
    """One browser per role (the enterprise approved), all on the same app."""
    client = browser.client
    sessions: dict[str, Browser] = {}
    accounts.create_operator(login="ops@example.com", password=PASSWORD)
    for role in ("seeker", "enterprise", "operator"):
        other = Browser(TestClient(client.app, base_url="http://portal.test"))
        if role == "seeker":
            other.register_seeker()
        elif role == "enterprise":
            other.register_enterprise("杭州智算人工智能科技有限公司")
            accounts.review_enterprise(accounts.enterprises(status="pending")[-1].id, approve=True,
                                       operator=_operator())
        else:
            other.login("ops@example.com")
        sessions[role] = other
    return sessions


def _operator() -> Principal:
    return Principal(subject="op-tests", role="operator")


def test_each_page_opens_for_its_roles_only(app_client: TestClient, signed_in: dict[str, Browser]) -> None:
    anonymous = Browser(TestClient(app_client.app, base_url="http://portal.test"))
    for path, allowed in PAGES.items():
        assert anonymous.get(path).status_code == 303, path
        for role, session in signed_in.items():
            status = session.get(path).status_code
            assert status == (200 if role in allowed else 403), (path, role, status)


def test_an_enterprise_edits_and_shortlists_only_its_own_postings(browser: Browser, accounts: AccountService,
                                                                  signed_in: dict[str, Browser]) -> None:
    owner = signed_in["enterprise"]
    created = owner.post("/enterprise/opportunities/new?kind=job_posting", JOB)
    assert created.status_code == 303, created.text
    opportunity_id = int(created.headers["location"].split("/")[2].split("?")[0])
    rival = Browser(TestClient(browser.client.app, base_url="http://portal.test"))
    rival.register_enterprise("另一家科技有限公司")
    accounts.review_enterprise(accounts.enterprises(status="pending")[-1].id, approve=True, operator=_operator())
    for path in (f"/enterprise/opportunities/{opportunity_id}/edit",
                 f"/enterprise/opportunities/{opportunity_id}/shortlist"):
        # another enterprise's posting answers as an unknown id would (as the invite routes do)
        assert rival.get(path).status_code == 404, path
        assert rival.get(path.replace(str(opportunity_id), "999999")).status_code == 404, path
        assert signed_in["seeker"].get(path).status_code == 403, path  # the wrong role: refused outright
    assert rival.post(f"/enterprise/opportunities/{opportunity_id}/edit", {**JOB, "title": "改"}).status_code == 404
    assert rival.get(f"/enterprise/opportunities/{opportunity_id}/applicants").status_code == 404
    assert owner.get(f"/enterprise/opportunities/{opportunity_id}/edit").status_code == 200
    # every signed-in role reads a posting; nobody anonymous
    for session in signed_in.values():
        assert session.get(f"/opportunities/{opportunity_id}").status_code == 200
    anonymous = Browser(TestClient(browser.client.app, base_url="http://portal.test"))
    assert anonymous.get(f"/opportunities/{opportunity_id}").status_code == 303


def test_only_seekers_dismiss_recommendations(signed_in: dict[str, Browser]) -> None:
    for role in ("enterprise", "operator"):
        assert signed_in[role].post("/seeker/recommendations/1/dismiss").status_code == 403
    assert signed_in["seeker"].post("/seeker/recommendations/1/dismiss").status_code == 303


def test_only_operators_review_enterprises(signed_in: dict[str, Browser], accounts: AccountService) -> None:
    pending = Browser(TestClient(signed_in["seeker"].client.app, base_url="http://portal.test"))
    pending.register_enterprise("待审核科技有限公司")
    account_id = accounts.enterprises(status="pending")[-1].id
    for role in ("seeker", "enterprise"):
        assert signed_in[role].post(f"/operator/enterprises/{account_id}/approve").status_code == 403
    assert accounts.get(account_id).status == "pending"  # type: ignore[union-attr]
    assert signed_in["operator"].post(f"/operator/enterprises/{account_id}/approve").status_code == 303
    assert accounts.get(account_id).status == "active"  # type: ignore[union-attr]
