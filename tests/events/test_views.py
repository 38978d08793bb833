"""The public pages and the organiser's pages through HTTP."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from icalendar import Calendar

from ostoja.events.models import Checkin, Registration
from ostoja.events.services import register
from ostoja.outbox.models import OutboxMessage
from ostoja.outbox.services import deliver_due

from .helpers import conference, lists

pytestmark = pytest.mark.django_db


def test_register_through_the_form_and_get_the_ticket_page():
    event, category, (w1, _) = conference(seats=2)
    client = Client()
    page = client.get(f"/events/{event.slug}/")
    assert page.status_code == 200 and "Warsztat A" in page.content.decode()
    r = client.post(
        f"/events/{event.slug}/",
        {
            "name": "Jan Kowalski",
            "email": "jan@example.com",
            "organisation_name": "Fundacja",
            "category": category.pk,
            "workshops": [w1.pk],
        },
    )
    assert r.status_code == 302 and "/events/ticket/" in r["Location"]
    ticket = client.get(r["Location"])
    assert ticket.status_code == 200 and "<svg" in ticket.content.decode()
    assert ticket["Cache-Control"] == "no-store"
    deliver_due()  # the e-mail (QR, .ics) is composed at delivery
    message = OutboxMessage.objects.get()
    assert message.state == "sent"
    cal = Calendar.from_ical(message.attachments[0]["content"])
    events = list(cal.walk("VEVENT"))
    assert {str(e["SUMMARY"]) for e in events} == {event.title, f"{event.title}: Warsztat A"}
    assert r["Location"].split("/events/ticket/")[1] in message.body_text


def test_duplicate_registration_through_the_form_is_409():
    event, category, _ = conference()
    data = {"name": "Jan", "email": "jan@example.com", "category": category.pk}
    Client().post(f"/events/{event.slug}/", data)
    r = Client().post(f"/events/{event.slug}/", data)
    assert r.status_code == 409
    assert Registration.objects.count() == 1


def test_bad_form_input_is_422():
    event, category, _ = conference()
    r = Client().post(f"/events/{event.slug}/", {"name": "", "email": "x", "category": category.pk})
    assert r.status_code == 422
    assert not Registration.objects.exists()


def test_cancel_through_the_ticket_link():
    event, category, _ = conference(seats=1)
    _, secret = register(event=event, category=category, name="A", email="a@example.com")
    waiting, _ = register(event=event, category=category, name="B", email="b@example.com")
    r = Client().post(f"/events/ticket/{secret}/", {"action": "cancel"})
    assert r.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == "offered"


def test_unknown_or_malformed_ticket_links_are_404():
    assert Client().get("/events/ticket/AAAA/").status_code == 404
    assert Client().get("/events/ticket/" + "A" * 32 + "/").status_code == 404


def test_feed_is_valid_icalendar_with_public_events_only():
    public, _, _ = conference()
    members, _, _ = conference(visibility="members")
    r = Client().get("/events/feed.ics")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.content)
    titles = {str(e["SUMMARY"]) for e in cal.walk("VEVENT")}
    assert public.title in titles and members.title not in titles
    assert "Set-Cookie" not in r


def test_members_only_event_is_404_for_outsiders(world):
    event, _, _ = conference(visibility="members")
    assert Client().get(f"/events/{event.slug}/").status_code == 404
    assert world.client("network_member").get(f"/events/{event.slug}/").status_code == 200


def test_staff_check_in_by_typed_code(world):
    event, category, _ = conference(organiser=world.orgs["organisation_manager"])
    registration, _ = register(event=event, category=category, name="Ewa", email="ewa@example.com")
    day1, _, _ = lists(event)
    client = world.client("organisation_manager")
    r = client.post(
        f"/events/checkin/{day1.pk}/scan/",
        data={"code": registration.code.lower()},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "ok"
    assert Checkin.objects.count() == 1
    r = client.post(
        f"/events/checkin/{day1.pk}/scan/",
        data={"code": "ZZZZZZZZ"},
        content_type="application/json",
    )
    assert r.json()["reason"] == "invalid"
    # another organisation's staff cannot reach the list
    assert (
        world.client("network_member")
        .post(
            f"/events/checkin/{day1.pk}/scan/",
            data={"code": registration.code},
            content_type="application/json",
        )
        .status_code
        == 404
    )


def test_badges_pdf_one_and_all(world):
    event, category, _ = conference(organiser=world.orgs["organisation_manager"])
    registration, _ = register(
        event=event, category=category, name="Zażółć Gęślą", email="z@example.com"
    )
    client = world.client("organisation_manager")
    r = client.get(f"/events/manage/{event.slug}/badges.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    import io

    from pypdf import PdfReader

    page = PdfReader(io.BytesIO(r.content)).pages[0]
    assert round(float(page.mediabox.width) / 72 * 25.4) == 105  # A6
    assert "Zażółć" in page.extract_text()
    assert (
        client.get(f"/events/manage/{event.slug}/badges.pdf?registration=999999").status_code == 404
    )


def test_organiser_lists_filter_by_status_and_emails(world):
    event, category, _ = conference(organiser=world.orgs["organisation_manager"], seats=1)
    a, secret = register(event=event, category=category, name="Obecna", email="a@example.com")
    register(event=event, category=category, name="Czekająca", email="b@example.com")
    day1, _, _ = lists(event)
    from ostoja.events.services.checkin import redeem

    redeem(day1, secret=secret)
    client = world.client("organisation_manager")
    page = client.get(f"/events/manage/{event.slug}/participants/?status=waiting").content.decode()
    assert "Czekająca" in page and "Obecna" not in page
    page = client.get(
        f"/events/manage/{event.slug}/participants/?status=checked_in"
    ).content.decode()
    assert "Obecna" in page and "Czekająca" not in page
    before = OutboxMessage.objects.count()
    r = client.post(
        f"/events/manage/{event.slug}/message/",
        {"status": "waiting", "subject": "Informacja", "body": "Treść"},
    )
    assert r.status_code == 302
    deliver_due()
    new = OutboxMessage.objects.order_by("pk")[before:]
    assert [m.recipients for m in new] == [["b@example.com"]]
    assert re.search(r"/events/ticket/[A-Z2-7]{32}/", new[0].body_text)
