"""Providers are reminded every 6 months; services unverified for 12 months are marked."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from ostoja.audit.models import AuditEntry
from ostoja.directory.models import Service
from ostoja.directory.services import provider_for, send_verification_reminders
from tests.factories import OrganisationFactory

from .factories import ProviderFactory, ServiceFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def days_ago(n):
    return TODAY - datetime.timedelta(days=n)


@pytest.fixture
def polish_org():
    return OrganisationFactory(
        kind="service_provider", language="pl", contact_email="pl@example.test"
    )


@pytest.fixture
def english_org():
    return OrganisationFactory(
        kind="service_provider", language="en", contact_email="en@example.test"
    )


def test_due_services_are_reminded_once_per_six_months(polish_org, english_org):
    due = ServiceFactory(
        provider=provider_for(polish_org),
        assured_date=days_ago(200),
        name={"pl": "Poradnia do sprawdzenia"},
    )
    ServiceFactory(
        provider=provider_for(polish_org),
        assured_date=days_ago(30),
        name={"pl": "Świeżo sprawdzona"},
    )
    ServiceFactory(
        provider=provider_for(english_org),
        assured_date=days_ago(400),
        name={"pl": "Stara", "en": "Old one"},
    )
    ServiceFactory(provider=ProviderFactory(), assured_date=days_ago(400))  # no provider account
    ServiceFactory(provider=provider_for(polish_org), assured_date=days_ago(400), published=False)

    assert send_verification_reminders() == {"sent": 2, "skipped": 0}
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"pl@example.test", "en@example.test"}
    polish = by_address["pl@example.test"]
    assert "Poradnia do sprawdzenia" in polish.body and "Świeżo sprawdzona" not in polish.body
    assert "/directory/manage/" in polish.body
    english = by_address["en@example.test"]
    assert "Old one" in english.body and "/en/directory/manage/" in english.body
    due.refresh_from_db()
    assert due.reminder_sent_at is not None
    assert AuditEntry.objects.filter(action="directory.reminder.sent").count() == 2

    # The next daily run sends nothing; six months later the same services are reminded again.
    assert send_verification_reminders() == {"sent": 0, "skipped": 0}
    later = timezone.now() + datetime.timedelta(days=183)
    assert send_verification_reminders(now=later)["sent"] == 2


def test_verifying_stops_the_reminders(polish_org, editor):
    from ostoja.directory.services import verify_service

    service = ServiceFactory(
        provider=provider_for(editor.memberships.get().organisation), assured_date=days_ago(300)
    )
    verify_service(actor=editor, service=service)
    assert send_verification_reminders() == {"sent": 0, "skipped": 0}


def test_an_organisation_without_an_address_is_skipped(db):
    org = OrganisationFactory(kind="service_provider", contact_email="")
    ServiceFactory(provider=provider_for(org), assured_date=None)
    assert send_verification_reminders() == {"sent": 0, "skipped": 1}
    assert Service.objects.get().reminder_sent_at is None


def test_the_command_runs_the_task(polish_org):
    ServiceFactory(provider=provider_for(polish_org), assured_date=days_ago(190))
    out = StringIO()
    call_command("directory_send_reminders", stdout=out)
    assert "Reminders sent to 1 organisation(s)" in out.getvalue()
    out = StringIO()
    call_command("directory_send_reminders", "--enqueue", stdout=out)
    assert out.getvalue().startswith("Enqueued task")


def test_outdated_mark_after_twelve_months():
    assert ServiceFactory.build(assured_date=days_ago(366)).is_outdated
    assert not ServiceFactory.build(assured_date=days_ago(364)).is_outdated
    assert ServiceFactory.build(assured_date=None).is_outdated
