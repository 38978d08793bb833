"""The demo data: a training edition with a cohort, a graduate with a certificate, a
supervision group, two experts with free slots — loaded twice without duplicates."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from ostoja.certificates.models import Certificate
from ostoja.learning import services
from ostoja.learning.models import Course, Edition, Enrolment, Practitioner, SupervisionGroup

pytestmark = pytest.mark.django_db


def test_demo_data_is_complete_and_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", "--quiet-logins", stdout=io.StringIO())
    assert Course.objects.count() == 1
    current = Edition.objects.get(state=Edition.State.OPEN)
    assert current.enrolments.filter(state=Enrolment.State.ENROLLED).count() == 3
    # The cohort is full; when a place frees, the person waiting gets a time-limited offer.
    waiting = current.enrolments.get(state=Enrolment.State.WAITING)
    leaver = current.enrolments.filter(state=Enrolment.State.ENROLLED).first()
    assert services.withdraw(leaver, actor=leaver.user) == waiting
    waiting.refresh_from_db()
    assert waiting.state == Enrolment.State.OFFERED and waiting.offer_expires_at
    graduate = Enrolment.objects.get(state=Enrolment.State.COMPLETED)
    assert Certificate.objects.get(code=graduate.certificate_code).valid_until is not None
    assert services.is_eligible(graduate.user)
    group = SupervisionGroup.objects.get()
    assert group.bookings.filter(user=graduate.user, active=True).exists()
    experts = [p.user for p in Practitioner.objects.filter(is_expert=True)]
    assert len(experts) == 2
    assert all(services.expert_slots(e) for e in experts)
    client = Client()
    assert client.login(email="absolwentka@demo.ostoja.invalid", password="ostoja-demo-2026")
    assert client.get("/learning/supervision/").status_code == 200
