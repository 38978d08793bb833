"""Analyst and supervisor pages: queue, next item, item page, assessment, rules, settings."""

from __future__ import annotations

import copy
import json

import pytest
from django.test import Client

from ostoja.audit.models import AuditEntry
from ostoja.hotline import services
from ostoja.hotline.models import Assessment, HotlineSettings, Item, ItemState, PriorityRuleSet
from ostoja.hotline.priority import DEFAULT_RULES
from tests.hotline.factories import HotlineFactory, PartnerFactory, item

pytestmark = pytest.mark.django_db

ILLEGAL_FORM = {
    "outcome": "illegal_national",
    "legal_articles": ["202.4"],
    "content_type": "video",
    "site_type": "file_host",
    "age_band": "0-2",
    "gender": "unknown",
    "severity": "high",
    "notes": "",
}


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def analyst(hotline, user_factory):
    return user_factory("hotline_analyst", hotline)


@pytest.fixture
def supervisor(hotline, user_factory):
    return user_factory("hotline_supervisor", hotline)


def test_queue_shows_badges_reasons_and_defanged_urls_only(hotline, analyst):
    item(hotline, "https://img.example.net/a/1", escalate_reason="<i>teraz</i>")
    item(hotline, "https://example.com/b", source=PartnerFactory())
    page = client_for(analyst).get("/en/hotline/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="badge p1"' in html and 'class="badge p3"' in html
    assert "hxxps://img[.]example[.]net/a/1" in html
    assert "https://img.example.net" not in html  # never a live address
    assert 'href="https://' not in html and "<img" not in html
    assert "Immediate risk to a child" in html
    assert "Reported by a platform or provider" in html
    assert "&lt;i&gt;teraz&lt;/i&gt;" in html
    assert "You have assessed 0 items today." in html


def test_queue_filters(hotline, analyst):
    item(hotline, escalate_reason="now")
    item(hotline)
    c = client_for(analyst)
    assert c.get("/en/hotline/?level=P1").context["page"].paginator.count == 1
    assert c.get("/en/hotline/?view=closed").context["page"].paginator.count == 0
    assert c.get("/en/hotline/?level=P9").status_code == 400


def test_end_to_end_next_item_and_assessment(hotline, analyst):
    it = item(hotline, "https://example.com/e2e")
    c = client_for(analyst)
    response = c.post("/hotline/next/")
    assert response.status_code == 302 and response["Location"].endswith(f"/items/{it.pk}/")
    page = c.get(response["Location"])
    assert page.status_code == 200 and page.context["form"] is not None
    response = c.post(f"/hotline/items/{it.pk}/assess/", ILLEGAL_FORM)
    assert response.status_code == 302
    it.refresh_from_db()
    assert it.state == ItemState.ACTIONABLE and it.claimed_by is None
    a = Assessment.objects.get()
    assert a.legal_articles == ["202.4"] and a.legal_rules_version
    actions = list(
        AuditEntry.objects.filter(action__startswith="hotline.item").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["hotline.item.assessed", "hotline.item.claimed"]
    assert "You have assessed 1 item today." in c.get("/en/hotline/").content.decode()


def test_assessment_errors_name_the_fields(hotline, analyst):
    it = item(hotline)
    c = client_for(analyst)
    c.post(f"/hotline/items/{it.pk}/claim/")
    bad = {**ILLEGAL_FORM, "legal_articles": [], "severity": "", "notes": "x\x00"}
    response = c.post(f"/en/hotline/items/{it.pk}/assess/", bad)
    assert response.status_code == 400
    form = response.context["form"]
    assert "notes" in form.errors
    response = c.post(f"/en/hotline/items/{it.pk}/assess/", {**bad, "notes": ""})
    form = response.context["form"]
    assert set(form.errors) >= {"legal_articles", "severity"}
    assert not Assessment.objects.exists()
    response = c.post(
        f"/en/hotline/items/{it.pk}/assess/",
        {"outcome": "duplicate", "duplicate_of": 999999},
    )
    assert "duplicate_of" in response.context["form"].errors


def test_assess_without_claim_is_refused(hotline, analyst, user_factory):
    it = item(hotline)
    other = user_factory("hotline_analyst", hotline)
    client_for(other).post(f"/hotline/items/{it.pk}/claim/")
    response = client_for(analyst).post(f"/hotline/items/{it.pk}/assess/", ILLEGAL_FORM)
    assert response.status_code == 302
    assert not Assessment.objects.exists()


def test_other_hotline_items_are_404(hotline, analyst):
    other_item = item(HotlineFactory(slug="hotline-b"))
    c = client_for(analyst)
    assert c.get(f"/hotline/items/{other_item.pk}/").status_code == 404
    for action in ("claim", "release", "assess", "reveal"):
        assert c.post(f"/hotline/items/{other_item.pk}/{action}/").status_code == 404
    assert c.get("/hotline/hotline-b/rules/").status_code == 404
    assert other_item.pk not in [i.pk for i in c.get("/hotline/?view=all").context["page"]]
    assert c.post("/hotline/next/").status_code == 302
    assert Item.objects.get(pk=other_item.pk).claimed_by is None
    assert not AuditEntry.objects.filter(action="hotline.item.url_revealed").exists()


def test_reveal_shows_original_in_a_text_field_and_logs(hotline, analyst):
    it = item(hotline, "https://example.com/orig?q=1")
    c = client_for(analyst)
    page = c.get(f"/hotline/items/{it.pk}/").content.decode()
    assert "https://example.com/orig" not in page
    response = c.post(f"/hotline/items/{it.pk}/reveal/")
    html = response.content.decode()
    assert 'value="https://example.com/orig?q=1" readonly' in html
    assert 'href="https://example.com' not in html
    assert AuditEntry.objects.filter(action="hotline.item.url_revealed", actor=analyst).count() == 1


def test_break_reminder(hotline, analyst, supervisor):
    services.update_settings(actor=supervisor, hotline=hotline, break_reminder_after=2)
    for _ in range(2):
        it = item(hotline)
        services.claim_item(it, actor=analyst)
        services.assess_item(it, actor=analyst, outcome="not_illegal")
    html = client_for(analyst).get("/en/hotline/").content.decode()
    assert "Time for a break." in html


def test_four_eyes_hides_first_assessment(hotline, analyst, supervisor, user_factory):
    services.update_settings(actor=supervisor, hotline=hotline, four_eyes_required=True)
    it = item(hotline)
    c1 = client_for(analyst)
    c1.post("/hotline/next/")
    c1.post(f"/hotline/items/{it.pk}/assess/", {**ILLEGAL_FORM, "notes": "pierwsza ocena"})
    it.refresh_from_db()
    assert it.state == ItemState.SECOND_OPINION
    second = user_factory("hotline_analyst", hotline)
    c2 = client_for(second)
    assert c2.post("/hotline/next/")["Location"].endswith(f"/items/{it.pk}/")
    html = c2.get(f"/en/hotline/items/{it.pk}/").content.decode()
    assert "pierwsza ocena" not in html and "hidden until you give yours" in html
    c2.post(f"/hotline/items/{it.pk}/assess/", ILLEGAL_FORM)
    it.refresh_from_db()
    assert it.state == ItemState.ACTIONABLE


def test_rules_page(hotline, analyst, supervisor):
    s = client_for(supervisor)
    page = s.get(f"/en/hotline/{hotline.slug}/rules/")
    assert page.status_code == 200 and "Version 1 is in force" in page.content.decode()
    rules = copy.deepcopy(DEFAULT_RULES)
    rules["factors"]["live_stream"] = 70
    response = s.post(
        f"/hotline/{hotline.slug}/rules/", {"rules": json.dumps(rules), "comment": "live +10"}
    )
    assert response.status_code == 302
    assert PriorityRuleSet.objects.get().version == 2
    for bad in ["{not json", "[]", json.dumps({**rules, "extra": 1})]:
        r = s.post(f"/en/hotline/{hotline.slug}/rules/", {"rules": bad})
        assert r.status_code == 400 and r.context["form"].errors["rules"]
    assert PriorityRuleSet.objects.count() == 1
    # Analysts read the rules but cannot change them.
    a = client_for(analyst)
    assert a.get(f"/hotline/{hotline.slug}/rules/").status_code == 200
    assert (
        a.post(f"/hotline/{hotline.slug}/rules/", {"rules": json.dumps(rules)}).status_code == 403
    )
    assert PriorityRuleSet.objects.count() == 1


def test_settings_page(hotline, analyst, supervisor):
    s = client_for(supervisor)
    data = {
        "four_eyes_required": "on",
        "claim_minutes": 45,
        "break_reminder_after": 10,
        "retention_days": 30,
    }
    assert s.post(f"/hotline/{hotline.slug}/settings/", data).status_code == 302
    saved = HotlineSettings.objects.get(hotline=hotline)
    assert saved.four_eyes_required and saved.claim_minutes == 45
    entry = AuditEntry.objects.get(action="hotline.settings.changed")
    assert entry.data["claim_minutes"] == {"old": 30, "new": 45}
    bad = s.post(f"/hotline/{hotline.slug}/settings/", {**data, "claim_minutes": 0})
    assert bad.status_code == 400
    assert client_for(analyst).get(f"/hotline/{hotline.slug}/settings/").status_code == 403


def test_stats_have_no_content(hotline, coordinator_client):
    item(hotline, "https://example.com/stat-secret", description="opis-tajny")
    response = coordinator_client.get("/en/hotline/stats/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "stat-secret" not in html and "opis-tajny" not in html
    assert "Waiting for assessment: 1" in html
    assert coordinator_client.get("/hotline/")["Location"].endswith("/hotline/stats/")
