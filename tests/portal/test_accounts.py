"""Accounts through the pages: registration, consent, enterprise approval, sign-in throttling, reset,
export and erasure; each against the real portal database and the real profiles service."""

from __future__ import annotations

import json
import logging
import re

import jwt
import pytest

from services.portal.clients import Backends
from services.portal.credit_code import InvalidCreditCodeError, check_character, normalize_credit_code
from services.portal.service import AccountService
from services.portal.web import SESSION_COOKIE
from shared.auth import Principal
from shared.errors import NotFoundError
from tests.auth import token
from tests.portal.helpers import PASSWORD, Browser, field_error, new_credit_code, new_phone

OPERATOR = Principal(subject="op-tests", role="operator")
PROFILE = {"display_name": "王敏", "city": "杭州", "skills": ["Python", "机器学习"], "years_experience": "3",
           "wanted_kinds": ["job_posting"], "open_to_work": "on"}


def session_claims(browser: Browser) -> dict[str, object]:
    claims: dict[str, object] = jwt.decode(str(browser.client.cookies.get(SESSION_COOKIE)),
                                           options={"verify_signature": False})
    return claims


def test_credit_codes_are_checked_by_their_check_character() -> None:
    assert normalize_credit_code(" 9144030071526726xg ") == "9144030071526726XG"  # a published code
    with pytest.raises(InvalidCreditCodeError, match="check character"):
        normalize_credit_code("9144030071526726X1")
    with pytest.raises(InvalidCreditCodeError, match="18 characters"):
        normalize_credit_code("91440300715267")
    with pytest.raises(InvalidCreditCodeError, match="capitals"):
        normalize_credit_code("9144030071526726OG")  # O is not in the standard's character set
    code = new_credit_code()
    assert check_character(code[:17]) == code[17]


def test_a_seeker_registers_with_consent_and_gets_a_session_the_services_accept(browser: Browser) -> None:
    browser.register_seeker("Wang.Min@Example.com")
    claims = session_claims(browser)
    assert claims["role"] == "seeker" and str(claims["sub"]).startswith("seeker-p")
    cookie = next(c for c in browser.client.cookies.jar if c.name == SESSION_COOKIE)
    assert cookie.has_nonstandard_attr("HttpOnly")
    page = browser.get("/account").text
    assert "wang.min@example.com" in page and page.count("UTC)") == 2  # both consents, timestamped


def test_registration_names_the_bad_field_and_keeps_nothing(browser: Browser, accounts: AccountService) -> None:
    response = browser.post("/register", {"login": "12345", "password": PASSWORD, "display_name": "王敏",
                                          "consent_account": "on", "consent_matching": "on"})
    assert response.status_code == 422
    assert "mobile number" in str(field_error(response.text, "login"))
    response = browser.post("/register", {"login": new_phone(), "password": "short", "display_name": "王敏",
                                          "consent_account": "on", "consent_matching": "on"})
    assert response.status_code == 422 and field_error(response.text, "password")
    phone = new_phone()
    response = browser.post("/register", {"login": phone, "password": PASSWORD, "display_name": "王敏",
                                          "consent_account": "on"})
    assert response.status_code == 422 and "consent" in response.text
    assert browser.login(phone).status_code == 401
    browser.register_seeker(phone)
    browser.logout()
    response = browser.post("/register", {"login": phone, "password": PASSWORD, "display_name": "王敏",
                                          "consent_account": "on", "consent_matching": "on"})
    assert response.status_code == 409 and "exists already" in str(field_error(response.text, "login"))


def test_an_enterprise_is_pending_until_an_operator_approves_it(browser: Browser, accounts: AccountService) -> None:
    response = browser.post("/register/enterprise", {
        "login": "hr@hik.example.com", "password": PASSWORD, "display_name": "李娜", "organization": "海康智造",
        "credit_code": "9144030071526726X1", "consent_account": "on", "consent_matching": "on"})
    assert response.status_code == 422 and "check character" in str(field_error(response.text, "credit_code"))
    browser.register_enterprise("杭州海康智造科技有限公司", login="hr@hik.example.com")
    assert "org" not in session_claims(browser)  # a pending account cannot post: no organization claim
    assert "待运营人员审核" in browser.get("/enterprise").text
    assert browser.get("/enterprise/opportunities/new").status_code == 403
    browser.logout()

    accounts.create_operator(login="ops@example.com", password=PASSWORD)
    browser.login("ops@example.com")
    page = browser.get("/operator/enterprises").text
    assert "杭州海康智造科技有限公司" in page
    account_id = int(re.findall(r"/operator/enterprises/(\d+)/approve", page)[0])
    assert browser.post(f"/operator/enterprises/{account_id}/approve").status_code == 303
    assert "已通过" in browser.get("/operator/enterprises").text
    browser.logout()

    browser.login("hr@hik.example.com")
    assert session_claims(browser)["org"] == "杭州海康智造科技有限公司"
    assert browser.get("/enterprise/opportunities/new").status_code == 200


def test_an_approval_reaches_a_session_opened_before_it(browser: Browser, accounts: AccountService) -> None:
    browser.register_enterprise("杭州智算人工智能科技有限公司")
    pending = accounts.enterprises(status="pending")
    accounts.review_enterprise(pending[-1].id, approve=True, operator=OPERATOR)
    assert browser.get("/enterprise").status_code == 200  # the session is re-issued with the claim
    assert session_claims(browser)["org"] == "杭州智算人工智能科技有限公司"


def test_a_rejected_enterprise_cannot_sign_in(browser: Browser, accounts: AccountService) -> None:
    login = browser.register_enterprise("某某科技有限公司")
    browser.logout()
    accounts.review_enterprise(accounts.enterprises(status="pending")[-1].id, approve=False,
                               operator=OPERATOR)
    assert browser.login(login).status_code == 403


def test_sign_in_is_throttled_per_login(browser: Browser) -> None:
    login = browser.register_seeker()
    browser.logout()
    for _ in range(3):  # login_max_failures=3 in these tests
        assert browser.login(login, "wrong-password").status_code == 401
    response = browser.login(login)  # even the right password, while the window lasts
    assert response.status_code == 429 and "too many failed sign-ins" in response.text
    assert response.headers["Retry-After"].isdigit()


def test_sign_in_goes_back_to_the_page_asked_for_and_nowhere_else(browser: Browser) -> None:
    login = browser.register_seeker()
    browser.logout()
    assert browser.login(login, next_path="/account").headers["location"] == "/account"
    browser.logout()
    assert browser.login(login, next_path="//evil.example.com/x").headers["location"] == "/seeker/recommendations"


def test_a_password_is_reset_with_a_one_time_code_from_the_log(browser: Browser,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    login = browser.register_seeker()
    browser.logout()
    with caplog.at_level(logging.WARNING, logger="services.portal.reset_codes"):
        assert browser.post("/reset", {"login": login}).status_code == 200
    code = re.findall(r"password reset code for account \d+: (\d{6})", caplog.text)[-1]
    wrong = "000000" if code != "000000" else "111111"
    response = browser.post("/reset/confirm", {"login": login, "code": wrong, "password": "a-new-password-1"})
    assert response.status_code == 401 and field_error(response.text, "code")
    assert browser.post("/reset/confirm", {"login": login, "code": code, "password": "a-new-password-1"}
                        ).status_code == 200
    assert browser.post("/reset/confirm", {"login": login, "code": code, "password": "another-one-22"}
                        ).status_code == 401  # used once
    assert browser.login(login).status_code == 401
    assert browser.login(login, "a-new-password-1").status_code == 303
    # the same answer for an unknown login: no probing which accounts exist
    assert browser.post("/reset", {"login": new_phone()}).status_code == 200


def test_reset_codes_cannot_be_guessed_or_flooded(browser: Browser, caplog: pytest.LogCaptureFixture) -> None:
    login = browser.register_seeker()
    browser.logout()
    with caplog.at_level(logging.WARNING, logger="services.portal.reset_codes"):
        assert browser.post("/reset", {"login": login}).status_code == 200
    code = re.findall(r"password reset code for account \d+: (\d{6})", caplog.text)[-1]
    wrong = [f"{(int(code) + n) % 10**6:06d}" for n in (1, 2, 3)]
    for guess in wrong:  # login_max_failures=3 in these tests
        assert browser.post("/reset/confirm", {"login": login, "code": guess, "password": "new-pass-123"}
                            ).status_code == 401
    refused = browser.post("/reset/confirm", {"login": login, "code": code, "password": "new-pass-123"})
    assert refused.status_code == 429  # even the right code, while the window lasts
    assert browser.login(login).status_code == 303  # the password did not change
    browser.logout()
    for _ in range(2):  # three requests were allowed in the window (one above)
        assert browser.post("/reset", {"login": login}).status_code == 200
    assert browser.post("/reset", {"login": login}).status_code == 429


def test_export_holds_the_account_its_consents_and_its_profile(browser: Browser) -> None:
    browser.register_seeker("export@example.com")
    assert browser.post("/seeker/profile", PROFILE).status_code == 303
    response = browser.get("/account/export")
    assert response.headers["content-disposition"].startswith("attachment")
    data = json.loads(response.text)
    assert data["account"]["login"] == "export@example.com"
    assert {c["purpose"] for c in data["consents"]} == {"account", "matching"}
    assert data["profile"]["city"] == "杭州市" and data["profile"]["skills"] == ["Python", "机器学习"]
    assert "password" not in response.text and "argon2" not in response.text


def test_deleting_the_account_erases_the_profile_then_the_account(browser: Browser, backends: Backends,
                                                                   accounts: AccountService) -> None:
    login = browser.register_seeker()
    assert browser.post("/seeker/profile", PROFILE).status_code == 303
    account = accounts.get(int(str(session_claims(browser)["sub"]).removeprefix("seeker-p")))
    assert account is not None and account.profile_id is not None
    response = browser.post("/account/delete", {"password": "not-it-123"})
    assert response.status_code == 403 and accounts.get(account.id) is not None
    assert browser.post("/account/delete", {"password": PASSWORD}).status_code == 303
    with pytest.raises(NotFoundError):
        backends.profiles.get(token("operator", "op-tests"), account.profile_id)
    assert accounts.get(account.id) is None
    assert browser.login(login).status_code == 401
