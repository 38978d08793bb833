"""iCalendar (.ics): the invitation in the confirmation e-mail and the public feed."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as VEvent


def _host() -> str:
    return settings.SITE_URL.split("://", 1)[-1].split("/")[0] or "ostoja.invalid"


def _calendar(name: str = "") -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//Ostoja//events//PL")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if name:
        cal.add("x-wr-calname", name)
    return cal


def _vevent(
    uid: str, summary: str, start, end, *, location: str = "", url: str = "", description: str = ""
) -> VEvent:
    item = VEvent()
    item.add("uid", f"{uid}@{_host()}")
    item.add("dtstamp", timezone.now())
    item.add("dtstart", start)
    item.add("dtend", end)
    item.add("summary", summary)
    if location:
        item.add("location", location)
    if url:
        item.add("url", url)
    if description:
        item.add("description", description)
    return item


def event_url(event) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("events:detail", args=[event.slug])


def registration_calendar(registration, ticket_url: str = "") -> str:
    """The invitation: the event, and each workshop booked."""
    event = registration.event
    cal = _calendar()
    cal.add("method", "PUBLISH")
    location = event.venue or event.online_url
    cal.add_component(
        _vevent(
            f"event-{event.pk}-registration-{registration.pk}",
            event.title,
            event.starts_at,
            event.ends_at,
            location=location,
            url=event_url(event),
            description=ticket_url,
        )
    )
    for booking in registration.bookings.filter(status="confirmed").select_related("session"):
        session = booking.session
        cal.add_component(
            _vevent(
                f"session-{session.pk}-registration-{registration.pk}",
                f"{event.title}: {session.title}",
                session.starts_at,
                session.ends_at,
                location=" · ".join(x for x in (event.venue, session.room) if x),
                url=event_url(event),
            )
        )
    return cal.to_ical().decode()


def feed(events, name: str) -> bytes:
    cal = _calendar(name)
    for event in events:
        cal.add_component(
            _vevent(
                f"event-{event.pk}",
                event.title,
                event.starts_at,
                event.ends_at,
                location=event.venue or event.online_url,
                url=event_url(event),
            )
        )
    return cal.to_ical()
