"""A small conference for the tests: two days, a plenary each day, two parallel workshops."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from ostoja.events.services import programme
from tests.factories import OrganisationFactory

_n = itertools.count()


def at(days: int, hour: int, minute: int = 0):
    base = timezone.localtime(timezone.now()).replace(hour=0, minute=0, second=0, microsecond=0)
    return base + dt.timedelta(days=days, hours=hour, minutes=minute)


def conference(
    *,
    organiser=None,
    seats=3,
    workshop_seats=2,
    approval=False,
    per_org=None,
    visibility="public",
    start_in_days=10,
):
    organiser = organiser or OrganisationFactory(kind="ngo")
    event = programme.create_event(
        actor=None,
        organiser=organiser,
        title=f"Konferencja testowa {next(_n)}",
        kind="conference",
        starts_at=at(start_in_days, 9),
        ends_at=at(start_in_days + 1, 17),
        venue="Warszawa",
        visibility=visibility,
        published=True,
    )
    day1, day2 = event.days.all()
    programme.add_session(
        day1,
        title="Otwarcie",
        kind="plenary",
        starts_at=at(start_in_days, 9),
        ends_at=at(start_in_days, 12),
        hours=3,
    )
    w1 = programme.add_session(
        day1,
        title="Warsztat A",
        kind="workshop",
        starts_at=at(start_in_days, 13),
        ends_at=at(start_in_days, 15),
        capacity=workshop_seats,
        hours=2,
        room="A",
    )
    w2 = programme.add_session(
        day1,
        title="Warsztat B",
        kind="workshop",
        starts_at=at(start_in_days, 13),
        ends_at=at(start_in_days, 15),
        capacity=workshop_seats,
        hours=2,
        room="B",
    )
    programme.add_session(
        day2,
        title="Panel",
        kind="plenary",
        starts_at=at(start_in_days + 1, 9),
        ends_at=at(start_in_days + 1, 13),
        hours=4,
    )
    category = programme.add_category(
        event, "Profesjonaliści", seats, requires_approval=approval, per_organisation_limit=per_org
    )
    return event, category, (w1, w2)


def lists(event):
    day1, day2 = (event.checkin_lists.get(day=d, session__isnull=True) for d in event.days.all())
    workshops = {cl.session.title: cl for cl in event.checkin_lists.filter(session__isnull=False)}
    return day1, day2, workshops
