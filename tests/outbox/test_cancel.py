"""Cancelling unsent messages: which states may be cancelled, the lease rules, the audit log.

The interleavings of a deliverer and a cancellation are played here step by step (claim,
cancel, record the outcome); ``test_concurrency.py`` races them for real.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db.models.query import QuerySet
from django.utils import timezone, translation

from ostoja.audit.models import AuditEntry
from ostoja.outbox import conf, services, transport
from ostoja.outbox.models import OutboxMessage
from ostoja.outbox.services import (
    OutboxError,
    cancel_unsent,
    deliver_due,
    deliver_message,
    enqueue_email,
    erase_recipients,
    retry_now,
)
from tests.conftest import make_user
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
State = OutboxMessage.State
REASON = "The content was removed"


def email(key="k1", **overrides):
    fields = {
        "dedup_key": key,
        "to": ["abuse@hosting.example"],
        "subject": "Notice",
        "body_text": "Body",
    }
    fields.update(overrides)
    return enqueue_email(**fields)[0]


def only(message):
    return OutboxMessage.objects.filter(pk=message.pk)


def reload(message) -> OutboxMessage:
    return OutboxMessage.objects.get(pk=message.pk)


@pytest.fixture
def sends(monkeypatch):
    """Counts what reaches the transport; every send succeeds."""
    sent = []

    def send(message):
        sent.append(message.dedup_key)
        return transport.Outcome.sent()

    monkeypatch.setattr(transport, "send", send)
    return sent


def test_a_pending_message_is_cancelled_audited_and_never_delivered(sends):
    org = OrganisationFactory(kind="hotline")
    actor = make_user("hotline_supervisor", org)
    message = email(organisation=org)
    now = timezone.now()
    report = cancel_unsent(actor=actor, messages=only(message), reason=REASON, now=now)
    assert report.cancelled == [message.pk] and report.requested == [] and report.total == 1
    message = reload(message)
    assert message.state == State.CANCELLED
    assert message.cancel_reason == REASON and message.cancelled_at == now
    assert message.next_attempt_at is None and message.lease_token == ""
    entry = AuditEntry.objects.get(action="outbox.message.cancelled")
    assert entry.actor == actor and entry.organisation == org
    assert entry.data["previous_state"] == "pending" and entry.data["reason"] == REASON
    # The delivery loop skips it, now and later; the per-message task too.
    assert deliver_due(now=now + timedelta(days=2)).total == 0
    assert deliver_message(message.pk, now=now + timedelta(days=2)) is None
    assert sends == [] and mail.outbox == []
    assert reload(message).state == State.CANCELLED


def test_failed_messages_are_cancelled_and_cannot_be_retried_afterwards(sends):
    message = email()
    only(message).update(state=State.FAILED, attempts=24, next_attempt_at=None)
    assert cancel_unsent(actor=None, messages=only(message), reason=REASON).cancelled
    message = reload(message)
    assert message.state == State.CANCELLED
    assert AuditEntry.objects.get(action="outbox.message.cancelled").data["previous_state"] == (
        "failed_permanently"
    )
    with translation.override("en"), pytest.raises(OutboxError, match="was cancelled"):
        retry_now(actor=None, message=message)
    assert reload(message).state == State.CANCELLED


def test_sent_and_cancelled_messages_are_left_alone(sends):
    sent, cancelled = email("sent"), email("cancelled")
    deliver_message(sent.pk)
    assert reload(sent).state == State.SENT
    cancel_unsent(actor=None, messages=only(cancelled), reason="First reason")
    report = cancel_unsent(
        actor=None,
        messages=OutboxMessage.objects.filter(pk__in=[sent.pk, cancelled.pk]),
        reason="Second reason",
    )
    assert report.total == 0
    assert reload(sent).state == State.SENT and reload(sent).cancel_reason == ""
    assert reload(cancelled).cancel_reason == "First reason"  # the first cancellation stands
    assert AuditEntry.objects.filter(action="outbox.message.cancelled").count() == 1


@pytest.mark.parametrize("reason", ["", "   ", "two\nlines", "x" * 201, "tab\there"])
def test_a_reason_is_required_and_one_short_line(reason):
    message = email()
    with pytest.raises(OutboxError):
        cancel_unsent(actor=None, messages=only(message), reason=reason)
    assert reload(message).state == State.PENDING


# --- against a deliverer ------------------------------------------------------------------------


def claim(message, now):
    claimed = services._claim(now, pk=message.pk)
    assert claimed is not None
    return claimed


def test_cancel_first_then_the_deliverer_finds_nothing_to_claim():
    message = email()
    now = timezone.now()
    cancel_unsent(actor=None, messages=only(message), reason=REASON, now=now)
    assert services._claim(now) is None
    assert services._claim(now + timedelta(hours=1), pk=message.pk) is None


def test_a_message_under_a_live_lease_is_not_cancelled_a_successful_send_stays_sent():
    message = email()
    now = timezone.now()
    claimed, token = claim(message, now)
    report = cancel_unsent(actor=None, messages=only(message), reason=REASON, now=now)
    assert report.cancelled == [] and report.requested == [message.pk]
    row = reload(message)
    assert row.state == State.SENDING and row.cancel_reason == REASON and row.cancelled_at is None
    assert AuditEntry.objects.filter(action="outbox.message.cancel_requested").count() == 1
    # A second cancellation while it is still in flight does not write again.
    assert cancel_unsent(actor=None, messages=only(message), reason="Other", now=now).requested
    assert reload(message).cancel_reason == REASON
    # The send succeeded: the message left, and the record says so.
    state = services._finish(claimed, token, transport.Outcome.sent(), now)
    assert state == State.SENT
    row = reload(message)
    assert row.state == State.SENT and row.sent_at == now and row.cancelled_at is None
    assert not AuditEntry.objects.filter(action="outbox.message.cancelled").exists()


@pytest.mark.parametrize(
    "outcome",
    [transport.Outcome.retry("SMTP 451 try later"), transport.Outcome.give_up("550 no such user")],
    ids=["would-retry", "would-fail"],
)
def test_a_failed_attempt_under_a_cancel_request_ends_cancelled(outcome, sends):
    message = email()
    now = timezone.now()
    claimed, token = claim(message, now)
    cancel_unsent(actor=None, messages=only(message), reason=REASON, now=now)
    state = services._finish(claimed, token, outcome, now)
    assert state == State.CANCELLED
    row = reload(message)
    assert row.state == State.CANCELLED and row.cancelled_at == now and row.lease_token == ""
    assert row.last_error == outcome.error  # what happened on the last attempt stays visible
    entry = AuditEntry.objects.get(action="outbox.message.cancelled")
    assert entry.data["after_attempt"] is True and entry.data["reason"] == REASON
    assert not AuditEntry.objects.filter(action="outbox.message.failed").exists()
    assert deliver_due(now=now + timedelta(days=1)).total == 0 and sends == []


def test_a_deliverer_that_dies_after_a_cancel_request_does_not_get_the_message_resent(sends):
    message = email()
    now = timezone.now()
    claim(message, now)  # ... and the deliverer dies
    cancel_unsent(actor=None, messages=only(message), reason=REASON, now=now)
    after_lease = now + timedelta(seconds=conf.lease_seconds() + 1)
    report = deliver_due(now=after_lease)
    assert report.total == 0 and report.cancelled == 1 and sends == []
    row = reload(message)
    assert row.state == State.CANCELLED and row.cancelled_at == after_lease
    entry = AuditEntry.objects.get(action="outbox.message.cancelled")
    assert entry.data["lease_expired"] is True


def test_an_expired_lease_is_cancelled_directly_and_the_late_outcome_is_dropped(sends):
    message = email()
    now = timezone.now()
    claimed, token = claim(message, now)
    later = now + timedelta(seconds=conf.lease_seconds() + 1)
    report = cancel_unsent(actor=None, messages=only(message), reason=REASON, now=later)
    assert report.cancelled == [message.pk]
    # The presumed-dead deliverer reports late: it no longer holds the lease.
    services._finish(claimed, token, transport.Outcome.retry("timeout"), later)
    assert reload(message).state == State.CANCELLED
    assert deliver_due(now=later + timedelta(hours=2)).total == 0 and sends == []


def test_retry_refuses_a_message_with_a_pending_cancel_request():
    message = email()
    now = timezone.now()
    claim(message, now)
    cancel_unsent(actor=None, messages=only(message), reason=REASON, now=now)
    only(message).update(lease_until=now - timedelta(seconds=1))  # the lease ran out
    with translation.override("pl"), pytest.raises(OutboxError, match="została anulowana"):
        retry_now(actor=None, message=reload(message))
    assert reload(message).state == State.SENDING


def test_erase_recipients_touches_only_finished_e_mails(sends):
    sent, waiting = email("sent", to=["person@example.org"]), email("waiting")
    deliver_message(sent.pk)
    cancelled = email("cancelled", to=["other@example.org"])
    cancel_unsent(actor=None, messages=only(cancelled), reason=REASON)
    everything = OutboxMessage.objects.all()
    erased, unsent = erase_recipients(messages=everything)
    assert (erased, unsent) == (2, 1)
    assert reload(sent).recipients == [] and reload(cancelled).recipients == []
    assert reload(waiting).recipients == ["abuse@hosting.example"]


# --- the narrow windows, forced -----------------------------------------------------------------


def test_a_claim_landing_between_the_cancellers_read_and_write_wins(monkeypatch):
    """The canceller read "pending"; a deliverer claims before the canceller writes. The
    canceller's conditional write must miss, and it must turn into a request instead."""
    message = email()
    now = timezone.now()
    original_first = QuerySet.first
    claims = []

    def first_then_claim(self):
        row = original_first(self)
        if not claims and isinstance(row, dict) and row.get("state") == State.PENDING:
            claims.append(services._claim(now, pk=message.pk))  # the deliverer gets in between
        return row

    monkeypatch.setattr(QuerySet, "first", first_then_claim)
    report = cancel_unsent(actor=None, messages=only(message), reason=REASON, now=now)
    monkeypatch.undo()
    (claimed,) = claims
    assert claimed is not None
    assert report.cancelled == [] and report.requested == [message.pk]
    row = reload(message)
    assert row.state == State.SENDING and row.lease_token == claimed[1]
    assert row.cancel_reason == REASON
    # The deliverer holds its lease throughout and records the send.
    assert services._finish(claimed[0], claimed[1], transport.Outcome.sent(), now) == State.SENT


def test_a_request_landing_between_the_deliverers_two_writes_still_cancels(monkeypatch):
    """The deliverer found no request and is about to record a retry; the request lands just
    then. The retry must not be recorded (the message would be sent again later)."""
    message = email()
    now = timezone.now()
    claimed, token = claim(message, now)
    original_update = QuerySet.update
    injected = []

    def update(self, **fields):
        result = original_update(self, **fields)
        if fields.get("state") == State.CANCELLED and result == 0 and not injected:
            injected.append(True)
            original_update(OutboxMessage.objects.filter(pk=message.pk), cancel_reason=REASON)
        return result

    monkeypatch.setattr(QuerySet, "update", update)
    state = services._finish(claimed, token, transport.Outcome.retry("503"), now)
    monkeypatch.undo()
    assert injected and state == State.CANCELLED
    assert reload(message).state == State.CANCELLED


def test_the_deliver_command_reports_settled_cancellations(settings, sends):
    import io

    from django.core.management import call_command

    settings.OUTBOX_DELIVER_ON_COMMIT = False
    message = email()
    past = timezone.now() - timedelta(seconds=conf.lease_seconds() + 60)
    only(message).update(next_attempt_at=past)
    claim(message, past)  # a deliverer took it long ago and died...
    cancel_unsent(actor=None, messages=only(message), reason=REASON, now=past)  # ...mid-send
    out = io.StringIO()
    call_command("outbox_deliver", stdout=out)
    assert "sent 0, retrying 0, failed 0, cancelled 1" in out.getvalue()
    assert reload(message).state == State.CANCELLED and sends == []
