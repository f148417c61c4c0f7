"""The deployment's sender, besides the in-app notice: the log (default), a webhook or SMTP.

A sender never raises: a failed delivery is logged and dropped (the in-app notice stays), so an outage
of the receiving end cannot hold the consumer or be retried forever.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Protocol

import httpx

from services.portal.notifier.service import Stored
from services.portal.notifier.texts import texts
from services.portal.settings import PortalSettings
from shared.background import describe

log = logging.getLogger(__name__)
# The local stack's "delivery": the portal's log file. Warning level, as the stack logs at that level.
notice_log = logging.getLogger("services.portal.notifications")


class Sender(Protocol):
    def send(self, notice: Stored) -> None: ...

    def close(self) -> None: ...


class LogSender:
    """Writes one line per notice: its id, kind, link and account id, never a name or a login."""

    def send(self, notice: Stored) -> None:
        notice_log.warning("notification %s for account %s: %s %s", notice.id, notice.account_id, notice.kind,
                           notice.link)

    def close(self) -> None:
        return None


class WebhookSender:
    """POSTs each notice as JSON (the account id, never the login); one try, bounded by the timeout."""

    def __init__(self, *, url: str, timeout: float, link_base: str, client: httpx.Client | None = None) -> None:
        self._url = url
        self._link_base = link_base
        self._client = client or httpx.Client(timeout=timeout)

    def send(self, notice: Stored) -> None:
        body = {"id": notice.id, "account_id": notice.account_id, "kind": notice.kind, "params": notice.params,
                "link": self._link_base + notice.link, "created_at": notice.created_at.isoformat(),
                "text": texts(notice.kind, notice.params)}
        try:
            self._client.post(self._url, json=body).raise_for_status()
        except httpx.HTTPError as exc:
            log.warning("webhook delivery of notification %s failed: %s", notice.id, describe(exc))

    def close(self) -> None:
        self._client.close()


class SmtpSender:
    """Mails each notice to its account when the login is an e-mail address (phone logins: in-app only)."""

    def __init__(self, settings: PortalSettings) -> None:
        self._settings = settings

    def send(self, notice: Stored) -> None:
        if "@" not in notice.login:
            return
        text = texts(notice.kind, notice.params)
        try:
            send_mail(self._settings, to=notice.login,
                      subject="数字人才匹配：新通知 / Digital Talent Match: a new notification",
                      body=f"{text['zh']}\n{text['en']}\n\n{self._settings.notify_link_base}{notice.link}\n")
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("e-mail of notification %s failed: %s", notice.id, describe(exc))

    def close(self) -> None:
        return None


def send_mail(settings: PortalSettings, *, to: str, subject: str, body: str) -> None:
    """One plain-text e-mail through the configured SMTP server; raises ``OSError`` / ``SMTPException``."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.notify_smtp_from
    message["To"] = to
    message.set_content(body)
    with smtplib.SMTP(settings.notify_smtp_host, settings.notify_smtp_port,
                      timeout=settings.notify_smtp_timeout_seconds) as smtp:
        if settings.notify_smtp_starttls:
            smtp.starttls()
        if settings.notify_smtp_user:
            smtp.login(settings.notify_smtp_user, settings.notify_smtp_password.get_secret_value())
        smtp.send_message(message)


def make_sender(settings: PortalSettings) -> Sender:
    if settings.notify_sender == "webhook":
        return WebhookSender(url=settings.notify_webhook_url, timeout=settings.notify_webhook_timeout_seconds,
                             link_base=settings.notify_link_base)
    if settings.notify_sender == "smtp":
        return SmtpSender(settings)
    return LogSender()
