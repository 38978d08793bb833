"""The demo data of events: the national conference with its programme (plenary sessions and
parallel workshops with their capacities), ticket categories, registrations and check-in
staff; loaded twice without duplicates."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from ostoja.events.demo import SLUG
from ostoja.events.models import Event, Registration, Session

pytestmark = pytest.mark.django_db


def test_the_national_conference_is_in_the_demo_data():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", "--quiet-logins", stdout=io.StringIO())
    event = Event.objects.get(slug=SLUG)
    assert event.published and event.days.count() == 2
    sessions = Session.objects.filter(day__event=event)
    workshops = sessions.filter(kind="workshop")
    assert sessions.filter(kind="plenary").count() >= 2
    assert workshops.count() >= 2 and all(w.capacity for w in workshops)
    # Parallel: at least two workshops start at the same time.
    starts = [w.starts_at for w in workshops]
    assert len(starts) > len(set(starts))
    assert event.categories.count() >= 3
    assert Registration.objects.filter(event=event, status="confirmed").count() >= 3
    assert event.checkin_staff.filter(email="czlonek@demo.ostoja.invalid").exists()
    assert Event.objects.filter(slug=SLUG).count() == 1
