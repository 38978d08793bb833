"""Referrals to a partner hotline abroad are re-sent every 24 hours until acknowledged, through the
same re-notice machinery as provider notices (fresh trace first, moves re-routed), and escalate
after 7 days like them."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ostoja.audit.models import AuditEntry
from ostoja.outbox.models import OutboxMessage
from ostoja.takedown import services
from ostoja.takedown.models import CaseEvent, CaseState, HostingTrace, Notice
from tests.takedown.conftest import PL_IP, open_case

pytestmark = pytest.mark.django_db
State = OutboxMessage.State
DE_URL = "https://de.example.org/ref"


def referrals():
    rows = OutboxMessage.objects.order_by("pk")
    return [m for m in rows if "team@partner.example" in m.recipients]


def test_referral_is_resent_every_24_hours_with_a_fresh_trace(td):
    case = open_case(td, DE_URL)
    assert case.state == CaseState.REFERRED
    assert case.next_action_at == case.first_notice_at + timedelta(hours=24)
    (first,) = referrals()
    assert "until you do, we send it again every 24 hours" in first.body_text
    assert not first.subject.startswith("Reminder")
    assert services.sweep(now=timezone.now() + timedelta(hours=23)).total == 0
    later = timezone.now() + timedelta(hours=25)
    assert services.sweep(now=later).resent == 1
    case.refresh_from_db()
    assert case.state == CaseState.REFERRED and case.notice_count == 2
    assert case.next_action_at == later + timedelta(hours=24)
    _, second = referrals()
    assert second.subject.startswith("Reminder 2: referral")
    assert "This is reminder no. 2" in second.body_text
    export = json.loads(second.attachments[0]["content"])
    assert export["sequence"] == 2
    notice = Notice.objects.get(case=case, kind="referral")
    assert export["referral_id"] == str(notice.uuid) and notice.send_count == 2
    purposes = sorted(HostingTrace.objects.filter(item=case.item).values_list("purpose", flat=True))
    assert purposes == ["assessment", "renotice"]
    event = case.events.get(kind=CaseEvent.Kind.REFERRAL_RESENT)
    assert event.data["sequence"] == 2 and event.at == later
    entry = AuditEntry.objects.get(action="takedown.referral.resent")
    assert entry.data["sequence"] == 2
    # And again the next day: the dedup keys differ per sending, so nothing is swallowed.
    assert services.sweep(now=later + timedelta(hours=24, minutes=1)).resent == 1
    assert len(referrals()) == 3


def test_acknowledgement_stops_the_resending_and_cancels_an_unsent_copy(td):
    case = open_case(td, DE_URL)
    later = timezone.now() + timedelta(hours=25)
    services.sweep(now=later)
    first, second = referrals()
    assert second.state == State.PENDING  # the partner's mail server may be slow
    notice = Notice.objects.get(case=case, kind="referral")
    case = services.record_response(
        notice=notice, action="acknowledged", via="provider_api", now=later
    )
    assert case.state == CaseState.REFERRED and case.acknowledged_at == later
    assert case.next_action_at is None
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == second.state == State.CANCELLED
    assert second.cancel_reason == "The partner hotline acknowledged the referral"
    assert case.events.filter(kind=CaseEvent.Kind.UNSENT_CANCELLED).count() == 1
    # No more referrals, ever; but the case still escalates if the content stays online.
    assert services.sweep(now=later + timedelta(days=3)).resent == 0
    assert len(referrals()) == 2
    report = services.sweep(now=timezone.now() + timedelta(days=7, hours=1))
    assert report.escalated == 1 and report.resent == 0
    case.refresh_from_db()
    assert case.escalated_at and case.state == CaseState.REFERRED and case.needs_supervisor


def test_unacknowledged_referral_escalates_after_seven_days_and_keeps_being_resent(td):
    case = open_case(td, DE_URL)
    day = timezone.now()
    for n in range(1, 8):
        services.sweep(now=day + timedelta(days=n, minutes=n))
    case.refresh_from_db()
    assert case.escalated_at is not None
    assert case.events.filter(kind=CaseEvent.Kind.ESCALATED).count() == 1
    assert case.events.filter(kind=CaseEvent.Kind.REFERRAL_RESENT).count() == 7
    assert services.sweep(now=day + timedelta(days=8, minutes=9)).resent == 1
    assert len(referrals()) == 9


def test_a_disputed_referral_is_resent_again_after_the_supervisor_continues(td):
    case = open_case(td, DE_URL)
    notice = Notice.objects.get(case=case, kind="referral")
    case = services.record_response(
        notice=notice, action="disputed", via="provider_api", comment="Not illegal here?"
    )
    assert case.state == CaseState.DISPUTED
    assert services.sweep(now=timezone.now() + timedelta(days=2)).total == 0
    case = services.resolve_case(
        actor=td.supervisor, case=case, decision="continue", reason="Baseline content."
    )
    assert case.state == CaseState.REFERRED
    assert services.sweep(now=timezone.now() + timedelta(minutes=1)).resent == 1
    assert len(referrals()) == 2


def test_content_moving_home_during_resending_is_rerouted_to_police_and_provider(td, dns):
    case = open_case(td, DE_URL)
    dns["de.example.org"] = [PL_IP]
    report = services.sweep(now=timezone.now() + timedelta(hours=25))
    assert report.moved == 1
    case.refresh_from_db()
    assert case.state == CaseState.NOTIFIED and case.hosting_country == "PL"
    assert not Notice.objects.get(case=case, kind="referral").active
    assert Notice.objects.get(case=case, kind="ntd").active
    assert len(referrals()) == 1  # the superseded referral is not re-sent


def test_case_page_timeline_shows_the_resent_referral(td):
    case = open_case(td, DE_URL)
    services.sweep(now=timezone.now() + timedelta(hours=25))
    client = Client()
    client.force_login(td.analyst)
    english = client.get(f"/en/takedown/items/{case.item_id}/").content.decode()
    assert "Referral sent" in english and "Referral re-sent" in english
    assert "no. 2" in english
    polish = client.get(f"/takedown/items/{case.item_id}/").content.decode()
    assert "Ponownie przekazano sprawę" in polish and "nr 2" in polish
