"""Takedown services: routing by hosting, notices, re-notices, moves, escalation, answers."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from ostoja.audit.models import AuditEntry
from ostoja.audit.services import verify_chain
from ostoja.hotline.models import Item, ItemState
from ostoja.outbox.models import OutboxMessage
from ostoja.takedown import services, xarf
from ostoja.takedown.models import (
    Case,
    CaseEvent,
    CaseState,
    Flag,
    HostingTrace,
    Notice,
    ProviderRule,
    UrlListEntry,
)
from tests.factories import OrganisationFactory
from tests.takedown.conftest import DE_IP, NL_IP, PL_IP, illegal_item, open_case

pytestmark = pytest.mark.django_db


def emails(to=None):
    qs = OutboxMessage.objects.filter(kind="email").order_by("pk")
    return [m for m in qs if to is None or to in m.recipients]


def test_hosted_in_poland_notifies_police_and_provider(td):
    case = open_case(td, "https://files.example.com/a/1")
    assert case.state == CaseState.NOTIFIED and case.route == "domestic"
    assert case.hosting_country == "PL" and case.provider == td.provider
    assert case.police_notified_at and case.first_notice_at and case.notice_count == 1
    assert case.next_action_at == case.first_notice_at + timedelta(hours=24)
    item = Item.objects.get(pk=case.item_id)
    assert item.state == ItemState.ACTIONED and item.hosted_in_poland is True
    # The trace is stored with its time and what it found.
    trace = HostingTrace.objects.get(item=item)
    assert (trace.ips, trace.country, trace.asn, trace.as_org) == (
        [PL_IP],
        "PL",
        64500,
        "Hosting PL",
    )
    assert trace.provider == td.provider and trace.match_reason == "asn" and trace.errors == []
    # Police: one e-mail in Polish with the X-ARF report.
    police = emails("dyzur@police.example")
    assert len(police) == 1 and police[0].language == "pl" and police[0].sensitive
    assert "https://files.example.com/a/1" in police[0].body_text
    # Provider: Polish text + a valid X-ARF v4 attachment + the signed link.
    (ntd,) = emails("abuse@provider.example")
    assert ntd.language == "pl"
    assert ntd.subject.startswith("Wezwanie do usunięcia treści")  # Polish provider
    assert "Prosimy o jak najszybsze usunięcie" in ntd.body_text
    assert "https://ostoja.example/ntd/" in ntd.body_text
    assert "/api/v1/notices/" in ntd.body_text
    (attachment,) = ntd.attachments
    report = json.loads(attachment["content"])
    assert xarf.validate_report(report) == []
    assert (
        report["url"] == "https://files.example.com/a/1" and report["classification"] == "baseline"
    )
    assert report["source_identifier"] == PL_IP and report["asn"] == 64500
    assert report["country_code"] == "PL" and report["hosting_provider"] == "Hosting Testowy"
    notice = Notice.objects.get(case=case, kind=Notice.Kind.NTD)
    assert report["report_id"] == str(notice.uuid)
    # On the block list; events and audit entries for each step.
    entry = UrlListEntry.objects.get(case=case)
    assert entry.removed_at is None and entry.sha256 == item.url_sha256
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["opened", "traced", "police_notified", "notice_sent"]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"takedown.case.opened", "takedown.police.notified", "takedown.notice.sent"} <= actions
    assert verify_chain() is None


def test_provider_with_webhook_gets_signed_post_too(td):
    services.save_contact_point(
        actor=None,
        organisation=td.provider,
        email="abuse@provider.example",
        language="en",
        webhook_url="https://hooks.provider.example/ntd",
        webhook_key_id="k1",
        webhook_secret_ref="settings:provider",
    )
    case = open_case(td)
    notice = Notice.objects.get(case=case, kind="ntd")
    hook = OutboxMessage.objects.get(kind="webhook")
    assert hook.url == "https://hooks.provider.example/ntd"
    assert hook.hmac_secret_ref == "settings:provider" and hook.hmac_key_id == "k1"
    assert hook.payload["format"] == "ostoja-ntd" and hook.payload["notice_id"] == str(notice.uuid)
    assert xarf.validate_report(hook.payload["xarf"]) == []
    assert hook.payload["respond"]["link"].startswith("https://ostoja.example/en/ntd/")
    # English provider: English text.
    (mail,) = emails("abuse@provider.example")
    assert mail.subject.startswith("Notice and takedown request")


def test_hosted_abroad_is_referred_to_the_partner_hotline(td):
    case = open_case(td, "https://de.example.org/x")
    assert case.state == CaseState.REFERRED and case.route == "abroad"
    assert case.partner_hotline == td.partner_de and case.hosting_country == "DE"
    assert emails("dyzur@police.example") == []  # police only for content hosted here
    (mail,) = emails("team@partner.example")
    assert mail.language == "en" and "hosted in DE" in mail.subject
    export = json.loads(mail.attachments[0]["content"])
    assert export["format"] == "ostoja-referral" and export["version"] == 1
    assert export["url"] == "https://de.example.org/x" and export["hosting"]["ips"] == [DE_IP]
    assert export["to"]["country"] == "DE" and xarf.validate_report(export["xarf"]) == []
    assert export["respond"]["api"].endswith(f"/api/v1/notices/{export['referral_id']}/response")
    assert Item.objects.get(pk=case.item_id).hosted_in_poland is False
    assert services.public_outcome(case.item) == "referred_abroad"


def test_abroad_without_partner_notifies_a_known_provider_directly(td):
    nl = OrganisationFactory(kind="hosting_provider", country="NL", language="en")
    services.add_provider_rule(actor=None, organisation=nl, spec="203.0.113.0/26")
    services.save_contact_point(actor=None, organisation=nl, email="abuse@nl.example")
    case = open_case(td, "https://nl.example.org/y")
    assert case.state == CaseState.NOTIFIED and case.route == "abroad" and case.provider == nl
    trace = HostingTrace.objects.get(item=case.item)
    assert trace.match_reason == "network" and trace.ips == [NL_IP]
    assert len(emails("abuse@nl.example")) == 1


def test_abroad_without_partner_or_provider_is_flagged(td):
    case = open_case(td, "https://nl.example.org/z")
    assert case.state == CaseState.HOSTING_UNKNOWN and case.flag == Flag.NO_PARTNER
    assert Item.objects.get(pk=case.item_id).state == ItemState.ACTIONABLE
    assert not OutboxMessage.objects.exists()


def test_dns_failure_flags_the_case_and_the_sweep_retries(td, dns):
    dns.pop("files.example.com")
    case = open_case(td, "https://files.example.com/dns")
    assert case.state == CaseState.HOSTING_UNKNOWN and case.flag == Flag.NO_TRACE
    assert "dns_failed" in case.flag_detail
    assert Item.objects.get(pk=case.item_id).state == ItemState.ACTIONABLE  # still actionable
    # Not due yet: nothing happens.
    assert services.sweep().total == 0
    dns["files.example.com"] = [PL_IP]
    report = services.sweep(now=timezone.now() + timedelta(hours=2))
    assert report.routed == 1
    case.refresh_from_db()
    assert case.state == CaseState.NOTIFIED and case.flag == ""
    purposes = list(HostingTrace.objects.filter(item=case.item).values_list("purpose", flat=True))
    assert sorted(purposes) == ["assessment", "retry"]


@pytest.mark.parametrize("fault", ["missing", "corrupt"])
def test_missing_or_corrupt_mmdb_keeps_the_case_actionable(td, settings, tmp_path, fault):
    path = tmp_path / "country.mmdb"
    if fault == "corrupt":
        path.write_bytes(b"this is not a MaxMind database" * 10)
    settings.OSTOJA_GEOIP_COUNTRY_DB = str(path)
    case = open_case(td)
    assert case.state == CaseState.HOSTING_UNKNOWN and case.flag == Flag.NO_TRACE
    trace = HostingTrace.objects.get(item=case.item)
    assert f"country_db_{fault}" in trace.error_codes and trace.ips == [PL_IP]
    assert f"country_db_{fault}" in case.flag_detail


def test_home_country_without_provider_rule_is_flagged(td):
    ProviderRule.objects.all().delete()
    case = open_case(td)
    assert case.state == CaseState.HOSTING_UNKNOWN and case.flag == Flag.NO_PROVIDER
    assert case.police_notified_at  # the police are told anyway
    assert Notice.objects.filter(case=case, kind="ntd").count() == 0


def test_provider_without_contact_is_flagged(td):
    td.provider.takedown_contact.delete()
    td.provider.contact_email = ""
    td.provider.save()
    case = open_case(td)
    assert case.flag == Flag.NO_CONTACT


def test_missing_police_contact_is_recorded(td, settings):
    settings.OSTOJA_POLICE_CONTACT = ""
    case = open_case(td)
    assert case.state == CaseState.NOTIFIED and case.police_notified_at is None
    assert case.events.filter(kind=CaseEvent.Kind.POLICE_MISSING).count() == 1


def test_police_contact_may_be_an_address(td, settings):
    settings.OSTOJA_POLICE_CONTACT = "cyber@police.example"
    open_case(td)
    assert len(emails("cyber@police.example")) == 1


def test_handle_illegal_assessment_is_idempotent_and_ignores_legal_items(td):
    from tests.hotline.factories import item as new_item

    legal = new_item(td.hotline, "https://example.com/fine")
    assert services.handle_illegal_assessment(actor=td.analyst, item=legal) is None
    it = illegal_item(td.hotline, td.analyst, "https://files.example.com/twice")
    first = services.handle_illegal_assessment(actor=td.analyst, item=it)
    again = services.handle_illegal_assessment(actor=td.analyst, item=it)
    assert first.pk == again.pk and Case.objects.count() == 1
    assert UrlListEntry.objects.count() == 1
    assert AuditEntry.objects.filter(action="takedown.case.opened").count() == 1
    assert first.site_type == "image_host" and first.age_band == "3-13" and first.baseline
    assert first.source_kind == "public"


def test_renotice_every_24_hours_with_a_fresh_trace(td):
    case = open_case(td)
    assert services.sweep(now=timezone.now() + timedelta(hours=23)).total == 0
    later = timezone.now() + timedelta(hours=25)
    report = services.sweep(now=later)
    assert report.resent == 1
    case.refresh_from_db()
    assert case.notice_count == 2 and case.next_action_at == later + timedelta(hours=24)
    mails = emails("abuse@provider.example")
    assert len(mails) == 2
    assert "Przypomnienie 2" in mails[1].subject  # Polish provider: "Reminder 2"
    assert json.loads(mails[1].attachments[0]["content"])["tags"] == [
        "ostoja:notice",
        "ostoja:sequence-2",
    ]
    # Same X-ARF report id (the notice), a new link, a new trace before the re-notice.
    assert mails[0].body_text != mails[1].body_text
    purposes = sorted(HostingTrace.objects.filter(item=case.item).values_list("purpose", flat=True))
    assert purposes == ["assessment", "renotice"]
    assert len(emails("dyzur@police.example")) == 1  # the police are notified once
    assert case.events.filter(kind="renotice_sent").count() == 1


def test_renotice_when_dns_fails_goes_to_the_last_known_provider(td, dns):
    case = open_case(td)
    dns.pop("files.example.com")
    assert services.sweep(now=timezone.now() + timedelta(hours=25)).resent == 1
    case.refresh_from_db()
    assert case.state == CaseState.NOTIFIED and case.provider == td.provider


def test_content_moving_abroad_supersedes_the_notice_and_refers_it(td, dns):
    case = open_case(td)
    dns["files.example.com"] = [DE_IP]
    report = services.sweep(now=timezone.now() + timedelta(hours=25))
    assert report.moved == 1
    case.refresh_from_db()
    assert case.state == CaseState.REFERRED and case.hosting_country == "DE"
    ntd = Notice.objects.get(case=case, kind="ntd")
    assert not ntd.active
    assert Notice.objects.get(case=case, kind="referral").active
    assert case.events.filter(kind="superseded").count() == 1
    assert AuditEntry.objects.filter(action="takedown.case.hosting_moved").exists()


def test_escalation_to_supervisors_after_seven_days(td):
    case = open_case(td)
    report = services.sweep(now=timezone.now() + timedelta(days=7, hours=1))
    assert report.escalated == 1
    case.refresh_from_db()
    assert case.state == CaseState.NOT_REMOVED and case.escalated_at and case.needs_supervisor
    (mail,) = emails(td.supervisor.email)
    assert "https://files.example.com" not in mail.body_text  # no URL in internal alerts
    assert f"/takedown/items/{case.item_id}/" in mail.body_text
    # Still re-noticed while not removed; escalated once only.
    assert services.sweep(now=timezone.now() + timedelta(days=9)).escalated == 0


def test_sweep_claims_a_case_once(td):
    case = open_case(td)
    due = timezone.now() + timedelta(hours=25)
    assert services.sweep(now=due).resent == 1
    assert services.sweep(now=due).resent == 0  # the first sweep moved next_action_at on
    case.refresh_from_db()
    assert case.notice_count == 2


def test_provider_answers_move_the_state(td):
    case = open_case(td)
    notice = Notice.objects.get(case=case, kind="ntd")
    case = services.record_response(notice=notice, action="acknowledged", via="provider_api")
    assert case.state == CaseState.ACKNOWLEDGED and case.acknowledged_at
    now = timezone.now() + timedelta(hours=5)
    case = services.record_response(
        notice=notice, action="removed", via="provider_link", comment="Usunięte.", now=now
    )
    assert case.state == CaseState.REMOVED and case.removal_confirmed_by == "provider_link"
    assert case.seconds_notice_to_removal == int((now - case.first_notice_at).total_seconds())
    assert case.seconds_report_to_removal >= case.seconds_notice_to_removal
    item = Item.objects.get(pk=case.item_id)
    assert item.state == ItemState.REMOVED and item.closed_at == now
    entry = UrlListEntry.objects.get(case=case)
    assert entry.removed_at == now and entry.updated_at == now and entry.removal_reason == "removed"
    assert services.public_outcome(item) == "removed"
    # A second "removed" is accepted silently; anything else conflicts.
    assert services.record_response(notice=notice, action="removed", via="provider_link")
    with pytest.raises(services.ResponseConflict):
        services.record_response(notice=notice, action="disputed", via="provider_link")
    # Removed cases are not re-noticed.
    assert services.sweep(now=timezone.now() + timedelta(days=3)).total == 0


def test_dispute_pauses_renotices_until_a_supervisor_decides(td):
    case = open_case(td)
    notice = Notice.objects.get(case=case, kind="ntd")
    case = services.record_response(
        notice=notice, action="disputed", via="provider_api", comment="Not on our servers."
    )
    assert case.state == CaseState.DISPUTED and case.next_action_at is None
    assert services.sweep(now=timezone.now() + timedelta(days=2)).total == 0
    with pytest.raises(services.TakedownError):
        services.resolve_case(actor=td.supervisor, case=case, decision="continue", reason="")
    case = services.resolve_case(
        actor=td.supervisor, case=case, decision="continue", reason="Checked: it is there."
    )
    assert case.state == CaseState.NOTIFIED
    assert services.sweep(now=timezone.now() + timedelta(minutes=1)).resent == 1


def test_withdrawing_a_notice_takes_the_url_off_the_list(td):
    case = open_case(td)
    case = services.resolve_case(
        actor=td.supervisor, case=case, decision="withdraw", reason="Mistaken assessment."
    )
    assert case.state == CaseState.CLOSED
    assert UrlListEntry.objects.get(case=case).removal_reason == "withdrawn"
    assert services.public_outcome(case.item) is None
    with pytest.raises(services.ResponseConflict):
        services.record_response(
            notice=Notice.objects.get(case=case, kind="ntd"), action="removed", via="provider_api"
        )


def test_analyst_checks(td):
    case = open_case(td)
    case = services.record_check(actor=td.analyst, case=case, result="online", note="Still there.")
    assert case.last_verified_at and case.state == CaseState.NOTIFIED
    with pytest.raises(services.TakedownError):
        services.record_check(actor=td.analyst, case=case, result="partner_removed")
    with pytest.raises(services.TakedownError):
        services.record_check(actor=td.analyst, case=case, result="gone?")
    with pytest.raises(services.TakedownError):
        services.record_check(actor=td.analyst, case=case, result="online", note="a\x00b")
    case = services.record_check(actor=td.analyst, case=case, result="removed")
    assert case.state == CaseState.REMOVED and case.removal_confirmed_by == "analyst"


def test_partner_hotline_confirms_a_referral(td):
    case = open_case(td, "https://de.example.org/p")
    notice = Notice.objects.get(case=case, kind="referral")
    case = services.record_response(notice=notice, action="removed", via="provider_api")
    assert case.state == CaseState.REMOVED and case.removal_confirmed_by == "partner_hotline"


def test_supervisor_override_routes_and_is_audited(td, dns):
    dns.pop("files.example.com")
    case = open_case(td)
    assert case.state == CaseState.HOSTING_UNKNOWN
    with pytest.raises(services.TakedownError) as error:
        services.override_hosting(actor=td.supervisor, case=case, country="Polska", reason="")
    assert set(error.value.args[0]) == {"country", "reason"}
    platform = OrganisationFactory(kind="online_platform")
    with pytest.raises(services.TakedownError):
        services.override_hosting(
            actor=td.supervisor, case=case, country="PL", provider=platform, reason="x"
        )
    services.override_hosting(
        actor=td.supervisor,
        case=case,
        country="pl",
        provider=td.provider,
        reason="Behind a CDN; the origin is at Hosting Testowy.",
    )
    case.refresh_from_db()
    assert case.state == CaseState.NOTIFIED and case.provider == td.provider
    entry = AuditEntry.objects.get(action="takedown.hosting.overridden")
    assert entry.data["reason"].startswith("Behind a CDN") and entry.actor == td.supervisor
    # The override stays in force: a re-notice does not trace again.
    services.sweep(now=timezone.now() + timedelta(hours=25))
    assert HostingTrace.objects.filter(item=case.item, kind="lookup").count() == 1


def test_public_outcome_codes(td, dns):
    dns.pop("files.example.com")
    case = open_case(td)
    assert services.public_outcome(case.item) == "action_pending"
    with translation.override("en"):
        assert services.public_outcome_text(case.item) == "Assessed – action being prepared"
    with translation.override("pl"):
        assert services.public_outcome_text(case.item) == "Ocenione – działania w przygotowaniu"
    from tests.hotline.factories import item as new_item

    assert services.public_outcome(new_item(td.hotline)) is None


def test_provider_rules_validation(td):
    with pytest.raises(services.TakedownError):
        services.add_provider_rule(actor=None, organisation=td.provider, spec="AS64500")  # dup
    with pytest.raises(services.TakedownError):
        services.add_provider_rule(actor=None, organisation=td.provider, spec="10.0.0.0/4")
    with pytest.raises(services.TakedownError):
        services.add_provider_rule(actor=None, organisation=td.provider, spec="AS0")
    with pytest.raises(services.TakedownError):
        services.add_provider_rule(actor=None, organisation=td.partner_de, spec="AS1")
    rule = services.add_provider_rule(actor=None, organisation=td.provider, spec="192.0.2.5")
    assert rule.network == "192.0.2.5/32"
    with pytest.raises(services.TakedownError) as error:
        services.save_contact_point(
            actor=None,
            organisation=td.provider,
            webhook_url="https://x.example/h",
            webhook_secret_ref="the-secret-itself",
        )
    assert "webhook_secret_ref" in error.value.args[0]


def test_urllist_feed_json_equals_the_data_feed(td):
    """The database-built JSON (PostgreSQL) and the Python-built one say the same."""
    from ostoja.takedown import urllist

    kept = open_case(td, "https://files.example.com/feed/1")
    gone = open_case(td, "https://img.example.net/feed/2")
    services.record_check(actor=td.analyst, case=gone, result="removed")
    now = timezone.now()
    for since in (None, kept.created_at - timedelta(seconds=1)):
        as_json = json.loads(urllist.feed_json(since, now=now))
        assert as_json == urllist.feed(since, now=now)
    full = urllist.feed(None, now=now)
    assert [e["url"] for e in full["entries"]] == ["https://files.example.com/feed/1"]
    assert full["entries"][0]["added_at"].endswith("Z")
