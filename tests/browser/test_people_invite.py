"""People, end to end in a browser, with the e-mail going through the outbox to a loopback
SMTP server: the coordinator invites an analyst into a new hotline; the analyst opens the
e-mail, sets a password and TOTP and reaches the triage queue; the coordinator removes them
and their open session stops working on the next request. Then an organisation manager
invites a colleague and is not offered the roles above their own."""

from __future__ import annotations

import os
import re
from email.header import decode_header, make_header

import pytest

from ostoja.accounts.demo import current_code
from ostoja.audit.models import AuditEntry
from ostoja.outbox.services import deliver_due
from tests.browser.conftest import serious_axe_violations
from tests.browser.test_hotline_assess import sign_in
from tests.conftest import make_user
from tests.factories import OrganisationFactory
from tests.outbox.conftest import SmtpServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Zielony-kasztan-nad-Wisla-7"
SHOTS = os.environ.get("OSTOJA_SCREENSHOTS", "")  # a directory: save screenshots there


@pytest.fixture
def smtp(settings, monkeypatch, live_server):
    from django.core.mail.utils import DNS_NAME

    monkeypatch.setattr(DNS_NAME, "_fqdn", "client.ostoja.test", raising=False)
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.SITE_URL = live_server.url  # links in e-mails point at the test server
    yield server
    server.stop()


def _text(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode("utf-8")
    raise AssertionError("no text part")


def test_coordinator_invites_an_analyst_who_then_is_removed(page, browser, live_server, smtp):
    hotline = OrganisationFactory(kind="hotline", slug="nowa-dyzurka", name="Nowy Dyżurny")
    make_user("coordinator", email="koordynator-e2e@example.test")

    # The coordinator invites the analyst.
    sign_in(page, "koordynator-e2e@example.test")
    page.goto(f"/people/organisations/{hotline.slug}/")
    assert serious_axe_violations(page) == []
    page.fill("input[name=email]", "analityczka@example.test")
    page.select_option("select[name=role]", "hotline_analyst")
    page.locator("form[action$='/invite/'] button[type=submit]").click()
    page.wait_for_url(f"**/people/organisations/{hotline.slug}/")
    assert "analityczka@example.test" in page.locator("table").nth(1).inner_text()

    # The e-mail goes out through the outbox to the SMTP server.
    deliver_due()
    (mail,) = [m for m in smtp.handler.messages if "analityczka@example.test" in m["To"]]
    subject = str(make_header(decode_header(mail["Subject"])))
    assert subject == "Zaproszenie do organizacji Nowy Dyżurny na platformie Ostoja"
    link = re.search(r"http://\S+/invitations/[A-Za-z0-9_\-]+/", _text(mail)).group(0)

    # The analyst, in a browser of their own, accepts it: password, then TOTP.
    context = browser.new_context(base_url=live_server.url, locale="pl-PL")
    analyst = context.new_page()
    analyst.set_default_timeout(15000)
    analyst.goto(link)
    assert "Nowy Dyżurny" in analyst.content()
    if SHOTS:
        analyst.screenshot(path=f"{SHOTS}/accept.png", full_page=True)
    assert serious_axe_violations(analyst) == []
    analyst.fill("input[name=full_name]", "Anna Analityczka")
    analyst.fill("input[name=password1]", PASSWORD)
    analyst.fill("input[name=password2]", PASSWORD)
    analyst.locator("main form button[type=submit]").click()
    analyst.wait_for_url("**/accounts/2fa/totp/activate/")
    secret = analyst.locator("#authenticator_secret").input_value()
    analyst.reload()  # the secret does not change when the page is opened again
    assert analyst.locator("#authenticator_secret").input_value() == secret
    analyst.fill("input[name=code]", current_code(secret))
    analyst.locator("form:has(input[name=code]) button[type=submit]").click()
    analyst.wait_for_url("**/accounts/2fa/recovery-codes/")
    if SHOTS:
        analyst.screenshot(path=f"{SHOTS}/recovery.png", full_page=True)
    analyst.locator("#mfa-continue").click()
    analyst.wait_for_url("**/dashboard/")
    assert "Nowy Dyżurny" in analyst.locator("main").inner_text()
    analyst.goto("/hotline/")
    assert analyst.url.endswith("/hotline/")
    assert analyst.locator("h1").inner_text() == "Kolejka zgłoszeń"

    # The coordinator removes the analyst; the analyst's open session stops working.
    page.goto("/people/?q=analityczka")
    page.get_by_role("link", name="Anna Analityczka").click()
    page.locator("form[action$='/remove/'] button").click()
    page.wait_for_load_state()
    assert "Anna Analityczka" in page.locator(".messages").inner_text()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/removed.png", full_page=True)
        page.goto(f"/people/organisations/{hotline.slug}/")
        page.screenshot(path=f"{SHOTS}/organisation.png", full_page=True)
        page.goto("/dashboard/")
        page.screenshot(path=f"{SHOTS}/dashboard.png", full_page=True)
    analyst.goto("/hotline/")
    assert "/accounts/login/" in analyst.url
    actions = set(
        AuditEntry.objects.filter(action__startswith="people.").values_list("action", flat=True)
    )
    assert actions == {
        "people.invitation.sent",
        "people.invitation.accepted",
        "people.membership.removed",
    }
    context.close()


def test_manager_invites_a_colleague_without_higher_roles(page, smtp):
    ngo = OrganisationFactory(kind="ngo", slug="fundacja-e2e", name="Fundacja Próbna")
    make_user("organisation_manager", ngo, email="kierowniczka@example.test")
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "kierowniczka@example.test")
    from tests.factories import TEST_PASSWORD

    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/dashboard/")
    page.get_by_role("link", name="Członkowie i zaproszenia").click()
    page.wait_for_url(f"**/people/organisations/{ngo.slug}/")
    options = page.locator("select[name=role] option").evaluate_all(
        "nodes => nodes.map(n => n.value)"
    )
    assert "network_member" in options
    assert not {"coordinator", "hotline_analyst", "hotline_supervisor"} & set(options)
    page.fill("input[name=email]", "kolega@example.test")
    page.select_option("select[name=role]", "network_member")
    page.locator("form[action$='/invite/'] button[type=submit]").click()
    page.wait_for_url(f"**/people/organisations/{ngo.slug}/")
    assert "kolega@example.test" in page.content()
    deliver_due()
    assert any("kolega@example.test" in m["To"] for m in smtp.handler.messages)
