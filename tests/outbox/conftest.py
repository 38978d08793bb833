"""Real protocol peers on loopback: an SMTP server (aiosmtpd) and a webhook receiver.

Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import email
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.core.mail.utils import DNS_NAME

WEBHOOK_SECRET = "whsec-test-0123456789abcdef"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- SMTP -----------------------------------------------------------------------------------


@dataclass
class RecordingHandler:
    """Records accepted messages. ``data_replies``/``rcpt_replies``: scripted answers, used
    first-in first-out, then "250"."""

    messages: list[Message] = field(default_factory=list)
    data_replies: deque = field(default_factory=deque)
    rcpt_replies: deque = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_replies:
            return self.rcpt_replies.popleft()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_replies:
            return self.data_replies.popleft()
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]


class SmtpServer:
    """An SMTP server on a fixed loopback port that can be stopped and started again."""

    def __init__(self):
        self.port = free_port()
        self.handler = RecordingHandler()
        self.controller = None

    def start(self):
        assert self.controller is None
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            server_hostname="smtp.ostoja.test",  # no getfqdn() lookup
            ready_timeout=5,
        )
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server(settings, monkeypatch):
    """SMTP settings pointing at a loopback server, initially *not running*."""
    # Django's SMTP backend sends EHLO with the machine's FQDN: fix it instead of resolving.
    monkeypatch.setattr(DNS_NAME, "_fqdn", "client.ostoja.test", raising=False)
    server = SmtpServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


# --- webhooks -------------------------------------------------------------------------------


@dataclass
class ReceivedRequest:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


class WebhookReceiver:
    """HTTP server on 127.0.0.1; each request takes the next scripted behaviour.

    Behaviours: an int status code, ``"hang"`` (answers only after the client gave up),
    ``("redirect", location)`` or ``(status, {headers})``. Default: 200.
    """

    def __init__(self, delay: float = 0.0):
        self.behaviours: deque = deque()
        self.requests: list[ReceivedRequest] = []
        self.release = threading.Event()
        self.delay = delay
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.requests.append(
                        ReceivedRequest(self.path, dict(self.headers.items()), body)
                    )
                    behaviour = receiver.behaviours.popleft() if receiver.behaviours else 200
                if receiver.delay:
                    time.sleep(receiver.delay)
                headers = {}
                if behaviour == "hang":
                    receiver.release.wait(10)
                    behaviour = 200
                if isinstance(behaviour, tuple) and behaviour[0] == "redirect":
                    behaviour, headers = 301, {"Location": behaviour[1]}
                elif isinstance(behaviour, tuple):
                    behaviour, headers = behaviour
                try:
                    self.send_response(behaviour)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    payload = b'{"ok": true}' if behaviour < 300 else b"receiver says no"
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and went away

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/ostoja"

    def keys(self) -> list[str]:
        return [r.headers.get("Idempotency-Key") for r in self.requests]

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook_receiver(settings):
    settings.OUTBOX_WEBHOOK_ALLOW_PRIVATE = True  # the receiver is on loopback
    settings.OUTBOX_WEBHOOK_SECRETS = {"test": WEBHOOK_SECRET}
    settings.OUTBOX_WEBHOOK_TIMEOUT = 0.5
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()
