"""Password reset codes, sent through the deployment's sender (``NOTIFY_SENDER``).

``log`` (the local stack) writes the code to the portal's log, the only sender that does; ``smtp`` mails it to
an e-mail login (a phone login cannot be reached that way: nothing is sent, and the log says so without the
code); ``webhook`` POSTs it as JSON for any login: the hook for an SMS gateway. A delivery never raises: a
failure is logged without the code, and the person asks for a new one.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from typing import Protocol

import httpx

from services.portal.notifier.senders import send_mail
from services.portal.settings import PortalSettings
from shared.background import describe

log = logging.getLogger(__name__)
# The local stack's "delivery": the portal's log file. Warning level, as the stack logs at that level.
reset_log = logging.getLogger("services.portal.reset_codes")


@dataclass(frozen=True)
class IssuedCode:
    """A fresh one-time code for one account, as its owner must receive it."""

    account_id: int
    login: str
    code: str
    valid_minutes: int


class ResetDelivery(Protocol):
    def deliver(self, issued: IssuedCode) -> None: ...

    def close(self) -> None: ...


class LogResetDelivery:
    def deliver(self, issued: IssuedCode) -> None:
        reset_log.warning("password reset code for account %s: %s (valid %d minutes)", issued.account_id,
                          issued.code, issued.valid_minutes)

    def close(self) -> None:
        return None


def _text(issued: IssuedCode) -> dict[str, str]:
    return {"zh": f"您的数字人才匹配密码重置验证码：{issued.code}，{issued.valid_minutes} 分钟内有效。"
                  "如非本人操作，请忽略。",
            "en": f"Your Digital Talent Match password reset code: {issued.code}, valid {issued.valid_minutes} "
                  "minutes. If you did not ask for it, ignore this message."}


class WebhookResetDelivery:
    """POSTs ``{"kind": "password_reset", "account_id", "login", "code", "valid_minutes", "text"}``: the
    receiver (an SMS gateway for phone logins, a mailer for e-mail ones) sends it to ``login``."""

    def __init__(self, *, url: str, timeout: float, client: httpx.Client | None = None) -> None:
        self._url = url
        self._client = client or httpx.Client(timeout=timeout)

    def deliver(self, issued: IssuedCode) -> None:
        body = {"kind": "password_reset", "account_id": issued.account_id, "login": issued.login,
                "code": issued.code, "valid_minutes": issued.valid_minutes, "text": _text(issued)}
        try:
            self._client.post(self._url, json=body).raise_for_status()
        except httpx.HTTPError as exc:
            log.warning("webhook delivery of a reset code for account %s failed: %s", issued.account_id,
                        describe(exc))

    def close(self) -> None:
        self._client.close()


class SmtpResetDelivery:
    """Mails the code to an e-mail login; a phone login is not reachable by mail (configure a webhook)."""

    def __init__(self, settings: PortalSettings) -> None:
        self._settings = settings

    def deliver(self, issued: IssuedCode) -> None:
        if "@" not in issued.login:
            log.warning("account %s signs in with a phone number: the smtp sender cannot send its reset code",
                        issued.account_id)
            return
        text = _text(issued)
        try:
            send_mail(self._settings, to=issued.login,
                      subject="数字人才匹配：密码重置验证码 / Digital Talent Match: password reset code",
                      body=f"{text['zh']}\n\n{text['en']}\n")
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("e-mail of a reset code for account %s failed: %s", issued.account_id, describe(exc))

    def close(self) -> None:
        return None


def make_reset_delivery(settings: PortalSettings) -> ResetDelivery:
    if settings.notify_sender == "webhook":
        return WebhookResetDelivery(url=settings.notify_webhook_url, timeout=settings.notify_webhook_timeout_seconds)
    if settings.notify_sender == "smtp":
        return SmtpResetDelivery(settings)
    return LogResetDelivery()
