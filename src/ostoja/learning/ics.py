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
