"""The deployment's senders over real sockets (a webhook receiver and a minimal SMTP server in threads), and
the pure planning step: what an event is worth to whom."""

from __future__ import annotations

import json
import logging
import socketserver
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from services.portal.notifier.planning import SeekerChoice, application_notice, fresh, match_notices
from services.portal.notifier.senders import LogSender, SmtpSender, WebhookSender, make_sender
from services.portal.notifier.service import Stored
from services.portal.settings import PortalSettings
from shared.events.contracts import (
    ApplicationChangedV1,
    ApplicationSnapshot,
    ApplicationStatus,
    OpportunitySnapshot,
    OpportunityUpsertedV1,
)
from shared.events.vocabulary import OpportunityKind
from tests.auth import SECRET

NOTICE = Stored(id=7, account_id=12, login="wangmin@example.com", kind="application_status",
                params={"application_id": 5, "opportunity_id": 8, "kind": "job_posting", "status": "hired"},
                link="/seeker/applications", created_at=datetime(2026, 12, 2, 9, 30, tzinfo=UTC))


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[Any], list[int]]]:
    """A webhook receiver: the bodies it got; it answers each with the next status in ``answers``."""
    bodies: list[Any] = []
    answers: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(answers.pop(0) if answers else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/talentmatch", bodies, answers
    server.shutdown()
    server.server_close()


def test_the_webhook_gets_the_notice_as_json_and_a_failure_is_logged_not_raised(
        receiver: tuple[str, list[Any], list[int]], caplog: pytest.LogCaptureFixture) -> None:
    url, bodies, answers = receiver
    sender = make_sender(PortalSettings(auth_secret=SECRET, notify_sender="webhook", notify_webhook_url=url,
                                        notify_link_base="https://talent.example.cn"))
    assert isinstance(sender, WebhookSender)
    try:
        sender.send(NOTICE)
        answers.append(500)
        with caplog.at_level(logging.WARNING):
            sender.send(NOTICE)  # the receiver fails: logged, one try, no exception
    finally:
        sender.close()
    assert len(bodies) == 2
    body = bodies[0]
    assert body["account_id"] == 12 and body["kind"] == "application_status"
    assert body["link"] == "https://talent.example.cn/seeker/applications"
    assert body["text"]["zh"] == "您的岗位申请（编号 5）状态更新为：已录用"
    assert body["text"]["en"] == "Your application (Job, no. 5) is now: Hired"
    assert "wangmin" not in json.dumps(body)  # the login stays in the portal
    assert "webhook delivery of notification 7 failed" in caplog.text


def test_a_webhook_or_smtp_sender_without_its_address_is_refused() -> None:
    with pytest.raises(ValueError, match="NOTIFY_WEBHOOK_URL"):
        PortalSettings(auth_secret=SECRET, notify_sender="webhook")
    with pytest.raises(ValueError, match="NOTIFY_SMTP_HOST"):
        PortalSettings(auth_secret=SECRET, notify_sender="smtp", notify_smtp_host="mail.example.cn")


def test_the_log_names_the_account_id_only(caplog: pytest.LogCaptureFixture) -> None:
    assert isinstance(make_sender(PortalSettings(auth_secret=SECRET)), LogSender)
    with caplog.at_level(logging.WARNING, logger="services.portal.notifications"):
        LogSender().send(NOTICE)
    assert "notification 7 for account 12: application_status /seeker/applications" in caplog.text
    assert "wangmin" not in caplog.text


RECEIVED: list[tuple[list[str], str]] = []  # (recipients, message) the SMTP server below took


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 for smtplib: greeting, EHLO, MAIL, RCPT, DATA, QUIT."""

    def handle(self) -> None:
        self.wfile.write(b"220 mail.test ESMTP\r\n")
        recipients: list[str] = []
        while line := self.rfile.readline().decode():
            verb = line[:4].upper()
            if verb == "DATA":
                self.wfile.write(b"354 go ahead\r\n")
                data = []
                while (part := self.rfile.readline().decode()) not in (".\r\n", ""):
                    data.append(part)
                RECEIVED.append((recipients, "".join(data)))
                self.wfile.write(b"250 queued\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                if verb == "RCPT":
                    recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                self.wfile.write(b"250 ok\r\n")


def test_smtp_mails_e_mail_logins_only() -> None:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = PortalSettings(auth_secret=SECRET, notify_sender="smtp", notify_smtp_host="127.0.0.1",
                                  notify_smtp_port=server.server_address[1],
                                  notify_smtp_from="noreply@talent.example.cn")
        sender = make_sender(settings)
        assert isinstance(sender, SmtpSender)
        sender.send(NOTICE)
        sender.send(Stored(**{**NOTICE.__dict__, "id": 8, "login": "13900000001"}))  # a phone: in-app only
    finally:
        server.shutdown()
        server.server_close()
    [(recipients, message)] = RECEIVED
    assert recipients == ["wangmin@example.com"]
    assert "Subject:" in message and "/seeker/applications" in message


def _application(version: int, status: ApplicationStatus) -> ApplicationChangedV1:
    return ApplicationChangedV1(record_id=5, record_version=version, owner_id="seeker-p12",
                                application=ApplicationSnapshot(opportunity_id=8, talent_id=42, status=status,
                                                                opportunity_kind=OpportunityKind.JOB_POSTING))


def test_only_moves_by_others_are_news() -> None:
    assert application_notice(_application(1, ApplicationStatus.RECEIVED), account_id=12) is None  # made
    assert application_notice(_application(2, ApplicationStatus.WITHDRAWN), account_id=12) is None  # by them
    notice = application_notice(_application(2, ApplicationStatus.ENROLLED), account_id=12)  # promoted
    assert notice is not None and notice.source_key == "application:5:2" and notice.params["status"] == "enrolled"
    now = datetime.now(UTC)
    assert fresh(now - timedelta(hours=1), now, max_age=timedelta(hours=72))
    assert not fresh(now - timedelta(days=4), now, max_age=timedelta(hours=72))
    assert fresh((now - timedelta(hours=1)).replace(tzinfo=None), now, max_age=timedelta(hours=72))


def test_the_threshold_and_the_switch_decide_a_match_notice() -> None:
    event = OpportunityUpsertedV1(record_id=3, record_version=1, opportunity=OpportunitySnapshot(
        kind=OpportunityKind.TRAINING_CLASS, title="工业互联网平台运维订单班", organization="杭州海康智造科技有限公司",
        city="杭州市"))
    seekers = {1: SeekerChoice(account_id=11, threshold=0.75, new_match_enabled=True),
               2: SeekerChoice(account_id=12, threshold=0.5, new_match_enabled=True),
               3: SeekerChoice(account_id=13, threshold=0.1, new_match_enabled=False)}
    notices = match_notices(event, [(1, 0.75), (2, 0.49), (3, 0.9), (4, 0.99)], seekers)
    assert [(n.account_id, n.params["score"]) for n in notices] == [(11, 0.75)]
