"""The public calendar: campaigns and local events, per voivodeship, and as an ``.ics`` feed.

The feed is built with ``icalendar``; every event has a stable UID (``event-<id>@ostoja``),
so calendar programs update rather than duplicate it. Campaigns are all-day events spanning
their period. Nothing here is personal: organisations, places and times only.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from ostoja.core.text import plain_text
from ostoja.organisations.models import Voivodeship

from .models import Campaign, LocalEvent

WINDOW_DAYS = 400


def upcoming_events(today: dt.date | None = None) -> list[LocalEvent]:
    today = today or timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=1), dt.time()))
    return list(
        LocalEvent.objects.filter(starts_at__gte=start)
        .select_related("organisation", "campaign")
        .order_by("starts_at", "pk")[:500]
    )


def current_campaigns(today: dt.date | None = None) -> list[Campaign]:
    today = today or timezone.localdate()
    return list(Campaign.objects.filter(ends_on__gte=today).order_by("starts_on", "pk"))


def voivodeship_rows(events) -> list[dict]:
    counts: dict[str, int] = {}
    for event in events:
        counts[event.voivodeship] = counts.get(event.voivodeship, 0) + 1
    return [
        {"code": code, "name": name, "events": counts.get(code, 0)}
        for code, name in Voivodeship.choices
    ]


def ics_feed(today: dt.date | None = None) -> bytes:
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Ostoja//Kalendarz partnerstwa//PL")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Ostoja: kampanie i wydarzenia")
    for campaign in current_campaigns(today):
        item = Event()
        item.add("uid", f"campaign-{campaign.pk}@ostoja")
        item.add("summary", campaign.title)
        item.add("dtstart", campaign.starts_on)
        item.add("dtend", campaign.ends_on + dt.timedelta(days=1))
        item.add("dtstamp", timezone.now())
        item.add("description", plain_text(campaign.goal)[:2000])
        item.add(
            "url",
            settings.SITE_URL + reverse("positions:campaign", kwargs={"slug": campaign.slug}),
        )
        cal.add_component(item)
    for event in upcoming_events(today):
        item = Event()
        item.add("uid", f"event-{event.pk}@ostoja")
        item.add("summary", f"{event.title} ({event.organisation.name})")
        item.add("dtstart", event.starts_at)
        item.add("dtend", event.ends_at or event.starts_at + dt.timedelta(hours=2))
        item.add("dtstamp", timezone.now())
        item.add("location", f"{event.town}, {event.get_voivodeship_display()}")
        item.add("description", plain_text(event.description)[:2000])
        cal.add_component(item)
    return cal.to_ical()
