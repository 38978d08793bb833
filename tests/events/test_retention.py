"""After the event: sensitive answers deleted, later personal data anonymised, statistics kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from ostoja.events.models import Answer, Registration
from ostoja.events.services import programme, register
from ostoja.events.services.checkin import redeem
from ostoja.events.services.retention import run

from .helpers import conference, lists

pytestmark = pytest.mark.django_db


def test_sensitive_answers_then_personal_data_go_statistics_stay():
    event, category, _ = conference(start_in_days=-3)
    diet = programme.add_question(event, "Dieta", sensitive=True, purpose="Posiłki.")
    role = programme.add_question(event, "Funkcja")
    event.ends_at = timezone.now() + dt.timedelta(days=1)  # registration still open
    event.save()
    r, secret = register(
        event=event,
        category=category,
        name="Ala",
        email="ala@example.com",
        answers={diet.pk: "wegańska", role.pk: "psycholożka"},
    )
    redeem(lists(event)[0], secret=secret)
    event.ends_at = timezone.now() - dt.timedelta(days=2)
    event.anonymise_after_days = 30
    event.save()
    assert run()["sensitive_answers"] == 1
    assert list(Answer.objects.values_list("value", flat=True)) == ["psycholożka"]
    assert run()["sensitive_answers"] == 0  # once
    r.refresh_from_db()
    assert r.name == "Ala"  # not yet
    result = run(now=timezone.now() + dt.timedelta(days=31))
    assert result["anonymised"] == 1
    r.refresh_from_db()
    assert (r.name, r.anonymised, r.organisation_name) == ("—", True, "")
    assert "ala" not in r.email
    assert not Answer.objects.exists()
    assert (
        Registration.objects.filter(event=event, status="confirmed", checkins__isnull=False).count()
        == 1
    )


def test_the_jobs_run_as_commands():
    call_command("events_expire_offers")
    call_command("events_retention")
