"""Service functions: deduplication, reappearance, known/new, priority, assessment, retention."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from ostoja.audit.models import AuditEntry
from ostoja.audit.services import verify_chain
from ostoja.hotline import known, services
from ostoja.hotline.intake import IntakeError, ReportInput
from ostoja.hotline.models import Assessment, Item, ItemState, Report
from ostoja.hotline.priority import DEFAULT_RULES
from tests.hotline.factories import HotlineFactory, PartnerFactory, counts, item, report

pytestmark = pytest.mark.django_db

ILLEGAL = {
    "outcome": "illegal_national",
    "legal_articles": ["202.3"],
    "content_type": "image",
    "site_type": "image_host",
    "age_band": "3-13",
    "gender": "girl",
    "severity": "high",
}


def assess(it, analyst, **fields):
    services.claim_item(it, actor=analyst)
    return services.assess_item(it, actor=analyst, **fields)


def test_one_open_item_per_canonical_url(hotline):
    a = report(hotline, ["HTTP://Example.com:80/x/../y"])
    b = report(hotline, ["example.com/y#frag"], source=PartnerFactory(kind="police"))
    assert a.urls[0].item_id == b.urls[0].item_id
    it = Item.objects.get()
    assert it.report_count == 2
    assert set(it.source_kinds) == {"public", "police"}
    assert it.canonical_url == "http://example.com/y"
    # Police source is the most trusted: its points count.
    assert {"code": "source_kind", "points": 20, "params": {"kind": "police"}} in (
        it.priority_reasons
    )


def test_items_are_per_hotline(hotline):
    other = HotlineFactory()
    a = report(hotline, ["https://example.com/same"])
    b = report(other, ["https://example.com/same"])
    assert a.urls[0].item_id != b.urls[0].item_id


def test_removed_item_reported_again_reappears(hotline, user_factory):
    analyst = user_factory("hotline_analyst", hotline)
    first = item(hotline, "https://example.com/gone")
    assess(first, analyst, outcome="not_found")
    first.refresh_from_db()
    assert first.state == ItemState.CLOSED_NOT_FOUND and first.closed_at
    again = item(hotline, "https://example.com/gone")
    assert again.pk != first.pk
    assert again.reappeared and again.previous_item == first
    # Closed as not illegal: a new report opens a fresh item linked to it, not "reappeared".
    legal = item(hotline, "https://example.com/legal")
    assess(legal, analyst, outcome="not_illegal")
    fresh = item(hotline, "https://example.com/legal")
    assert fresh.previous_item == legal and not fresh.reappeared


def test_open_or_actionable_item_collects_reports(hotline, user_factory):
    analyst = user_factory("hotline_analyst", hotline)
    it = item(hotline, "https://example.com/live")
    assess(it, analyst, **ILLEGAL)
    it.refresh_from_db()
    assert it.state == ItemState.ACTIONABLE
    again = item(hotline, "https://example.com/live")
    assert again.pk == it.pk and again.report_count == 2


def fake_checker(hashes):
    return [
        known.KnownMatch(
            bank="Lista testowa",
            signal_type=t,
            value=v,
            distance=0,
            classification={"age_band": "3-13", "content_type": "image"},
        )
        for t, v in hashes
        if v.startswith("aa")
    ]


def failing_checker(hashes):
    raise RuntimeError("bank down")


@override_settings(OSTOJA_KNOWN_MATERIAL_CHECKER="tests.hotline.test_services.fake_checker")
def test_known_and_new(hotline):
    known_item = item(hotline, hashes=[("md5", "aa" + "0" * 30)])
    assert known_item.known and known_item.known_bank == "Lista testowa"
    assert known_item.known_classification["age_band"] == "3-13"
    assert "new_material" not in {r["code"] for r in known_item.priority_reasons}
    new_item = item(hotline, hashes=[("sha1", "bb" + "0" * 38)])
    assert not new_item.known and new_item.hashes_checked
    assert "new_material" in {r["code"] for r in new_item.priority_reasons}
    unchecked = item(hotline)
    assert not unchecked.known and not unchecked.hashes_checked
    assert "new_material" not in {r["code"] for r in unchecked.priority_reasons}


def test_without_checker_nothing_is_known(hotline):
    assert known.check_known([("md5", "a" * 32)]) == []
    it = item(hotline, hashes=[("md5", "a" * 32)])
    assert not it.known


@override_settings(OSTOJA_KNOWN_MATERIAL_CHECKER="tests.hotline.test_services.failing_checker")
def test_failing_checker_does_not_lose_the_report(hotline):
    it = item(hotline, hashes=[("md5", "a" * 32)])
    assert not it.known and not it.hashes_checked


def test_hashes_of_item(hotline):
    it = item(hotline, "https://example.com/h", hashes=[("md5", "A" * 32), ("pdq", "f" * 64)])
    report(hotline, ["https://example.com/h"], hashes=[("md5", "a" * 32), ("sha1", "1" * 40)])
    assert services.hashes_of_item(it) == [("md5", "a" * 32), ("pdq", "f" * 64), ("sha1", "1" * 40)]


def test_escalation_makes_p1_and_reasons_explain(hotline):
    it = item(hotline, escalate_reason="Dziecko pisze, że jest teraz zamknięte w pokoju.")
    assert it.priority_level == "P1"
    assert it.priority_reasons[0]["code"] == "immediate_risk"
    assert it.priority_deadline == it.first_seen + timedelta(hours=1)
    from ostoja.hotline.explain import explained_reasons

    texts = [r["text"] for r in explained_reasons(it)]
    assert any("Immediate risk" in t or "Bezpośrednie" in t for t in texts)


def test_new_rules_version_rescores_and_is_recorded(
    hotline, user_factory, django_capture_on_commit_callbacks
):
    supervisor = user_factory("hotline_supervisor", hotline)
    it = item(hotline)
    assert it.priority_rules_version == 1
    rules = copy.deepcopy(DEFAULT_RULES)
    rules["source_kind_points"]["public"] = 35
    with django_capture_on_commit_callbacks(execute=True):
        saved = services.save_rules(actor=supervisor, hotline=hotline, rules=rules, comment="x")
    assert saved.version == 2
    it.refresh_from_db()
    assert it.priority_rules_version == 2 and it.priority_level == "P2"
    entry = AuditEntry.objects.get(action="hotline.priority_rules.saved")
    assert entry.data["version"] == 2
    with pytest.raises(ValueError, match="thresholds"):
        bad = copy.deepcopy(DEFAULT_RULES)
        bad["thresholds"]["P2"] = 100
        services.save_rules(actor=supervisor, hotline=hotline, rules=bad)
    assert services.active_rules(hotline.pk)["version"] == 2


def test_waiting_time_rescore(hotline):
    it = item(hotline)
    later = it.first_seen + timedelta(hours=5, minutes=1)
    services.rescore_items(hotline.pk, only_stale=True, now=later)
    it.refresh_from_db()
    assert {"code": "waiting", "points": 5, "params": {"hours": 5}} in it.priority_reasons


def test_assessment_validation(hotline, user_factory):
    analyst = user_factory("hotline_analyst", hotline)
    it = item(hotline)
    services.claim_item(it, actor=analyst)
    cases = [
        ({"outcome": "nope"}, "outcome"),
        ({**ILLEGAL, "legal_articles": []}, "legal_articles"),
        ({**ILLEGAL, "outcome": "illegal_baseline"}, "legal_articles"),
        ({**ILLEGAL, "content_type": ""}, "content_type"),
        ({**ILLEGAL, "severity": "extreme"}, "severity"),
        ({"outcome": "duplicate"}, "duplicate_of"),
        ({"outcome": "duplicate", "duplicate_of": it}, "duplicate_of"),
        ({"outcome": "not_illegal", "notes": "a\x00b"}, "notes"),
    ]
    for fields, name in cases:
        with pytest.raises(ValueError) as exc:
            services.assess_item(it, actor=analyst, **fields)
        assert name in exc.value.args[0], fields
    assert not Assessment.objects.exists()


def test_assessment_needs_the_claim(hotline, user_factory):
    a1 = user_factory("hotline_analyst", hotline)
    a2 = user_factory("hotline_analyst", hotline)
    it = item(hotline)
    services.claim_item(it, actor=a1)
    with pytest.raises(services.ClaimError):
        services.claim_item(it, actor=a2)
    with pytest.raises(services.ClaimError):
        services.assess_item(it, actor=a2, outcome="not_illegal")
    services.assess_item(it, actor=a1, outcome="not_illegal", notes="<b>ok</b>")
    entry = AuditEntry.objects.filter(action="hotline.item.assessed").get()
    assert entry.actor == a1 and entry.data["outcome"] == "not_illegal"
    assert entry.data["legal_rules_version"]
    assert "<b>ok</b>" not in str(entry.data)  # notes stay out of the audit log
    assert verify_chain() is None


def test_four_eyes(hotline, user_factory):
    services.update_settings(actor=None, hotline=hotline, four_eyes_required=True)
    a1 = user_factory("hotline_analyst", hotline)
    a2 = user_factory("hotline_analyst", hotline)
    it = item(hotline)
    assert services.next_item(actor=a1, hotline_ids=[hotline.pk]) == it
    services.assess_item(it, actor=a1, **ILLEGAL)
    it.refresh_from_db()
    assert it.state == ItemState.SECOND_OPINION and it.claimed_by is None
    # The first analyst is never given it again.
    assert services.next_item(actor=a1, hotline_ids=[hotline.pk]) is None
    with pytest.raises(services.ClaimError):
        services.claim_item(it, actor=a1)
    assert services.next_item(actor=a2, hotline_ids=[hotline.pk]) == it
    second = services.assess_item(
        it, actor=a2, **{**ILLEGAL, "outcome": "illegal_baseline"} | {"legal_articles": []}
    )
    it.refresh_from_db()
    assert second.is_second_opinion and it.state == ItemState.ACTIONABLE and not it.disputed


def test_four_eyes_disagreement_closes_and_flags(hotline, user_factory):
    services.update_settings(actor=None, hotline=hotline, four_eyes_required=True)
    a1 = user_factory("hotline_analyst", hotline)
    a2 = user_factory("hotline_analyst", hotline)
    it = item(hotline)
    assess(it, a1, **ILLEGAL)
    assess(it, a2, outcome="not_illegal")
    it.refresh_from_db()
    assert it.state == ItemState.CLOSED_NOT_ILLEGAL and it.disputed


def test_next_item_takes_most_urgent_and_claims_expire(hotline, user_factory):
    a1 = user_factory("hotline_analyst", hotline)
    a2 = user_factory("hotline_analyst", hotline)
    low = item(hotline)
    urgent = item(hotline, escalate_reason="teraz")
    assert services.next_item(actor=a1, hotline_ids=[hotline.pk]) == urgent
    # Holding a claim: the same item again.
    assert services.next_item(actor=a1, hotline_ids=[hotline.pk]) == urgent
    assert services.next_item(actor=a2, hotline_ids=[hotline.pk]) == low
    later = timezone.now() + timedelta(minutes=31)
    a3 = user_factory("hotline_analyst", hotline)
    assert services.next_item(actor=a3, hotline_ids=[hotline.pk], now=later) == urgent
    assert AuditEntry.objects.filter(action="hotline.item.claimed").count() == 3


def test_next_item_conditional_update_path(hotline, user_factory):
    a1 = user_factory("hotline_analyst", hotline)
    a2 = user_factory("hotline_analyst", hotline)
    one, two = item(hotline), item(hotline)
    got1 = services.next_item(actor=a1, hotline_ids=[hotline.pk], use_skip_locked=False)
    got2 = services.next_item(actor=a2, hotline_ids=[hotline.pk], use_skip_locked=False)
    assert {got1, got2} == {one, two}
    assert (
        services.next_item(
            actor=user_factory("hotline_analyst", hotline),
            hotline_ids=[hotline.pk],
            use_skip_locked=False,
        )
        is None
    )


def test_reveal_is_audited(hotline, user_factory):
    analyst = user_factory("hotline_analyst", hotline)
    it = item(hotline, "https://example.com/secret")
    assert services.reveal_url(it, actor=analyst) == "https://example.com/secret"
    entry = AuditEntry.objects.get(action="hotline.item.url_revealed")
    assert entry.actor == analyst and "example.com/secret" not in str(entry.data)


def test_assessed_today(hotline, user_factory):
    analyst = user_factory("hotline_analyst", hotline)
    for _ in range(3):
        assess(item(hotline), analyst, outcome="not_illegal")
    assert services.assessed_today(analyst) == 3


def test_retention_deletes_emails_after_closure(hotline, user_factory):
    analyst = user_factory("hotline_analyst", hotline)
    closed = report(hotline, ["https://example.com/r1"], reporter_email="a@example.test")
    still_open = report(
        hotline,
        ["https://example.com/r1", "https://example.com/r2"],
        reporter_email="b@example.test",
    )
    it = Item.objects.get(pk=closed.urls[0].item_id)
    assess(it, analyst, outcome="not_found")
    now = timezone.now()
    assert services.apply_retention(now=now + timedelta(days=89)) == 0
    assert services.apply_retention(now=now + timedelta(days=91)) == 1
    r1, r2 = Report.objects.get(pk=closed.report.pk), Report.objects.get(pk=still_open.report.pk)
    assert r1.reporter_email is None and r1.feedback_requested and r1.email_deleted_at
    assert r2.reporter_email == "b@example.test"
    entry = AuditEntry.objects.get(action="hotline.retention.emails_deleted")
    assert entry.data == {"reports": 1, "retention_days": 90}
    # Statistics stay.
    assert Report.objects.count() == 2 and Item.objects.count() == 2


def test_retention_command(hotline):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("hotline_retention", stdout=out)
    assert "0 report" in out.getvalue()


def test_intake_error_writes_nothing(hotline):
    before = counts()
    with pytest.raises(IntakeError) as exc:
        services.submit_report(
            actor=None,
            data=ReportInput(incident_type="csam", urls=["ftp://example.com/x", "data:,x"]),
            channel="api",
            hotline=hotline,
        )
    assert [e.field for e in exc.value.errors] == ["urls.0", "urls.1"]
    assert counts() == before


def test_batch_all_or_nothing(hotline, partner):
    before = counts()
    good = ReportInput(incident_type="csam", urls=["https://example.com/1"])
    bad = ReportInput(incident_type="csam", urls=["javascript:x"])
    with pytest.raises(IntakeError) as exc:
        services.submit_batch(actor=None, reports=[good, bad], source_organisation=partner)
    assert exc.value.errors[0].field == "reports.1.urls.0"
    assert counts() == before


def test_public_intake_uses_the_rules_in_force(hotline):
    rules = copy.deepcopy(DEFAULT_RULES)
    rules["source_kind_points"]["public"] = 5
    services.save_rules(actor=None, hotline=hotline, rules=rules)
    submitted = services.submit_report(
        actor=None,
        data=ReportInput(incident_type="csam", urls=["https://example.com/rules"]),
        channel="web_form",
    )
    it = Item.objects.get(pk=submitted.urls[0].item_id)
    assert it.priority_rules_version == 2
    assert {"code": "source_kind", "points": 5, "params": {"kind": "public"}} in (
        it.priority_reasons
    )


def test_rescore_command_and_tasks(hotline):
    from io import StringIO

    from django.core.management import call_command

    from ostoja.hotline import tasks

    item(hotline)
    out = StringIO()
    call_command("hotline_rescore", "--all", stdout=out)
    assert "Re-scored 1 item" in out.getvalue()
    assert tasks.rescore_stale_items.enqueue().return_value == 0  # just scored: not stale
    assert tasks.rescore_hotline.enqueue(hotline.pk).return_value == 1
    assert tasks.hotline_retention.enqueue().return_value == 0
