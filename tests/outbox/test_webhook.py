"""Webhooks to a real HTTP receiver on loopback: 500, timeouts, 4xx, redirects, signatures."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import transaction

from ostoja.outbox.models import OutboxMessage
from ostoja.outbox.services import deliver_due, enqueue_webhook
from ostoja.outbox.signature import SignatureError, verify_signature
from ostoja.outbox.transport import canonical_json

from .conftest import WEBHOOK_SECRET

pytestmark = pytest.mark.django_db
State = OutboxMessage.State
PAYLOAD = {"notice": "NTD-7", "url": "https://bad.example/x", "język": "pl"}


def _enqueue(receiver, capture, dedup_key="hook:1", **extra):
    with capture(execute=True), transaction.atomic():
        message, _ = enqueue_webhook(
            dedup_key=dedup_key,
            url=receiver.url,
            payload=PAYLOAD,
            hmac_key_id="k1",
            hmac_secret_ref="settings:test",
            **extra,
        )
    message.refresh_from_db()
    return message


def test_500_is_retried_and_the_receiver_can_verify_and_deduplicate(
    webhook_receiver, django_capture_on_commit_callbacks
):
    webhook_receiver.behaviours.append(500)
    message = _enqueue(webhook_receiver, django_capture_on_commit_callbacks)
    assert message.state == State.PENDING
    assert message.response_code == 500
    assert message.last_error.startswith("HTTP 500")

    report = deliver_due(now=message.next_attempt_at)
    assert report.sent == 1
    message.refresh_from_db()
    assert message.state == State.SENT and message.response_code == 200

    first, second = webhook_receiver.requests
    # Same body, same idempotency key on both attempts: the receiver can drop duplicates.
    assert first.body == second.body == canonical_json(PAYLOAD)
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert first.headers["Idempotency-Key"] == message.idempotency_key
    assert second.headers["X-Ostoja-Key-Id"] == "k1"
    assert second.headers["Content-Type"] == "application/json; charset=utf-8"
    # The receiver verifies the signature with the shared secret…
    timestamp = verify_signature(WEBHOOK_SECRET, second.body, second.headers["X-Ostoja-Signature"])
    assert abs(timestamp - time.time()) < 60
    # …and would reject an altered body or another secret.
    with pytest.raises(SignatureError) as exc:
        verify_signature(WEBHOOK_SECRET, second.body + b" ", second.headers["X-Ostoja-Signature"])
    assert exc.value.reason == "bad_signature"
    with pytest.raises(SignatureError):
        verify_signature("another-secret", second.body, second.headers["X-Ostoja-Signature"])
    # The secret itself is stored nowhere in the message.
    stored = OutboxMessage.objects.filter(pk=message.pk).values().get()
    assert WEBHOOK_SECRET not in repr(stored)


def test_a_hanging_receiver_times_out_and_is_retried(
    webhook_receiver, django_capture_on_commit_callbacks
):
    webhook_receiver.behaviours.append("hang")
    started = time.monotonic()
    message = _enqueue(webhook_receiver, django_capture_on_commit_callbacks)
    assert time.monotonic() - started < 5  # the short timeout, not the receiver, decides
    assert message.state == State.PENDING
    assert "timeout" in message.last_error.lower()
    webhook_receiver.release.set()
    assert deliver_due(now=message.next_attempt_at).sent == 1
    assert len(webhook_receiver.requests) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_client_errors_fail_permanently(
    webhook_receiver, django_capture_on_commit_callbacks, status
):
    webhook_receiver.behaviours.append(status)
    message = _enqueue(webhook_receiver, django_capture_on_commit_callbacks)
    assert message.state == State.FAILED
    assert message.response_code == status
    assert message.last_error.startswith(f"HTTP {status}")
    assert deliver_due(now=message.created_at + timedelta(days=3)).total == 0
    assert len(webhook_receiver.requests) == 1


@pytest.mark.parametrize("status", [408, 429, 502, 503])
def test_throttling_and_server_errors_are_retried(
    webhook_receiver, django_capture_on_commit_callbacks, status
):
    webhook_receiver.behaviours.append(status)
    message = _enqueue(webhook_receiver, django_capture_on_commit_callbacks)
    assert message.state == State.PENDING and message.response_code == status


def test_retry_after_is_honoured(webhook_receiver, django_capture_on_commit_callbacks):
    webhook_receiver.behaviours.append((429, {"Retry-After": "600"}))
    message = _enqueue(webhook_receiver, django_capture_on_commit_callbacks)
    wait = (message.next_attempt_at - message.last_attempt_at).total_seconds()
    assert wait == pytest.approx(600, abs=1)


def test_redirects_are_not_followed(webhook_receiver, django_capture_on_commit_callbacks):
    webhook_receiver.behaviours.append(("redirect", webhook_receiver.url + "/elsewhere"))
    message = _enqueue(webhook_receiver, django_capture_on_commit_callbacks)
    assert message.state == State.FAILED and message.response_code == 301
    assert [r.path for r in webhook_receiver.requests] == ["/hooks/ostoja"]


def test_private_addresses_are_refused_unless_allowed(
    webhook_receiver, django_capture_on_commit_callbacks, settings
):
    settings.OUTBOX_WEBHOOK_ALLOW_PRIVATE = False
    message = _enqueue(webhook_receiver, django_capture_on_commit_callbacks)
    assert message.state == State.FAILED
    assert "non-public address" in message.last_error
    assert webhook_receiver.requests == []


def test_missing_signing_secret_is_retried_without_sending(
    webhook_receiver, django_capture_on_commit_callbacks, settings
):
    settings.OUTBOX_WEBHOOK_SECRETS = {}
    message = _enqueue(webhook_receiver, django_capture_on_commit_callbacks)
    assert message.state == State.PENDING
    assert "secret" in message.last_error.lower()
    assert webhook_receiver.requests == []
    settings.OUTBOX_WEBHOOK_SECRETS = {"test": WEBHOOK_SECRET}
    assert deliver_due(now=message.next_attempt_at).sent == 1
    request = webhook_receiver.requests[0]
    verify_signature(WEBHOOK_SECRET, request.body, request.headers["X-Ostoja-Signature"])


def test_unsigned_webhook_has_no_signature_header(
    webhook_receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_webhook(dedup_key="hook:plain", url=webhook_receiver.url, payload=[1, 2])
    (request,) = webhook_receiver.requests
    assert "X-Ostoja-Signature" not in request.headers
    assert request.json == [1, 2]


def test_connection_refused_is_retried(settings, django_capture_on_commit_callbacks):
    from .conftest import free_port

    settings.OUTBOX_WEBHOOK_ALLOW_PRIVATE = True
    with django_capture_on_commit_callbacks(execute=True):
        message, _ = enqueue_webhook(
            dedup_key="hook:closed", url=f"http://127.0.0.1:{free_port()}/x", payload={}
        )
    message.refresh_from_db()
    assert message.state == State.PENDING
    assert "connect" in message.last_error.lower()


def test_gives_up_after_max_attempts(webhook_receiver, django_capture_on_commit_callbacks):
    webhook_receiver.behaviours.extend([503, 503, 503])
    message = _enqueue(webhook_receiver, django_capture_on_commit_callbacks, max_attempts=3)
    deliver_due(now=message.next_attempt_at)
    message.refresh_from_db()
    deliver_due(now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.state == State.FAILED
    assert message.attempts == 3
    assert "gave up after 3 attempts" in message.last_error
    assert len(webhook_receiver.requests) == 3
