"""When the content is gone (removal confirmed) or the notice withdrawn, the case's messages that
have not been sent are cancelled; sent ones stay sent; the police notification always goes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from ostoja.audit.models import AuditEntry
from ostoja.outbox import services as outbox_services
from ostoja.outbox import transport
from ostoja.outbox.models import OutboxMessage
from ostoja.outbox.services import deliver_due
from ostoja.takedown import services
from ostoja.takedown.models import CaseEvent, CaseState, Notice
from tests.takedown.conftest import open_case

pytestmark = pytest.mark.django_db
State = OutboxMessage.State


def messages_to(address):
    return [m for m in OutboxMessage.objects.order_by("pk") if address in m.recipients]


def test_removal_cancels_the_unsent_notice_but_not_the_police_notification(td):
    case = open_case(td)  # police e-mail and provider notice queued, nothing sent yet
    (police,) = messages_to("dyzur@police.example")
    (ntd,) = messages_to("abuse@provider.example")
    assert police.state == ntd.state == State.PENDING
    notice = Notice.objects.get(case=case, kind="ntd")
    now = timezone.now() + timedelta(minutes=3)
    case = services.record_response(notice=notice, action="removed", via="provider_api", now=now)
    assert case.state == CaseState.REMOVED
    ntd.refresh_from_db()
    police.refresh_from_db()
    assert ntd.state == State.CANCELLED and ntd.cancelled_at == now
    assert ntd.cancel_reason == "The content was removed"
    assert police.state == State.PENDING  # the police need the report whatever happened
    # On the case: one event (after the removal) and one audit entry naming what was cancelled.
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[-2:] == [CaseEvent.Kind.REMOVED, CaseEvent.Kind.UNSENT_CANCELLED]
    event = case.events.get(kind=CaseEvent.Kind.UNSENT_CANCELLED)
    assert event.data["cancelled"] == [ntd.pk] and event.data["requested"] == []
    assert event.data["reason"] == "removed"
    entry = AuditEntry.objects.get(action="takedown.case.unsent_cancelled")
    assert entry.data["cancelled"] == [ntd.pk]
    assert AuditEntry.objects.filter(action="outbox.message.cancelled").count() == 1
    # The delivery loop sends the police e-mail only.
    report = deliver_due(now=now + timedelta(minutes=1))
    assert report.sent == 1
    assert [m.to for m in mail.outbox] == [["dyzur@police.example"]]


def test_sent_notices_stay_sent_and_only_the_queued_renotice_is_cancelled(td):
    case = open_case(td)
    assert deliver_due().sent == 2  # police + first notice went out
    later = timezone.now() + timedelta(hours=25)
    assert services.sweep(now=later).resent == 1  # re-notice no. 2 queued
    first, second = messages_to("abuse@provider.example")
    assert (first.state, second.state) == (State.SENT, State.PENDING)
    services.record_check(actor=td.analyst, case=case, result="removed", now=later)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == State.SENT and first.cancelled_at is None
    assert second.state == State.CANCELLED
    assert deliver_due(now=later + timedelta(hours=1)).total == 0
    assert len(mail.outbox) == 2


def test_removal_cancels_a_queued_escalation_e_mail(td):
    case = open_case(td)
    deliver_due()
    later = timezone.now() + timedelta(days=7, hours=1)
    assert services.sweep(now=later).escalated == 1
    (alert,) = messages_to(td.supervisor.email)
    assert alert.state == State.PENDING
    services.record_check(actor=td.analyst, case=case, result="removed", now=later)
    alert.refresh_from_db()
    assert alert.state == State.CANCELLED


def test_withdrawing_the_notice_cancels_with_its_own_reason(td):
    case = open_case(td)
    case = services.resolve_case(
        actor=td.supervisor, case=case, decision="withdraw", reason="Mistaken assessment."
    )
    assert case.state == CaseState.CLOSED
    (ntd,) = messages_to("abuse@provider.example")
    assert ntd.state == State.CANCELLED and ntd.cancel_reason == "The notice was withdrawn"
    (police,) = messages_to("dyzur@police.example")
    assert police.state == State.PENDING
    entry = AuditEntry.objects.get(action="takedown.case.unsent_cancelled")
    assert entry.actor == td.supervisor and entry.data["reason"] == "withdrawn"


def test_a_notice_being_sent_at_the_moment_of_removal_is_not_cancelled_under_its_lease(td):
    case = open_case(td)
    (ntd,) = messages_to("abuse@provider.example")
    now = timezone.now()
    claimed, token = outbox_services._claim(now, pk=ntd.pk)  # a deliverer is sending it
    services.record_check(actor=td.analyst, case=case, result="removed", now=now)
    ntd.refresh_from_db()
    assert ntd.state == State.SENDING and ntd.cancel_reason == "The content was removed"
    event = case.events.get(kind=CaseEvent.Kind.UNSENT_CANCELLED)
    assert event.data["cancelled"] == [] and event.data["requested"] == [ntd.pk]
    # The attempt fails (mail server down): it is not retried, it ends cancelled.
    outbox_services._finish(claimed, token, transport.Outcome.retry("SMTP down"), now)
    ntd.refresh_from_db()
    assert ntd.state == State.CANCELLED
    assert deliver_due(now=now + timedelta(hours=2)).sent == 1  # the police e-mail only
    assert [m.to for m in mail.outbox] == [["dyzur@police.example"]]


def test_nothing_to_cancel_leaves_no_event(td):
    case = open_case(td)
    deliver_due()
    services.record_check(actor=td.analyst, case=case, result="removed")
    assert not case.events.filter(kind=CaseEvent.Kind.UNSENT_CANCELLED).exists()
    assert not AuditEntry.objects.filter(action="takedown.case.unsent_cancelled").exists()


def test_case_page_shows_the_cancelled_message_with_reason_and_time(td):
    case = open_case(td)
    services.record_check(actor=td.analyst, case=case, result="removed")
    client = Client()
    client.force_login(td.analyst)
    english = client.get(f"/en/takedown/items/{case.item_id}/").content.decode()
    assert "E-mail: <strong>Cancelled</strong>" in english
    assert "The content was removed" in english
    assert "Unsent messages cancelled" in english and "1 message cancelled" in english
    polish = client.get(f"/takedown/items/{case.item_id}/").content.decode()
    assert "E-mail: <strong>Anulowano</strong>" in polish
    assert "Treść została usunięta" in polish
    assert "Anulowano niewysłane wiadomości" in polish and "anulowano 1 wiadomość" in polish
