"""A loopback SMTP server that records envelopes (the VERP sender) and raw bytes (DKIM)."""

from __future__ import annotations

import email
import threading
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from django.core.mail.utils import DNS_NAME

from tests.outbox.conftest import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list
    raw: bytes

    @property
    def message(self):
        return email.message_from_bytes(self.raw)


@dataclass
class EnvelopeHandler:
    received: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
        return "250 OK"


class LoopbackSmtp:
    def __init__(self):
        self.port = free_port()
        self.handler = EnvelopeHandler()
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, server_hostname="smtp.ostoja.test"
        )

    @property
    def received(self):
        return self.handler.received


@pytest.fixture
def smtp(settings, monkeypatch):
    monkeypatch.setattr(DNS_NAME, "_fqdn", "client.ostoja.test", raising=False)
    server = LoopbackSmtp()
    server.controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.SITE_URL = "https://ostoja.example.org"
    settings.NEWSLETTER_MAIL_DOMAIN = "lists.ostoja.example.org"
    yield server
    server.controller.stop()


def dsn(*, to: str, failed: str, action: str = "failed", status: str = "5.1.1") -> bytes:
    """A delivery status notification (RFC 3464) as a mail server sends it."""
    diagnostic = "smtp; 550 5.1.1 User unknown" if action == "failed" else "smtp; 452 4.2.2 Full"
    return (
        "From: MAILER-DAEMON@mx.example.net\r\n"
        f"To: {to}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n--B\r\nContent-Type: text/plain\r\n\r\nThe message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.net\r\n\r\n"
        f"Final-Recipient: rfc822; {failed}\r\n"
        f"Action: {action}\r\n"
        f"Status: {status}\r\n"
        f"Diagnostic-Code: {diagnostic}\r\n"
        "\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"To: {failed}\r\nSubject: Newsletter\r\n\r\n--B--\r\n"
    ).encode()
