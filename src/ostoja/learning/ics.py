"""Calendar invitations (RFC 5545, via the icalendar library) for booked consultations.

One UID per consultation request: a rescheduled consultation is the same event with a higher
SEQUENCE, so calendars move it instead of keeping two. The invitation names the topic and
the channel, never the subject or the messages.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText


def _address(user) -> vCalAddress:
    addr = vCalAddress(f"mailto:{user.email}")
    addr.params["cn"] = vText(str(user))
    return addr


def consultation_invitation(booking, *, cancelled: bool = False) -> str:
    request = booking.request
    cal = Calendar()
    cal.add("prodid", "-//Ostoja//learning//PL")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "ostoja.invalid"
    event.add("uid", f"consultation-{request.pk}@{host}")
    event.add("sequence", request.ics_sequence)
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("dtstart", booking.starts_at.astimezone(dt.UTC))
    event.add("dtend", booking.ends_at.astimezone(dt.UTC))
    event.add(
        "summary",
        _("Consultation (%(channel)s): %(topic)s")
        % {"channel": request.get_channel_display(), "topic": request.get_topic_display()},
    )
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event["organizer"] = _address(booking.expert)
    event.add("attendee", _address(booking.expert))
    event.add("attendee", _address(request.requester))
    from django.urls import reverse

    event.add("url", f"{settings.SITE_URL}{reverse('learning:consultation', args=[request.pk])}")
    cal.add_component(event)
    return cal.to_ical().decode("utf-8")


def edition_calendar(edition) -> str:
    """The sessions of a training edition, for its participants' calendars. One stable UID per
    session: a moved session replaces itself in a calendar that imported the file before."""
    from icalendar import vUri

    cal = Calendar()
    cal.add("prodid", "-//Ostoja//learning//PL")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", str(edition))
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "ostoja.invalid"
    from django.urls import reverse

    page = f"{settings.SITE_URL}{reverse('learning:edition', args=[edition.pk])}"
    now = timezone.now().astimezone(dt.UTC)
    for session in edition.sessions.select_related("module").order_by("starts_at", "pk"):
        item = Event()
        item.add("uid", f"training-session-{session.pk}@{host}")
        item.add("dtstamp", now)
        item.add("dtstart", session.starts_at.astimezone(dt.UTC))
        item.add("dtend", session.ends_at.astimezone(dt.UTC))
        summary = f"{edition.course.title}: {session.title}"
        if session.module_id:
            summary = f"{edition.course.title}: {session.module.title} — {session.title}"
        item.add("summary", summary)
        if session.place:
            item.add("location", session.place)
            if session.place.startswith(("https://", "http://")):
                item["url"] = vUri(session.place)
        if "url" not in item:
            item.add("url", page)
        cal.add_component(item)
    return cal.to_ical().decode("utf-8")
