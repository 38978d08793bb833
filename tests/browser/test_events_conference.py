"""The conference end to end in a browser: a person registers for the conference and a
workshop, receives the e-mail (through the outbox to a loopback SMTP server) with a valid
.ics and the QR ticket; staff check them in by the typed code on the check-in page; the
certificate of attendance lists exactly what they checked in to and is verified on the public
page."""

from __future__ import annotations

import os
import re

import pytest
from icalendar import Calendar

from ostoja.certificates.models import Certificate
from ostoja.events import tickets
from ostoja.events.models import Checkin, Registration
from ostoja.outbox.services import deliver_due
from tests.browser.conftest import serious_axe_violations
from tests.browser.test_hotline_assess import sign_in
from tests.browser.test_people_invite import smtp  # noqa: F401,F811 - the loopback SMTP fixture
from tests.conftest import make_user
from tests.events.helpers import conference, lists

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("OSTOJA_SCREENSHOTS", "")


def _part(message, content_type):
    for part in message.walk():
        if part.get_content_type() == content_type:
            return part.get_payload(decode=True).decode("utf-8")
    raise AssertionError(f"no {content_type} part")


def test_register_receive_ticket_check_in_and_verify_the_certificate(
    page,
    browser,
    live_server,
    smtp,  # noqa: F811
):
    event, category, (w1, _w2) = conference(seats=10, workshop_seats=5)
    day1, day2, workshops = lists(event)

    # The person registers for the conference and workshop A.
    page.goto(f"/events/{event.slug}/")
    assert serious_axe_violations(page) == []
    page.fill("input[name=name]", "Zofia Żółkiewska")
    page.fill("input[name=email]", "zofia@example.test")
    page.fill("input[name=organisation_name]", "Fundacja Przykładowa")
    page.select_option("select[name=category]", str(category.pk))
    page.check(f"input[name=workshops][value='{w1.pk}']")
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url("**/events/ticket/**")
    assert page.locator("figure.ticket-qr svg").count() == 1
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/events-ticket-pl.png", full_page=True)
    assert page.request_log.foreign() == []
    registration = Registration.objects.get(email="zofia@example.test")
    assert registration.status == "confirmed"
    assert registration.bookings.get().session == w1

    # The e-mail: .ics with the conference and the workshop, the QR ticket, the code.
    deliver_due()
    (mail,) = [m for m in smtp.handler.messages if "zofia@example.test" in m["To"]]
    cal = Calendar.from_ical(_part(mail, "text/calendar"))
    summaries = sorted(str(e["SUMMARY"]) for e in cal.walk("VEVENT"))
    assert summaries == sorted([event.title, f"{event.title}: Warsztat A"])
    text = _part(mail, "text/plain")
    secret = re.search(r"/events/ticket/([A-Z2-7]{32})/", text).group(1)
    assert tickets.hash_secret(secret) == registration.secret_hash
    assert tickets.qr_svg(secret) in _part(mail, "text/html")  # the QR encodes the secret
    assert registration.code in text

    # Staff check her in by the typed code: day 1 and workshop A (not day 2).
    make_user("coordinator", email="koordynator-events@example.test")
    context = browser.new_context(base_url=live_server.url, locale="pl-PL")
    staff = context.new_page()
    staff.set_default_timeout(15000)
    sign_in(staff, "koordynator-events@example.test")
    for checkin_list in (day1, workshops["Warsztat A"]):
        staff.goto(f"/events/checkin/{checkin_list.pk}/")
        staff.fill("#id_code", registration.code.lower())
        staff.locator("#code-form button[type=submit]").click()
        staff.wait_for_selector("#answer .message-success")
    if SHOTS:
        staff.screenshot(path=f"{SHOTS}/events-checkin-pl.png", full_page=True)
    assert Checkin.objects.filter(registration=registration).count() == 2
    # The same code again: already checked in.
    staff.fill("#id_code", registration.code)
    staff.locator("#code-form button[type=submit]").click()
    staff.wait_for_selector("#answer .message-error")

    # The organiser issues the certificates; the certificate lists exactly what she attended.
    staff.goto(f"/events/manage/{event.slug}/")
    staff.locator("button[value=certificates]").click()
    staff.wait_for_selector(".message-success")
    certificate = Certificate.objects.get(source_key=f"events.registration:{registration.pk}")
    labels = [item["label"] for item in certificate.items]
    assert len(labels) == 2 and "Warsztat A" in labels[1] and float(certificate.hours) == 5.0
    context.close()

    # Anyone verifies it on the public page, without signing in.
    page.context.clear_cookies()
    page.goto(f"/certificates/verify/?code={certificate.display_code}")
    result = page.locator("#result").inner_text()
    assert "Zofia Żółkiewska" in result and "Warsztat A" in result and "Panel" not in result
    assert page.context.cookies() == []


def test_organiser_sets_up_an_event_with_a_workshop_and_a_category_and_a_person_registers(
    page, browser, live_server
):
    from ostoja.events.models import Event, Session, TicketCategory
    from tests.events.helpers import at

    make_user("coordinator", email="organizator-events@example.test")
    context = browser.new_context(base_url=live_server.url, locale="pl-PL")
    organiser = context.new_page()
    organiser.set_default_timeout(15000)
    sign_in(organiser, "organizator-events@example.test")

    # The event.
    organiser.goto("/events/manage/new/")
    organiser.fill("input[name=title]", "Spotkanie regionalne Kraków")
    organiser.select_option("select[name=kind]", "local")
    organiser.fill("input[name=starts_at]", at(20, 9).strftime("%Y-%m-%dT%H:%M"))
    organiser.fill("input[name=ends_at]", at(20, 16).strftime("%Y-%m-%dT%H:%M"))
    organiser.fill("input[name=venue]", "Kraków, ul. Przykładowa 1")
    organiser.select_option("select[name=visibility]", "public")
    organiser.fill("input[name=seats]", "30")
    organiser.locator("form.stacked button[type=submit]").click()
    organiser.wait_for_url("**/events/manage/spotkanie-regionalne-krakow/")
    event = Event.objects.get(slug="spotkanie-regionalne-krakow")
    assert event.categories.count() == 1

    # A workshop outside the event's dates is refused, inside them added.
    organiser.click("text=Program i warsztaty")
    organiser.wait_for_url("**/programme/")
    assert serious_axe_violations(organiser) == []
    organiser.fill("input[name=name]", "dr Maria Wiśniewska")
    organiser.fill("input[name=affiliation]", "Uniwersytet Jagielloński")
    organiser.locator("button[value=speaker]").click()
    organiser.wait_for_selector(".message-success")
    form = organiser.locator("form:has(button[value=session])")
    form.locator("input[name=title]").fill("Warsztat: rozmowa z dzieckiem")
    form.locator("select[name=kind]").select_option("workshop")
    form.locator("input[name=starts_at]").fill(at(21, 10).strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=ends_at]").fill(at(21, 12).strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=capacity]").fill("8")
    form.locator("input[name=hours]").fill("2")
    form.locator("input[name=speakers]").first.check()
    form.locator("button[value=session]").click()
    assert "Sesja musi się odbyć w terminie wydarzenia" in organiser.content()
    form = organiser.locator("form:has(button[value=session])")
    form.locator("input[name=starts_at]").fill(at(20, 10).strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=ends_at]").fill(at(20, 12).strftime("%Y-%m-%dT%H:%M"))
    form.locator("button[value=session]").click()
    organiser.wait_for_selector(".message-success")
    if SHOTS:
        organiser.screenshot(path=f"{SHOTS}/events-setup-programme-pl.png", full_page=True)
    workshop = Session.objects.get(day__event=event, title="Warsztat: rozmowa z dzieckiem")
    assert workshop.capacity == 8 and workshop.speakers.count() == 1

    # A second ticket category with a limit per organisation.
    organiser.click("text=Kategorie biletów")
    organiser.fill("input[name=name]", "Wymiar sprawiedliwości")
    organiser.fill("input[name=quota]", "10")
    organiser.fill("input[name=per_organisation_limit]", "3")
    organiser.locator("form.stacked button[type=submit]").click()
    organiser.wait_for_selector(".message-success")
    justice = TicketCategory.objects.get(event=event, name="Wymiar sprawiedliwości")
    assert justice.per_organisation_limit == 3

    organiser.goto(f"/events/manage/{event.slug}/")
    organiser.locator("button[value=publish]").click()
    organiser.wait_for_selector(".message-success")
    context.close()

    # A person registers for the justice category and the workshop.
    page.goto(f"/events/{event.slug}/")
    assert "Warsztat: rozmowa z dzieckiem" in page.content()
    page.fill("input[name=name]", "Sędzia Tomasz Przykładny")
    page.fill("input[name=email]", "tomasz@example.test")
    page.select_option("select[name=category]", str(justice.pk))
    page.check(f"input[name=workshops][value='{workshop.pk}']")
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url("**/events/ticket/**")
    registration = Registration.objects.get(email="tomasz@example.test")
    assert registration.status == "confirmed" and registration.category == justice
    assert registration.bookings.get().session == workshop
