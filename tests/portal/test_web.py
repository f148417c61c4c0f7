"""The English switch, backend errors turned into form errors, and operators created on the command line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from services.portal.clients import field_errors
from services.portal.web import LANG_COOKIE
from talentmatch.cli import main
from tests.portal.helpers import PASSWORD, Browser


def test_chinese_by_default_english_on_request_and_remembered(browser: Browser) -> None:
    page = browser.get("/login")
    assert '<html lang="zh-CN">' in page.text and "手机号或邮箱" in page.text
    page = browser.get("/login?lang=en")
    assert '<html lang="en">' in page.text and "Mobile number or e-mail" in page.text
    assert browser.client.cookies.get(LANG_COOKIE) == "en"
    assert "Mobile number or e-mail" in browser.get("/register").text
    assert "手机号或邮箱" in browser.get("/register?lang=zh").text
    assert "手机号或邮箱" in browser.get("/register?lang=xx").text  # an unknown language changes nothing


def test_a_services_422_becomes_one_reason_per_field() -> None:
    body = {"detail": [
        {"loc": ["body", "city"], "msg": "Value error, unknown city '火星'", "type": "value_error"},
        {"loc": ["body", "job_posting", "salary_max"], "msg": "too low", "type": "value_error"},
        {"loc": ["body", "skills", 3], "msg": "too long", "type": "string_too_long"},
        {"loc": ["body"], "msg": "whole body", "type": "x"},
    ]}
    assert field_errors(body) == {"city": "unknown city '火星'", "salary_max": "too low", "skills": "too long",
                                  "": "whole body"}
    assert field_errors("not json") == {}


def test_operators_are_created_on_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n"))
    assert main(["portal", "create-operator", "--login", "Ops@Example.com", "--password-stdin",
                 "--var", str(tmp_path)]) == 0
    assert "operator account op-p1 created for ops@example.com" in capsys.readouterr().out
    assert (tmp_path / "portal.db").is_file()
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n"))
    assert main(["portal", "create-operator", "--login", "ops@example.com", "--password-stdin",
                 "--var", str(tmp_path)]) == 1
    assert "exists already" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["portal", "create-operator", "--login", "x@example.com", "--password-stdin",
                 "--var", str(tmp_path)]) == 2
    assert "at least 8 characters" in capsys.readouterr().err
