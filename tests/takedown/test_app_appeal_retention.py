"""Appellants' e-mail addresses (and names) are deleted a set number of days after their appeal
was decided; the appeals themselves stay for the statistics."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from ostoja.audit.models import AuditEntry
from ostoja.outbox import services as outbox_services
from ostoja.outbox.models import OutboxMessage
from ostoja.outbox.services import deliver_due
from ostoja.takedown import services
from ostoja.takedown.models import Appeal, AppealState
from tests.takedown.conftest import open_case

pytestmark = pytest.mark.django_db
State = OutboxMessage.State


def appeal(td, email, *, decided_days_ago=None, decision=AppealState.UPHELD, name="Jan Nowak"):
    item = services.submit_appeal(
        url="https://files.example.com/a/1", email=email, message="Please check.", name=name
    )
    if decided_days_ago is not None:
        services.decide_appeal(
            actor=td.supervisor,
            appeal=item,
            decision=decision,
            note="Checked.",
            now=timezone.now() - timedelta(days=decided_days_ago),
        )
    item.refresh_from_db()
    return item


def replies_to(address):
    return [m for m in OutboxMessage.objects.all() if address in m.recipients]


def test_contacts_are_deleted_90_days_after_the_decision_and_the_statistics_stay(td):
    open_case(td)
    old = appeal(td, "old@site.example", decided_days_ago=91)
    recent = appeal(td, "recent@site.example", decided_days_ago=89)
    waiting = appeal(td, "waiting@site.example")
    Appeal.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(days=400))
    closed = appeal(td, "closed@site.example", decided_days_ago=120, decision=AppealState.CLOSED)
    deliver_due()  # the replies went out
    assert replies_to("old@site.example")[0].state == State.SENT
    before = dict(Appeal.objects.values_list("state").annotate(n=Count("pk")))
    now = timezone.now()
    assert services.apply_appeal_retention(now=now) == 2
    old.refresh_from_db()
    assert (old.email, old.name, old.contact_deleted_at) == ("", "", now)
    assert old.state == AppealState.UPHELD and old.decision_note == "Checked."  # the record stays
    assert old.url == "https://files.example.com/a/1" and old.decided_at
    closed.refresh_from_db()
    assert closed.email == "" and closed.contact_deleted_at == now
    for kept, address in ((recent, "recent@site.example"), (waiting, "waiting@site.example")):
        kept.refresh_from_db()
        assert kept.email == address and kept.name == "Jan Nowak" and not kept.contact_deleted_at
    # The address is gone from the sent reply too (the body never contained it).
    assert replies_to("old@site.example") == []
    reply = OutboxMessage.objects.get(dedup_key=f"takedown:appeal:{old.pk}:decided")
    assert reply.recipients == [] and reply.state == State.SENT
    assert replies_to("recent@site.example")
    # Same counts per state as before: the statistics are untouched.
    assert dict(Appeal.objects.values_list("state").annotate(n=Count("pk"))) == before
    entry = AuditEntry.objects.get(action="takedown.retention.appeal_contacts_deleted")
    assert entry.organisation == td.hotline
    assert entry.data == {"appeals": 2, "outbox_messages": 1, "retention_days": 90}
    assert "old@site.example" not in str(entry.data)
    # Nothing left to do on a second run.
    assert services.apply_appeal_retention(now=now) == 0


def test_the_period_is_a_setting(td, settings):
    settings.OSTOJA_APPEAL_RETENTION_DAYS = 30
    thirty_one = appeal(td, "a@site.example", decided_days_ago=31)
    twenty_nine = appeal(td, "b@site.example", decided_days_ago=29)
    assert services.apply_appeal_retention() == 1
    thirty_one.refresh_from_db()
    twenty_nine.refresh_from_db()
    assert thirty_one.email == "" and twenty_nine.email == "b@site.example"
    entry = AuditEntry.objects.get(action="takedown.retention.appeal_contacts_deleted")
    assert entry.data["retention_days"] == 30


def test_a_reply_that_never_went_out_is_cancelled_before_its_address_goes(td):
    old = appeal(td, "old@site.example", decided_days_ago=100)
    (reply,) = replies_to("old@site.example")
    OutboxMessage.objects.filter(pk=reply.pk).update(state=State.FAILED, next_attempt_at=None)
    assert services.apply_appeal_retention() == 1
    reply.refresh_from_db()
    assert reply.state == State.CANCELLED and reply.recipients == []
    assert reply.cancel_reason == "The appellant's contact details were deleted (retention)"
    old.refresh_from_db()
    assert old.email == ""


def test_a_reply_being_sent_right_now_holds_its_appeal_back_until_the_next_run(td):
    old = appeal(td, "old@site.example", decided_days_ago=100)
    (reply,) = replies_to("old@site.example")
    now = timezone.now()
    claimed, token = outbox_services._claim(now, pk=reply.pk)
    assert services.apply_appeal_retention(now=now) == 0
    old.refresh_from_db()
    assert old.email == "old@site.example"
    outbox_services._finish(claimed, token, outbox_services.transport.Outcome.sent(), now)
    assert services.apply_appeal_retention(now=now) == 1
    reply.refresh_from_db()
    assert reply.state == State.SENT and reply.recipients == []


def test_command_and_appeal_page(td):
    old = appeal(td, "old@site.example", decided_days_ago=91)
    out = io.StringIO()
    call_command("takedown_appeal_retention", stdout=out)
    assert "Deleted the contact details of 1 appeal(s)." in out.getvalue()
    client = Client()
    client.force_login(td.supervisor)
    english = client.get(f"/en/takedown/appeals/{old.pk}/").content.decode()
    assert "Name and e-mail address deleted on" in english and "(retention period)" in english
    assert "old@site.example" not in english and "Jan Nowak" not in english
    polish = client.get(f"/takedown/appeals/{old.pk}/").content.decode()
    assert "Imię i nazwisko oraz adres e-mail usunięte" in polish
