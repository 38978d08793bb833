"""The anonymous report form and the status page."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings

from ostoja.hotline import services
from ostoja.hotline.models import Item, Report
from tests.hotline.factories import counts

pytestmark = pytest.mark.django_db

VALID = {
    "urls": "https://example.com/a\n\nexample.org/b?x=1",
    "incident_type": "csam",
    "where_seen": "website",
    "description": "Na stronie głównej, trzeci wiersz.",
    "email": "",
    "leave_empty": "",
}


def code_from(response) -> str:
    match = re.search(r'id="status-code"><code>([0-9A-Z-]+)</code>', response.content.decode())
    assert match, "the receipt shows a status code"
    return match.group(1)


def test_form_in_polish_and_english_tells_not_to_send_material(hotline):
    pl = Client().get("/report/")
    assert pl.status_code == 200
    text = pl.content.decode()
    assert "Nie pobieraj" in text and "112" in text
    assert pl["Cache-Control"] == "no-store"
    en = Client().get("/en/report/")
    assert "Do not download, screenshot, copy or send the material" in en.content.decode()
    # Only the CSRF cookie, nothing else.
    assert set(pl.cookies) <= {"csrftoken"}


def test_report_then_status_lookup(hotline):
    client = Client(REMOTE_ADDR="203.0.113.9")
    response = client.post("/report/", {**VALID, "email": "ktos@example.test"}, follow=True)
    assert response.status_code == 200
    code = code_from(response)
    report = Report.objects.get()
    assert report.channel == "web_form" and report.source_kind == "public"
    assert report.reporter_email == "ktos@example.test"
    assert report.feedback_requested
    assert report.status_code_hash and code.replace("-", "") not in str(report.__dict__)
    assert report.url_count == 2 and report.accepted_count == 2
    # No address or browser anywhere in the stored report.
    stored = str(Report.objects.values().get()) + str(list(Item.objects.values()))
    assert "203.0.113.9" not in stored
    assert "Mozilla" not in stored and "HTTP_USER_AGENT" not in stored

    status = Client().post("/report/status/", {"code": code.lower().replace("-", " ")})
    assert status.status_code == 200
    assert status["Cache-Control"] == "no-store"
    body = status.content.decode()
    assert "Adres 1: Przyjęte: czeka na ocenę" in body
    assert "example" not in body  # the status never shows the addresses


def test_status_follows_the_assessment(hotline, user_factory):
    response = Client().post("/report/", VALID, follow=True)
    code = code_from(response)
    analyst = user_factory("hotline_analyst", hotline)
    item = Item.objects.order_by("pk").first()
    services.claim_item(item, actor=analyst)
    services.assess_item(
        item,
        actor=analyst,
        outcome="illegal_national",
        legal_articles=["202.4"],
        content_type="image",
        site_type="image_host",
        age_band="3-13",
        gender="girl",
        severity="high",
    )
    body = Client().post("/en/report/status/", {"code": code}).content.decode()
    assert "Address 1: Assessed: action taken" in body
    assert "Address 2: Received: waiting for assessment" in body


def test_wrong_code_is_a_404_without_details(hotline):
    response = Client().post("/report/status/", {"code": "AAAA-BBBB-CCCC-DDDD"})
    assert response.status_code == 404
    assert "Nie ma zgłoszenia z tym kodem" in response.content.decode()


def test_partly_rejected_report_lists_lines_without_echoing_them(hotline):
    before = counts()
    response = Client().post(
        "/en/report/", {**VALID, "urls": "javascript:alert(1)\nhttps://example.com/ok"}, follow=True
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Line 1: Only web addresses" in text
    assert "javascript:alert" not in text
    assert counts()["reports"] == before["reports"] + 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("urls", "", "This field is required"),
        ("urls", "javascript:alert(1)\nhttp://localhost/x", "Line 2"),
        ("urls", "\n".join(f"https://example.com/{i}" for i in range(21)), "at most 20"),
        ("urls", "https://example.com/" + "a" * 50000, "at most"),
        ("urls", "http://ex\u200bample.com/", "invisible"),
        ("incident_type", "csam\u200b", "Select a valid choice"),
        ("incident_type", "<script>alert(1)</script>", "Select a valid choice"),
        ("where_seen", "' OR 1=1 --", "Select a valid choice"),
        ("description", "x" * 5001, "at most 5000"),
        ("description", "bad\x00byte", "Null characters are not allowed"),
        ("description", "bell\x07here", "control characters"),
        ("email", "not-an-email", "valid email"),
        ("email", "a@example.test\u202e", "valid e-mail"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(hotline, field, value, message):
    before = counts()
    response = Client().post("/en/report/", {**VALID, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert counts() == before


def test_html_and_sql_in_description_are_stored_as_text_and_escaped(hotline, user_factory):
    nasty = "<script>alert('x')</script> '; DROP TABLE hotline_report; -- \u202egnp.exe"
    response = Client().post("/report/", {**VALID, "description": nasty}, follow=True)
    assert response.status_code == 200
    assert Report.objects.get().description == nasty
    analyst = user_factory("hotline_analyst", hotline)
    client = Client()
    client.force_login(analyst)
    page = client.get(f"/hotline/items/{Item.objects.first().pk}/").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_honeypot_answers_like_success_but_stores_nothing(hotline):
    before = counts()
    response = Client().post(
        "/report/", {**VALID, "leave_empty": "http://spam.example"}, follow=True
    )
    assert response.status_code == 200
    assert code_from(response)
    assert counts() == before


@override_settings(OSTOJA_HOTLINE_RATE_LIMITS={"report": (2, 3600)})
def test_rate_limit_in_cache_only(hotline):
    from django.core.cache import cache

    client = Client(REMOTE_ADDR="198.51.100.7")
    assert client.post("/report/", VALID).status_code == 303
    assert client.post("/report/", VALID).status_code == 303
    limited = client.post("/report/", VALID)
    assert limited.status_code == 429
    assert Report.objects.count() == 2
    other = Client(REMOTE_ADDR="198.51.100.8")
    assert other.post("/report/", VALID).status_code == 303
    keys = list(cache._cache.keys())
    assert keys and not any("198.51.100" in k for k in keys)


def test_no_hotline_configured_is_a_503(db):
    before = counts()
    response = Client().post("/report/", VALID)
    assert response.status_code == 503
    assert counts() == before


def test_status_code_is_only_posted(hotline):
    # The code must not end up in URLs (history, logs): the form posts it.
    page = Client().get("/report/status/").content.decode()
    assert '<form method="post"' in page
