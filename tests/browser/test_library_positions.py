"""The library and joint positions, end to end in a browser.

* a member downloads a members-only material, a visitor is sent to sign in;
* a member orders printed copies and the coordinator marks the order as sent;
* a draft position goes through a comment round, a new version with its diff, a call for
  co-signing; two organisations sign through their managers, one withdraws; the position is
  published with the right signatories; the e-mail to the ministry leaves through the outbox
  to a loopback SMTP server; the ministry's answer is recorded.
"""

from __future__ import annotations

import datetime as dt
import os
from email.header import decode_header, make_header

import pytest
from django.utils import timezone

from ostoja.accounts.demo import current_code
from ostoja.library.models import PrintOrder
from ostoja.network.membership import set_state
from ostoja.network.models import PartnerState
from ostoja.outbox.services import deliver_due
from ostoja.positions.models import Reply, Signature
from tests.browser.conftest import serious_axe_violations
from tests.browser.test_people_invite import smtp  # noqa: F401 - the loopback SMTP fixture
from tests.conftest import TEST_TOTP_SECRET, make_user
from tests.factories import TEST_PASSWORD, OrganisationFactory
from tests.library.helpers import material, pdf_bytes, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("OSTOJA_SCREENSHOTS", "")


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.OSTOJA_LIBRARY_DIR = tmp_path


def sign_in(page, email):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    if "/2fa/" in page.url:
        page.fill("input[name=code]", current_code(TEST_TOTP_SECRET))
        page.locator("form:has(input[name=code]) button[type=submit]").first.click()
    page.wait_for_url("**/dashboard/")


def _partner(slug, name):
    org = OrganisationFactory(kind="ngo", slug=slug, name=name)
    set_state(org, PartnerState.MEMBER)
    return org


def test_member_downloads_a_members_only_material_and_a_visitor_cannot(page, browser, live_server):
    org = _partner("fundacja-czytelnia", "Fundacja Czytelnia")
    make_user("network_member", org, email="czytelniczka@example.test")
    report = material(
        access="members",
        title="Raport dla członków",
        upload_file=upload(pdf_bytes(["Raport tylko dla partnerstwa."]), name="raport.pdf"),
    )
    sign_in(page, "czytelniczka@example.test")
    page.goto("/library/?q=raport")
    page.get_by_role("link", name="Raport dla członków").click()
    assert serious_axe_violations(page) == []
    with page.expect_download() as info:
        page.locator("#download").click()
    download = info.value
    assert download.suggested_filename == "raport.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    report.refresh_from_db()
    assert report.download_count == 1

    visitor = browser.new_context(base_url=live_server.url, locale="pl-PL").new_page()
    visitor.goto("/library/")
    assert "Raport dla członków" not in visitor.content()
    response = visitor.goto(f"/library/m/{report.pk}/download/")
    assert "/accounts/login/" in visitor.url
    assert response.headers.get("content-type", "").startswith("text/html")
    report.refresh_from_db()
    assert report.download_count == 1
    visitor.context.close()


def test_member_orders_printed_copies_and_the_coordinator_sends_them(page, browser, live_server):
    org = _partner("fundacja-zamawia", "Fundacja Zamawiająca")
    make_user("network_member", org, email="zamawia@example.test")
    make_user("coordinator", email="koordynator-lib@example.test")
    guide = material(access="public", title="Poradnik dla rodziców", link="https://example.org/p")
    from ostoja.library import services

    services.set_stock(actor=None, material=guide, copies=40)

    sign_in(page, "zamawia@example.test")
    page.goto(f"/library/m/{guide.pk}/")
    page.locator("#order-link").click()
    page.fill("input[name=copies]", "25")
    page.fill("textarea[name=delivery_address]", "ul. Kwiatowa 7\n31-000 Kraków")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/library/orders/")
    assert (
        "zarezerwowane" in page.locator(".messages").inner_text().lower()
        or "reserved" in page.content()
    )
    order = PrintOrder.objects.get()
    assert order.state == PrintOrder.State.RESERVED

    coordinator = browser.new_context(base_url=live_server.url, locale="pl-PL").new_page()
    coordinator.set_default_timeout(15000)
    sign_in(coordinator, "koordynator-lib@example.test")
    coordinator.goto("/library/orders/")
    assert serious_axe_violations(coordinator) == []
    coordinator.locator(f"#order-{order.pk} button[value=send]").click()
    coordinator.wait_for_load_state()
    order.refresh_from_db()
    assert order.state == PrintOrder.State.SENT
    if SHOTS:
        coordinator.screenshot(path=f"{SHOTS}/library-orders.png", full_page=True)
    coordinator.context.close()


def test_a_position_from_draft_to_the_ministrys_answer(page, browser, live_server, smtp):  # noqa: F811
    first = _partner("fundacja-pierwsza", "Fundacja Pierwsza")
    second = _partner("stowarzyszenie-drugie", "Stowarzyszenie Drugie")
    make_user("coordinator", email="koordynator-pos@example.test")
    make_user("organisation_manager", first, email="szefowa1@example.test")
    make_user("organisation_manager", second, email="szef2@example.test")
    make_user("network_member", first, email="czlonkini@example.test")

    def new_page(email):
        pg = browser.new_context(base_url=live_server.url, locale="pl-PL").new_page()
        pg.set_default_timeout(15000)
        sign_in(pg, email)
        return pg

    # The coordinator drafts and opens a comment round.
    sign_in(page, "koordynator-pos@example.test")
    page.goto("/positions/new/")
    page.select_option("select[name=kind]", "position")
    page.fill("input[name=title]", "Stanowisko w sprawie edukacji seksualnej")
    page.fill(
        "textarea[name=body]",
        "Wstęp o ochronie dzieci.\n\nPostulat: szkolenia dla nauczycieli.\n\n"
        "Postulat do usunięcia.",
    )
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/positions/d/**")
    slug = page.url.rstrip("/").rsplit("/", 1)[-1]
    page.fill("#until", (timezone.localdate() + dt.timedelta(days=7)).isoformat())
    page.locator("form:has(#until) button").click()
    page.wait_for_load_state()

    # A member comments on the last paragraph.
    member = new_page("czlonkini@example.test")
    member.goto(f"/positions/d/{slug}/")
    assert serious_axe_violations(member) == []
    member.locator("section.paragraph").nth(2).locator("summary").click()
    member.locator("section.paragraph").nth(2).locator("textarea").fill("Ten postulat jest zbędny.")
    member.locator("section.paragraph").nth(2).locator("button").click()
    member.wait_for_load_state()
    assert "Ten postulat jest zbędny." in member.content()

    # A new version removes the paragraph; the comment stays, marked outdated; the diff.
    page.goto(f"/positions/d/{slug}/edit/")
    page.fill(
        "textarea[name=body]",
        "Wstęp o ochronie dzieci.\n\nPostulat: szkolenia dla nauczycieli i pedagogów.",
    )
    page.fill("input[name=note]", "bez trzeciego postulatu")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/positions/d/{slug}/diff/1/2/")
    assert page.locator("ins").first.inner_text().strip() == "i pedagogów"
    assert "Postulat do usunięcia." in page.locator(".diff-removed").inner_text()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/position-diff.png", full_page=True)
    page.goto(f"/positions/d/{slug}/")
    outdated = page.locator("section.outdated").inner_text()
    assert "Ten postulat jest zbędny." in outdated and "Postulat do usunięcia." in outdated

    # Call for co-signing.
    deadline = timezone.localtime() + dt.timedelta(days=3)
    page.fill("#deadline", deadline.strftime("%Y-%m-%dT%H:%M"))
    page.locator("form:has(#deadline) button").click()
    page.wait_for_load_state()

    # The network member (not a manager) is offered no signing; both managers sign.
    member.goto(f"/positions/d/{slug}/")
    assert (
        member.get_by_role("button", name="Podpisz w imieniu organizacji Fundacja Pierwsza").count()
        == 0
    )
    managers = []
    for email, org in (("szefowa1@example.test", first), ("szef2@example.test", second)):
        manager = new_page(email)
        manager.goto(f"/positions/d/{slug}/")
        manager.get_by_role("button", name=f"Podpisz w imieniu organizacji {org.name}").click()
        manager.wait_for_load_state()
        assert org.name in manager.locator("#signatories").inner_text()
        managers.append(manager)
    # The second organisation withdraws before the deadline.
    managers[1].get_by_role(
        "button", name="Wycofaj podpis organizacji Stowarzyszenie Drugie"
    ).click()
    managers[1].wait_for_load_state()
    assert Signature.objects.filter(withdrawn_at__isnull=True).count() == 1

    # Publication: the public page and the PDF list only the first organisation.
    page.goto(f"/positions/d/{slug}/")
    page.get_by_role("button", name="Opublikuj z listą sygnatariuszy").click()
    page.wait_for_load_state()
    visitor = browser.new_context(base_url=live_server.url, locale="pl-PL").new_page()
    visitor.goto(f"/positions/p/{slug}/")
    signatories = visitor.locator("#signatories").inner_text()
    assert "Fundacja Pierwsza" in signatories and "Stowarzyszenie Drugie" not in signatories
    assert serious_axe_violations(visitor) == []
    assert visitor.request_log.foreign() == [] if hasattr(visitor, "request_log") else True
    pdf = visitor.request.get(f"/positions/p/{slug}/pdf/")
    assert pdf.body().startswith(b"%PDF")

    # The ministry, from the address book; the e-mail leaves through the outbox.
    page.goto("/positions/addressees/")
    page.fill("input[name=name]", "Ministerstwo Edukacji Narodowej")
    page.select_option("select[name=kind]", "ministry")
    page.fill("input[name=email]", "kancelaria@men.example.test")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"/positions/d/{slug}/dispatches/")
    page.get_by_label("Ministerstwo Edukacji Narodowej").check()
    page.get_by_role("button", name="Wyślij przez skrzynkę nadawczą").click()
    page.wait_for_load_state()
    deliver_due()
    (mail,) = [m for m in smtp.handler.messages if "kancelaria@men.example.test" in m["To"]]
    subject = str(make_header(decode_header(mail["Subject"])))
    assert subject == "Wspólne stanowisko: Stanowisko w sprawie edukacji seksualnej"
    body = next(
        p.get_payload(decode=True).decode()
        for p in mail.walk()
        if p.get_content_type() == "text/plain"
    )
    assert "Fundacja Pierwsza" in body and "Stowarzyszenie Drugie" not in body

    # The answer is recorded.
    page.goto(f"/positions/d/{slug}/dispatches/")
    page.locator("details summary").first.click()
    page.select_option("select[name=kind]", "answer")
    page.fill("input[name=on]", timezone.localdate().isoformat())
    page.fill("textarea[name=summary]", "Ministerstwo dziękuje i zapowiada konsultacje.")
    page.locator("details form button[type=submit]").click()
    page.wait_for_load_state()
    assert "zapowiada konsultacje" in page.content()
    assert Reply.objects.get().kind == "answer"
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/position-dispatches.png", full_page=True)
    for pg in (member, *managers, visitor):
        pg.context.close()
