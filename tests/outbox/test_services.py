"""Enqueueing (transactions, dedup, bad input) and the delivery state machine."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone, translation

from ostoja.audit.models import AuditEntry
from ostoja.organisations.roles import Role
from ostoja.outbox import services, transport
from ostoja.outbox.models import OutboxMessage
from ostoja.outbox.services import (
    OutboxError,
    deliver_due,
    deliver_message,
    enqueue_email,
    enqueue_webhook,
    retry_now,
)
from tests.conftest import make_user
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
State = OutboxMessage.State


def email(dedup_key="k1", **overrides):
    fields = {
        "dedup_key": dedup_key,
        "to": ["abuse@hosting.example"],
        "subject": "Notice",
        "body_text": "Body",
    }
    fields.update(overrides)
    return enqueue_email(**fields)


class Script:
    """Replaces the transport: returns scripted outcomes and counts sends."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.sent = []

    def __call__(self, message):
        self.sent.append(message.dedup_key)
        return self.outcomes.pop(0) if self.outcomes else transport.Outcome.sent()


@pytest.fixture
def script(monkeypatch):
    def install(*outcomes):
        s = Script(*outcomes)
        monkeypatch.setattr(transport, "send", s)
        return s

    return install


# --- enqueueing -----------------------------------------------------------------------------


def test_message_is_sent_after_commit_and_only_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        message, created = email(headers={"X-Ostoja-Reference": "DY-1"})
        again, created_again = email(subject="Different subject is ignored")
        # Nothing is sent while the transaction is open.
        assert mail.outbox == []
    assert created and not created_again and again.pk == message.pk
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    sent = mail.outbox[0].message()
    assert sent["Message-ID"] == message.message_id
    assert sent["X-Ostoja-Reference"] == "DY-1"
    assert sent["Subject"] == "Notice"
    message.refresh_from_db()
    assert message.state == State.SENT and message.attempts == 1
    assert OutboxMessage.objects.count() == 1


def test_rolled_back_business_change_leaves_no_message(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        email()
        raise RuntimeError("the business change failed")
    assert OutboxMessage.objects.count() == 0
    assert mail.outbox == []


def test_message_id_and_idempotency_key_are_stable_and_opaque():
    message, _ = email("takedown:notice:42:renotice:3")
    assert message.message_id == message.message_id
    assert message.message_id.startswith("<") and message.message_id.endswith("@127.0.0.1>")
    assert "notice" not in message.idempotency_key
    assert len(message.idempotency_key) == 64
    other, _ = email("takedown:notice:42:renotice:4")
    assert other.idempotency_key != message.idempotency_key


def test_related_object_and_language_are_recorded():
    org = OrganisationFactory()
    message, _ = email(related=org, organisation=org, language="en", sensitive=True)
    assert OutboxMessage.objects.for_object(org).get() == message
    assert message.language == "en" and message.sensitive


@pytest.mark.parametrize(
    "overrides",
    [
        {"dedup_key": ""},
        {"dedup_key": "x" * 201},
        {"dedup_key": "line\nbreak"},
        {"to": []},
        {"to": ["not-an-address"]},
        {"to": ["a@example.com\nBcc: victim@example.com"]},
        {"to": [f"u{i}@example.com" for i in range(51)]},
        {"to": ["Name <not-an-address>"]},
        {"to": ["a@example.com, b@example.com"]},
        {"to": ['"Quoted, Name" <a@example.com>']},
        {"subject": "Hi\r\nBcc: victim@example.com"},
        {"subject": ""},
        {"subject": "x" * 256},
        {"body_text": "   "},
        {"body_text": "x" * 1_000_001},
        {"headers": {"Bad Header": "x"}},
        {"headers": {"X-Ok": "a\r\nInjected: yes"}},
        {"headers": {"Message-ID": "<forged@example.com>"}},
        {"headers": {"X-Ostoja-Signature": "t=1,v1=00"}},
        {"attachments": [{"name": "../etc/passwd", "content_type": "text/plain", "content": ""}]},
        {"attachments": [{"name": "a.png", "content_type": "image/png", "content": "x"}]},
        {"attachments": [{"name": "a.mp4", "content_type": "video/mp4", "content": "x"}]},
        {"attachments": [{"name": "a.json", "content_type": "json", "content": "{}"}]},
        {"attachments": [{"name": "a.bin", "content_type": "application/json", "content": b"x"}]},
        {"attachments": ["not a mapping"]},
        {"language": "xx"},
        {"related": OutboxMessage()},
    ],
)
def test_bad_email_input_is_refused_and_nothing_is_written(overrides):
    with pytest.raises(OutboxError):
        email(**overrides)
    assert OutboxMessage.objects.count() == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"url": "ftp://example.com/x"},
        {"url": "file:///etc/passwd"},
        {"url": "https://user:pass@example.com/hook"},
        {"url": "https:///no-host"},
        {"url": "https://example.com:99999/x"},
        {"url": "https://example.com/a b"},
        {"url": "https://example.com/" + "x" * 2000},
        {"payload": {"x": object()}},
        {"payload": "x" * 1_000_001},
        {"hmac_secret_ref": "plain-secret-value"},
        {"hmac_secret_ref": "vault:unknown-scheme"},
        {"hmac_key_id": "k\n1", "hmac_secret_ref": "settings:test"},
    ],
)
def test_bad_webhook_input_is_refused(overrides):
    fields = {"dedup_key": "w", "url": "https://receiver.example/hook", "payload": {"a": 1}}
    fields.update(overrides)
    with pytest.raises(OutboxError):
        enqueue_webhook(**fields)
    assert OutboxMessage.objects.count() == 0


def test_unicode_subject_and_recipient_names_are_fine(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email(subject="Zgłoszenie ‮ RTL \u200b zero-width — żółć", to=["Zażółć <a@example.com>"])
    assert mail.outbox[0].subject.startswith("Zgłoszenie")


def test_queue_failure_does_not_lose_the_message(monkeypatch, django_capture_on_commit_callbacks):
    from ostoja.outbox import tasks

    def broken(*args, **kwargs):
        raise ConnectionError("task queue down")

    monkeypatch.setattr(tasks.deliver_message.get_backend(), "enqueue", broken)
    with django_capture_on_commit_callbacks(execute=True):
        message, _ = email()
    message.refresh_from_db()
    assert message.state == State.PENDING and mail.outbox == []
    assert deliver_due().sent == 1  # the sweep picks it up
    assert len(mail.outbox) == 1


# --- the delivery state machine -------------------------------------------------------------


def test_backoff_grows_and_is_capped_then_gives_up(script, settings):
    settings.OUTBOX_BACKOFF_JITTER = 0
    s = script(*[transport.Outcome.retry("down")] * 10)
    message, _ = email(max_attempts=10)
    delays = []
    for _ in range(10):
        message.refresh_from_db()
        assert deliver_due(now=message.next_attempt_at).total == 1
        message.refresh_from_db()
        if message.next_attempt_at:
            delays.append((message.next_attempt_at - message.last_attempt_at).total_seconds())
    assert delays == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
    assert message.state == State.FAILED
    assert message.attempts == 10
    assert len(s.sent) == 10
    assert AuditEntry.objects.filter(action="outbox.message.failed").count() == 1


def test_jitter_keeps_delays_within_bounds(script, settings):
    settings.OUTBOX_BACKOFF_JITTER = 0.5
    script(*[transport.Outcome.retry("down")] * 20)
    for i in range(20):
        email(f"j{i}")
    deliver_due()
    delays = [
        (m.next_attempt_at - m.last_attempt_at).total_seconds() for m in OutboxMessage.objects.all()
    ]
    assert all(30 <= d <= 60 for d in delays)
    assert len(set(delays)) > 1  # they do not all come back at the same moment


def test_permanent_failure_stops_at_once(script):
    script(transport.Outcome.give_up("HTTP 410: gone", code=410))
    message, _ = email()
    deliver_due()
    message.refresh_from_db()
    assert message.state == State.FAILED and message.attempts == 1
    assert message.last_error == "HTTP 410: gone"


def test_not_due_and_sent_messages_are_not_claimed(script):
    s = script()
    message, _ = email()
    OutboxMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    assert deliver_due().total == 0
    assert deliver_message(message.pk) is None
    assert deliver_message(message.pk, now=timezone.now() + timedelta(minutes=6)) == State.SENT
    assert deliver_message(message.pk, now=timezone.now() + timedelta(days=1)) is None
    assert s.sent == ["k1"]


def test_an_expired_lease_is_taken_over_but_a_live_one_is_not(script):
    s = script()
    message, _ = email()
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=State.SENDING, lease_until=now + timedelta(minutes=1), lease_token="other"
    )
    assert deliver_due(now=now).total == 0  # another deliverer is on it
    assert deliver_due(now=now + timedelta(minutes=2)).sent == 1  # it died; we take over
    message.refresh_from_db()
    assert message.state == State.SENT and message.lease_token == ""
    assert s.sent == ["k1"]


def test_a_second_claim_of_the_same_message_loses():
    message, _ = email()
    now = timezone.now()
    first = services._claim(now, pk=message.pk)
    second = services._claim(now, pk=message.pk)
    assert first is not None and second is None
    claimed, token = first
    assert claimed.state == State.SENDING and claimed.attempts == 1 and claimed.lease_token == token


def test_an_outcome_is_not_recorded_without_the_lease():
    message, _ = email()
    claimed, token = services._claim(timezone.now(), pk=message.pk)
    OutboxMessage.objects.filter(pk=message.pk).update(lease_token="someone-else")
    services._finish(claimed, token, transport.Outcome.sent(), timezone.now())
    message.refresh_from_db()
    assert message.state == State.SENDING and message.lease_token == "someone-else"


def test_an_unexpected_exception_in_a_sender_is_contained(monkeypatch):
    def explode(message):
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(transport, "send", explode)
    email("a")
    email("b")
    report = deliver_due()
    assert report.retrying == 2
    assert set(OutboxMessage.objects.values_list("last_error", flat=True)) == {
        "Unexpected error: ZeroDivisionError"
    }


def test_deliver_due_respects_the_limit(script):
    script()
    for i in range(5):
        email(f"m{i}")
    assert deliver_due(limit=2).sent == 2
    assert deliver_due().sent == 3


# --- retry now ------------------------------------------------------------------------------


def test_retry_now_rearms_a_failed_message_and_is_audited(
    script, django_capture_on_commit_callbacks
):
    script(transport.Outcome.give_up("HTTP 404", code=404))
    org = OrganisationFactory(kind="hotline")
    supervisor = make_user(Role.HOTLINE_SUPERVISOR, org)
    message, _ = email(organisation=org)
    deliver_due()
    message.refresh_from_db()
    assert message.state == State.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        retry_now(actor=supervisor, message=message)
    message.refresh_from_db()
    assert message.state == State.SENT and message.attempts == 1
    entry = AuditEntry.objects.get(action="outbox.message.retried")
    assert entry.actor_id == supervisor.pk and entry.organisation_id == org.pk
    assert entry.data == {
        "kind": "email",
        "previous_state": "failed_permanently",
        "previous_attempts": 1,
    }


@translation.override("en")
def test_retry_now_refuses_sent_and_in_flight_messages(script):
    script()
    message, _ = email()
    deliver_due()
    with pytest.raises(OutboxError, match="already been sent"):
        retry_now(actor=None, message=message)
    other, _ = email("k2")
    services._claim(timezone.now(), pk=other.pk)
    with pytest.raises(OutboxError, match="being sent"):
        retry_now(actor=None, message=other)
    assert not AuditEntry.objects.filter(action="outbox.message.retried").exists()


def test_visible_to_scopes_by_supervised_organisation():
    org_a = OrganisationFactory(kind="hotline")
    org_b = OrganisationFactory(kind="hotline")
    a, _ = email("a", organisation=org_a)
    b, _ = email("b", organisation=org_b)
    platform, _ = email("p")
    supervisor = make_user(Role.HOTLINE_SUPERVISOR, org_a)
    analyst = make_user(Role.HOTLINE_ANALYST, org_b)
    coordinator = make_user(Role.COORDINATOR)
    assert list(OutboxMessage.objects.visible_to(supervisor)) == [a]
    assert list(OutboxMessage.objects.visible_to(analyst)) == []
    assert set(OutboxMessage.objects.visible_to(coordinator)) == {a, b, platform}


def test_a_bounce_address_is_the_envelope_sender_and_the_from_stays_for_readers():
    email(
        "verp",
        from_email="Newsletter <news@example.org>",
        bounce_address="bounce+17.3.ab12@example.org",
    )
    assert deliver_due().sent == 1
    [sent] = mail.outbox
    assert sent.from_email == "bounce+17.3.ab12@example.org"  # what SMTP's MAIL FROM gets
    assert sent.message()["From"] == "Newsletter <news@example.org>"


@pytest.mark.parametrize("bad", ["no-at-sign", "a b@example.org", "x@example.org\nBcc: y@z", "@x"])
def test_a_bad_bounce_address_is_refused(bad):
    with pytest.raises(OutboxError):
        email("bad-bounce", bounce_address=bad)
    assert not OutboxMessage.objects.exists()
