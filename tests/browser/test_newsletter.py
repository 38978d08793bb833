"""The newsletter end to end: a visitor subscribes in the browser, confirms from the e-mail
captured by a loopback SMTP server, receives an issue with the RFC 8058 headers and is
unsubscribed by one POST that carries no cookie; a hard bounce fed to the bounce reader stops
delivery to another address."""

from __future__ import annotations

import os
import re
import urllib.request

import pytest
from django.core.management import call_command

from ostoja.newsletter import addresses, sending, services
from ostoja.newsletter.models import NewsletterList, Subscriber
from tests.browser.conftest import serious_axe_violations
from tests.conftest import make_user
from tests.newsletter.conftest import dsn, smtp  # noqa: F401 - the loopback SMTP fixture
from tests.newsletter.helpers import confirmed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("OSTOJA_SCREENSHOTS", "")


@pytest.fixture
def live_smtp(smtp, settings, live_server):  # noqa: F811 - the imported fixture
    settings.SITE_URL = live_server.url  # links in e-mails point at the test server
    return smtp


def _text(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode("utf-8")
    raise AssertionError("no text part")


def test_visitor_subscribes_confirms_receives_and_unsubscribes(
    page, live_server, live_smtp, tmp_path
):
    newsletter = NewsletterList.objects.create(name="Newsletter Partnerstwa", slug="partnerstwo")
    coordinator = make_user("coordinator", email="koordynator-nl@example.test")

    page.goto("/newsletter/")
    assert serious_axe_violations(page) == []
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/newsletter-signup.png", full_page=True)
    page.fill("input[name=email]", "czytelniczka@example.org")
    page.check("input[name=lists]")
    page.check("input[name=consent]")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "Sprawdź skrzynkę" in page.locator("h1").inner_text()
    persistent = [c for c in page.context.cookies() if c.get("expires", -1) not in (-1, None)]
    assert persistent == []  # only a browser-session CSRF cookie, nothing lasting
    assert page.request_log.foreign() == []

    # Nothing but the confirmation was sent; the link comes from the captured e-mail.
    sending.deliver()
    from ostoja.outbox.services import deliver_due

    deliver_due()
    (mail,) = live_smtp.received
    link = re.search(r"http://\S+/newsletter/confirm/\S+/", _text(mail.message)).group(0)
    page.goto(link)
    page.locator("#confirm-button").click()
    page.wait_for_load_state()
    assert Subscriber.objects.get().state == "confirmed"
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/newsletter-confirmed.png", full_page=True)

    # An issue goes out with the one-click headers.
    issue = services.save_issue(
        actor=coordinator, newsletter=newsletter, subject_pl="Numer 1", body_pl="**Witamy**"
    )
    services.schedule_issue(actor=coordinator, issue=issue)
    sending.run_due()
    received = live_smtp.received[-1]
    message = received.message
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Id"]
    url = re.search(r"<(http[^>]+)>", message["List-Unsubscribe"]).group(1)
    assert "mailto:unsubscribe+" in message["List-Unsubscribe"]

    # A mail provider's one-click request: one POST, no cookie, no CSRF token, no redirect.
    request = urllib.request.Request(  # noqa: S310 - the live test server
        url,
        data=b"List-Unsubscribe=One-Click",
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 200
        assert response.headers.get("Set-Cookie") is None
    assert Subscriber.objects.get().state == "unsubscribed"

    # The archive shows the issue to anyone.
    page.goto("/newsletter/archive/")
    page.get_by_role("link", name="Numer 1").click()
    assert "Witamy" in page.locator("main").inner_text()
    assert serious_axe_violations(page) == []

    # A hard bounce for another address, fed to the bounce reader, stops delivery to it.
    other = confirmed(newsletter, "nieistnieje@example.org")
    path = tmp_path / "bounce.eml"
    path.write_bytes(dsn(to=addresses.verp_address(other.pk, issue.pk), failed=other.email))
    call_command("newsletter_read_bounces", "--file", str(path))
    other.refresh_from_db()
    assert other.state == "stopped" and other.stop_kind == "hard"
    before = len(live_smtp.received)
    second = services.save_issue(
        actor=coordinator, newsletter=newsletter, subject_pl="Numer 2", body_pl="Dalej"
    )
    services.schedule_issue(actor=coordinator, issue=second)
    assert sending.run_due()["started"] == {second.pk: 0}
    assert len(live_smtp.received) == before

    # The coordinator sees why the address stopped.
    from tests.browser.test_hotline_assess import sign_in

    sign_in(page, "koordynator-nl@example.test")
    page.goto(f"/newsletter/manage/lists/{newsletter.pk}/")
    stopped = page.locator("table").first.inner_text()
    assert "nieistnieje@example.org" in stopped and "5.1.1" in stopped
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/newsletter-list.png", full_page=True)
