"""Password reset codes through the deployment's sender, over real sockets: a minimal SMTP server and a webhook
receiver in threads. Only the ``log`` sender writes a code to the log (the other tests and the browser test read
it there); with SMTP or a webhook the code reaches its owner and never the log."""

from __future__ import annotations

import logging
import re
import socketserver
import threading
from collections.abc import Iterator
from email import message_from_string
from email.policy import default
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.portal.main import create_app
from services.portal.reset_delivery import (
    IssuedCode,
    LogResetDelivery,
    SmtpResetDelivery,
    WebhookResetDelivery,
    make_reset_delivery,
)
from services.portal.settings import PortalSettings
from tests.portal.helpers import Browser, new_phone
from tests.portal.test_notification_senders import RECEIVED, _Smtp, receiver

__all__ = ["receiver"]  # the webhook receiver fixture, shared with the notification senders' tests

NOTHING = "http://127.0.0.1:9"  # the reset pages call no other service


@pytest.fixture
def smtp_port() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    RECEIVED.clear()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()
    RECEIVED.clear()  # the notification senders' test counts what it received


def _portal(settings: PortalSettings, **changes: Any) -> TestClient:
    changed = settings.model_copy(update={"profiles_url": NOTHING, "jobs_url": NOTHING, "matching_url": NOTHING,
                                          **changes})
    return TestClient(create_app(changed), base_url="http://portal.test")


def _reset(browser: Browser, login: str, code: str, password: str) -> int:
    return int(browser.post("/reset/confirm", {"login": login, "code": code, "password": password}).status_code)


def test_smtp_mails_the_code_to_an_e_mail_login_and_never_logs_it(
        portal_settings: PortalSettings, smtp_port: int, caplog: pytest.LogCaptureFixture) -> None:
    with _portal(portal_settings, notify_sender="smtp", notify_smtp_host="127.0.0.1", notify_smtp_port=smtp_port,
                 notify_smtp_from="noreply@talent.example.cn") as client:
        browser = Browser(client)
        login = browser.register_seeker("lihua.reset@example.com")
        browser.logout()
        phone = Browser(client).register_seeker()
        with caplog.at_level(logging.INFO):
            assert browser.post("/reset", {"login": login}).status_code == 200
            assert browser.post("/reset", {"login": phone}).status_code == 200  # a phone login: no mail
        [(recipients, message)] = RECEIVED
        assert recipients == [login]
        body = message_from_string(message, policy=default).get_content()  # UTF-8: sent base64-encoded
        code = re.findall(r"code: (\d{6})", body)[-1]
        assert f"验证码：{code}" in body
        assert code not in caplog.text and "password reset code for account" not in caplog.text
        assert "signs in with a phone number" in caplog.text  # the operator sees why nothing went out
        assert _reset(browser, login, code, "a-new-password-1") == 200
        assert browser.login(login, "a-new-password-1").status_code == 303


def test_the_webhook_gets_the_code_for_any_login_and_a_failure_is_logged_without_it(
        portal_settings: PortalSettings, receiver: tuple[str, list[Any], list[int]],
        caplog: pytest.LogCaptureFixture) -> None:
    url, bodies, answers = receiver
    with _portal(portal_settings, notify_sender="webhook", notify_webhook_url=url) as client:
        browser = Browser(client)
        login = browser.register_seeker(new_phone())  # an SMS gateway behind the webhook reaches a phone
        browser.logout()
        with caplog.at_level(logging.INFO):
            assert browser.post("/reset", {"login": login}).status_code == 200
            answers.append(503)
            assert browser.post("/reset", {"login": login}).status_code == 200  # the receiver is down
        first, second = bodies
        assert first["kind"] == "password_reset" and first["login"] == login and first["valid_minutes"] == 15
        assert first["code"] in first["text"]["zh"] and first["code"] in first["text"]["en"]
        assert "reset code for account" in caplog.text and "failed" in caplog.text
        assert first["code"] not in caplog.text and second["code"] not in caplog.text
        assert _reset(browser, login, second["code"], "a-new-password-2") == 200  # stored before it was sent


def test_the_log_sender_writes_the_code_and_the_settings_pick_the_delivery(caplog: pytest.LogCaptureFixture,
                                                                          portal_settings: PortalSettings) -> None:
    with caplog.at_level(logging.WARNING, logger="services.portal.reset_codes"):
        LogResetDelivery().deliver(IssuedCode(account_id=7, login="13900000007", code="042917", valid_minutes=15))
    assert "password reset code for account 7: 042917 (valid 15 minutes)" in caplog.text
    assert "13900000007" not in caplog.text  # the account id, never the login
    assert isinstance(make_reset_delivery(portal_settings), LogResetDelivery)
    webhook = portal_settings.model_copy(update={"notify_sender": "webhook", "notify_webhook_url": NOTHING})
    delivery = make_reset_delivery(webhook)
    assert isinstance(delivery, WebhookResetDelivery)
    delivery.close()
    smtp = portal_settings.model_copy(update={"notify_sender": "smtp", "notify_smtp_host": "127.0.0.1",
                                              "notify_smtp_from": "noreply@talent.example.cn"})
    assert isinstance(make_reset_delivery(smtp), SmtpResetDelivery)
