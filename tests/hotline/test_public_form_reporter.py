"""Issue 11 item 9: what a reporter meets on the public form.

* Only accepted reports count against the hourly limit (typing mistakes do not), and the page
  says how many reports are left.
* Behind a configured trusted proxy every reporter has their own counter (client address from
  X-Forwarded-For via django-ipware); by default the header is ignored.
* POST/redirect/GET: a refresh never sends the report again, the status code is shown once on
  a page whose URL does not contain it, and no lasting cookie is set.
* Full-width addresses are read as the address they spell; a line of plain text is named, not
  silently dropped.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory, override_settings

from ostoja.core.ratelimit import client_address
from ostoja.hotline.models import Item, Report
from tests.hotline.factories import counts

pytestmark = pytest.mark.django_db

VALID = {
    "urls": "https://example.com/a",
    "incident_type": "csam",
    "where_seen": "website",
    "description": "",
    "email": "",
    "leave_empty": "",
}
TYPO = {**VALID, "urls": "javascript:alert(1)"}  # refused: no acceptable address


def _code(html: str) -> str | None:
    match = re.search(r'id="status-code"><code>([0-9A-Z-]+)</code>', html)
    return match.group(1) if match else None


@override_settings(OSTOJA_HOTLINE_RATE_LIMITS={"report": (2, 3600)})
def test_refused_input_does_not_use_up_the_limit(hotline):
    client = Client(REMOTE_ADDR="198.51.100.20")
    for _ in range(5):
        assert client.post("/report/", TYPO).status_code == 400
    assert client.post("/report/", {**VALID, "incident_type": "nope"}).status_code == 400
    assert client.post("/report/", VALID).status_code == 303
    assert client.post("/report/", VALID).status_code == 303
    assert client.post("/report/", VALID).status_code == 429
    assert Report.objects.count() == 2


@override_settings(OSTOJA_HOTLINE_RATE_LIMITS={"report": (3, 3600)})
def test_the_form_and_the_receipt_say_how_many_reports_are_left(hotline):
    client = Client(REMOTE_ADDR="198.51.100.21")
    form = client.get("/en/report/").content.decode()
    assert "you can send 3 more reports this hour" in form
    client.post("/en/report/", TYPO)
    receipt = client.post("/en/report/", VALID, follow=True).content.decode()
    assert "you can send 2 more reports this hour" in receipt
    pl = client.get("/report/").content.decode()
    assert "możesz wysłać jeszcze 2 zgłoszenia" in pl


def _meta(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/report/", **extra)


def test_by_default_no_proxy_is_trusted():
    assert client_address(_meta("10.0.0.5", "203.0.113.1")) == "10.0.0.5"


@override_settings(OSTOJA_TRUSTED_PROXIES=["10.0.0.0/24"], OSTOJA_PROXY_COUNT=None)
def test_behind_a_trusted_proxy_the_forwarded_client_counts():
    assert client_address(_meta("10.0.0.5", "203.0.113.1")) == "203.0.113.1"
    # What a client put in the header itself is ignored: the proxy appends the real address.
    assert client_address(_meta("10.0.0.5", "192.0.2.99, 203.0.113.1")) == "203.0.113.1"
    # A connection that does not come from the proxy cannot choose its counter.
    assert client_address(_meta("198.51.100.1", "203.0.113.1")) == "198.51.100.1"
    # A garbled header: the proxy's address (never an error).
    assert client_address(_meta("10.0.0.5", "not an address")) == "10.0.0.5"
    assert client_address(_meta("10.0.0.5")) == "10.0.0.5"


@override_settings(OSTOJA_TRUSTED_PROXIES=["10.0.0.5"], OSTOJA_PROXY_COUNT="2")
def test_two_proxies_in_a_row():
    # CDN → load balancer (10.0.0.5) → Ostoja: the CDN saw the client, the balancer the CDN.
    request = _meta("10.0.0.5", "192.0.2.99, 203.0.113.1, 198.51.100.50")
    assert client_address(request) == "203.0.113.1"


@override_settings(
    OSTOJA_TRUSTED_PROXIES=["10.0.0.5"], OSTOJA_HOTLINE_RATE_LIMITS={"report": (1, 3600)}
)
def test_reporters_behind_the_proxy_have_their_own_limit(hotline):
    first = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.1")
    second = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.2")
    assert first.post("/report/", VALID).status_code == 303
    assert first.post("/report/", VALID).status_code == 429
    assert second.post("/report/", VALID).status_code == 303
    stored = str(list(Report.objects.values())) + str(list(Session.objects.values()))
    assert "203.0.113" not in stored and "10.0.0.5" not in stored


def test_refresh_does_not_send_again_and_the_code_is_shown_once(hotline):
    client = Client()
    response = client.post("/report/", VALID)
    assert response.status_code == 303
    assert response["Location"] == "/report/received/"
    cookie = response.cookies["sessionid"]
    assert cookie["max-age"] == "" and cookie["expires"] == "", "a browser-session cookie"
    page = client.get(response["Location"])
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    code = _code(page.content.decode())
    assert code and code.replace("-", "") not in page.request["PATH_INFO"].replace("-", "")
    # Shown: the stored session is gone and the browser is told to drop its cookie.
    assert Session.objects.count() == 0
    assert page.cookies["sessionid"]["max-age"] == 0
    # A refresh (GET) sends nothing and shows no code.
    again = client.get("/report/received/")
    assert again.status_code == 200 and _code(again.content.decode()) is None
    assert "Reloading the page does not send the report again" in (
        client.get("/en/report/received/").content.decode()
    )
    assert Report.objects.count() == 1


def test_full_width_address_is_stored_as_the_address_it_spells(hotline):
    response = Client().post(
        "/report/", {**VALID, "urls": "ｈｔｔｐｓ://ｅｘａｍｐｌｅ．ｃｏｍ/ｐａｔｈ"}, follow=True
    )
    assert response.status_code == 200 and _code(response.content.decode())
    assert Item.objects.get().canonical_url == "https://example.com/path"


def test_plain_text_lines_are_named_and_nothing_is_sent(hotline):
    before = counts()
    response = Client().post(
        "/en/report/",
        {**VALID, "urls": "https://example.com/a\nI saw this on a forum\nzobacz\nexample.org/b"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Lines 2, 3 are not web addresses" in html
    assert counts() == before
    one = Client().post("/report/", {**VALID, "urls": "example.org/b\nto jest link"})
    assert "Wiersz 2 nie jest adresem strony" in one.content.decode()
