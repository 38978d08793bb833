"""E-mail through a real SMTP server on loopback: down, failing, back up — sent exactly once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from ostoja.outbox.models import OutboxMessage
from ostoja.outbox.services import deliver_due, enqueue_email

pytestmark = pytest.mark.django_db

XARF = {"xarf_version": "4.0.0", "type": "csam", "note": "zgłoszenie — żółć"}


def _enqueue(dedup_key="notice:1", **extra):
    with transaction.atomic():
        message, created = enqueue_email(
            dedup_key=dedup_key,
            to=["abuse@hosting.example"],
            subject="Zgłoszenie nielegalnych treści — sygnatura DY-1",
            body_text="Treść zgłoszenia (tekst).",
            body_html="<p>Treść zgłoszenia</p>",
            attachments=[
                {
                    "name": "xarf.json",
                    "content_type": "application/json",
                    "content": json.dumps(XARF, ensure_ascii=False),
                }
            ],
            language="pl",
            **extra,
        )
    return message, created


def test_mail_server_down_then_back_delivers_exactly_once(
    smtp_server, django_capture_on_commit_callbacks
):
    # The server is down: the on-commit delivery attempt fails and the message is kept.
    with django_capture_on_commit_callbacks(execute=True):
        message, created = _enqueue()
    assert created
    message.refresh_from_db()
    assert message.state == OutboxMessage.State.PENDING
    assert message.attempts == 1
    assert "unreachable" in message.last_error.lower()
    first_retry = message.next_attempt_at
    delay = (first_retry - message.last_attempt_at).total_seconds()
    assert 48 <= delay <= 60  # 1 minute, shortened by at most 20 % jitter

    # Not due yet: the sweep leaves it alone (no hammering of a dead server).
    assert deliver_due(now=message.last_attempt_at + timedelta(seconds=30)).total == 0

    smtp_server.start()
    report = deliver_due(now=first_retry + timedelta(seconds=1))
    assert report.sent == 1
    message.refresh_from_db()
    assert message.state == OutboxMessage.State.SENT
    assert message.sent_at is not None and message.last_error == ""

    # Later sweeps and a repeated enqueue do not send it again.
    assert deliver_due(now=timezone.now() + timedelta(days=2)).total == 0
    again, created = _enqueue()
    assert not created and again.pk == message.pk
    assert len(smtp_server.handler.messages) == 1

    received = smtp_server.handler.messages[0]
    assert received["Message-ID"] == message.message_id
    parts = {part.get_content_type(): part for part in received.walk()}
    assert "Treść zgłoszenia (tekst)." in parts["text/plain"].get_payload(decode=True).decode()
    assert "text/html" in parts
    xarf = parts["application/json"]
    assert xarf.get_filename() == "xarf.json"
    assert json.loads(xarf.get_payload(decode=True).decode("utf-8")) == XARF


def test_server_failing_during_sending_is_retried_and_arrives_once(
    smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.start()
    # The server takes the connection but fails the transaction twice ("try again later").
    smtp_server.handler.data_replies.extend(
        ["451 4.3.0 Temporary failure, try again", "421 4.3.2 Service shutting down"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        message, _ = _enqueue("notice:2")
    message.refresh_from_db()
    assert message.state == OutboxMessage.State.PENDING
    assert message.response_code == 451
    assert "451" in message.last_error

    report = deliver_due(now=message.next_attempt_at)
    assert report.retrying == 1
    message.refresh_from_db()
    assert message.attempts == 2
    second_delay = (message.next_attempt_at - message.last_attempt_at).total_seconds()
    assert 96 <= second_delay <= 120  # doubled

    report = deliver_due(now=message.next_attempt_at)
    assert report.sent == 1
    assert smtp_server.handler.message_ids() == [message.message_id]


def test_refused_recipient_fails_permanently_without_retrying(
    smtp_server, django_capture_on_commit_callbacks
):
    from ostoja.audit.models import AuditEntry

    smtp_server.start()
    smtp_server.handler.rcpt_replies.append("550 5.1.1 No such user")
    with django_capture_on_commit_callbacks(execute=True):
        message, _ = _enqueue("notice:3")
    message.refresh_from_db()
    assert message.state == OutboxMessage.State.FAILED
    assert message.next_attempt_at is None
    assert "550" in message.last_error
    assert deliver_due(now=timezone.now() + timedelta(days=1)).total == 0
    assert smtp_server.handler.messages == []
    entry = AuditEntry.objects.get(action="outbox.message.failed")
    assert entry.target_id == str(message.pk)
    assert entry.data["response_code"] == 550
    assert "No such user" not in json.dumps(entry.data)  # no receiver text in the audit log
