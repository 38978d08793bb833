"""The partnership, end to end in a browser, with every e-mail going through the outbox to a
loopback SMTP server: an organisation applies without an account and confirms its address
from the e-mail; the coordinator asks a question, the applicant answers on the same
application, the coordinator admits it; the contact person accepts the invitation and reaches
the partnership's home as the organisation's manager."""

from __future__ import annotations

import os
import re
from email.header import decode_header, make_header

import pytest

from ostoja.network.models import Application, Partner
from ostoja.outbox.services import deliver_due
from tests.browser.conftest import serious_axe_violations
from tests.browser.test_hotline_assess import sign_in
from tests.browser.test_people_invite import _text, smtp  # noqa: F401 - the fixture
from tests.conftest import make_user
from tests.network.helpers import VALID_NIP, VALID_REGON, charter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Zielony-kasztan-nad-Wisla-7"
SHOTS = os.environ.get("OSTOJA_SCREENSHOTS", "")


def _mail_to(smtp, address, subject_part):  # noqa: F811
    deliver_due()
    for message in reversed(smtp.handler.messages):
        subject = str(make_header(decode_header(message["Subject"])))
        if address in message["To"] and subject_part in subject:
            return _text(message)
    raise AssertionError(f"no e-mail to {address} about {subject_part!r}")


def test_an_organisation_applies_and_is_admitted(page, browser, live_server, smtp):  # noqa: F811
    charter(1)
    make_user("coordinator", email="koordynatorka-e2e@example.test")

    # The applicant, without an account.
    page.goto("/partnership/apply/")
    assert serious_axe_violations(page) == []
    page.fill("input[name=name]", "Fundacja Jaskółka")
    page.select_option("select[name=legal_form]", "foundation")
    page.fill("input[name=nip]", "526-025-02-75")  # a typing mistake first
    page.fill("input[name=regon]", VALID_REGON)
    page.fill("textarea[name=description]", "Pomagamy dzieciom <script>alert(1)</script>")
    page.check("input[name=voivodeships][value='20']")
    page.check("input[name=areas][value='therapy']")
    page.fill("input[name=contact_name]", "Ewa Jaskólska")
    page.fill("input[name=contact_email]", "ewa@jaskolka.example.test")
    page.fill("input[name=signatory_name]", "Jan Jaskólski")
    page.fill("input[name=signatory_function]", "prezes zarządu")
    page.check("input[name=accepted]")
    page.locator("main form button[type=submit]").click()
    assert "cyfra kontrolna" in page.locator("main").inner_text()
    page.fill("input[name=nip]", VALID_NIP)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/partnership/apply/sent/")
    assert Application.objects.get().state == "unconfirmed"

    # Nothing reaches the coordinator before the address is confirmed.
    deliver_due()
    assert not any("koordynatorka-e2e" in m["To"] for m in smtp.handler.messages)
    body = _mail_to(smtp, "ewa@jaskolka.example.test", "Potwierdź zgłoszenie")
    confirm = re.search(r"http://\S+/partnership/apply/confirm/\S+/", body).group(0)
    page.goto(confirm)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/partnership/application/**")
    status_url = page.url
    assert "czeka na rozpatrzenie" in page.locator("main").inner_text()
    page.goto(confirm)  # the link works once
    assert "już użyty" in page.locator("main").inner_text()
    _mail_to(smtp, "koordynatorka-e2e@example.test", "Nowe zgłoszenie")

    # The coordinator asks a question.
    coordinator = browser.new_context(base_url=live_server.url, locale="pl-PL").new_page()
    coordinator.set_default_timeout(15000)
    sign_in(coordinator, "koordynatorka-e2e@example.test")
    coordinator.goto("/network/applications/")
    coordinator.get_by_role("link", name="Fundacja Jaskółka").click()
    assert "&lt;script&gt;" in coordinator.content()
    assert serious_axe_violations(coordinator) == []
    coordinator.fill("#ask textarea[name=body]", "Ile osób pracuje z dziećmi?")
    coordinator.locator("#ask button[type=submit]").click()
    coordinator.wait_for_load_state()
    assert "Ile osób pracuje z dziećmi?" in coordinator.locator(".thread").inner_text()

    # The applicant answers on the same application (the link from the e-mail).
    body = _mail_to(smtp, "ewa@jaskolka.example.test", "Pytanie w sprawie")
    assert "Ile osób pracuje z dziećmi?" in body
    link = re.search(r"http://\S+/partnership/application/\S+/", body).group(0)
    assert link.endswith(status_url.split(live_server.url)[1])
    page.goto(link)
    page.fill("textarea[name=body]", "Dwanaście osób.")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "Dwanaście osób." in page.locator(".thread").inner_text()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/network-application-status.png", full_page=True)

    # The coordinator admits the organisation.
    coordinator.reload()
    assert "Dwanaście osób." in coordinator.locator(".thread").inner_text()
    coordinator.locator("#admit button[type=submit]").click()
    coordinator.wait_for_load_state()
    assert "została przyjęta" in coordinator.locator("main").inner_text()
    partner = Partner.objects.get(organisation__name="Fundacja Jaskółka")
    assert partner.state == "member" and partner.voivodeships == ["20"]

    # The contact person accepts the invitation and reaches the partnership's home.
    body = _mail_to(smtp, "ewa@jaskolka.example.test", "Zaproszenie do organizacji")
    invitation = re.search(r"http://\S+/invitations/[A-Za-z0-9_\-]+/", body).group(0)
    manager = browser.new_context(base_url=live_server.url, locale="pl-PL").new_page()
    manager.set_default_timeout(15000)
    manager.goto(invitation)
    manager.fill("input[name=full_name]", "Ewa Jaskólska")
    manager.fill("input[name=password1]", PASSWORD)
    manager.fill("input[name=password2]", PASSWORD)
    manager.locator("main form button[type=submit]").click()
    manager.wait_for_url("**/dashboard/")
    manager.goto("/network/")
    assert manager.locator("h1").inner_text().lower() == "sieć partnerstwa"
    # The public page lists it, with the script shown as text.
    page.goto("/partnership/")
    assert "Fundacja Jaskółka" in page.locator("#members + ul").inner_text()
    assert page.request_log.foreign() == []
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/network-partnership.png", full_page=True)
    coordinator.context.close()
    manager.context.close()
