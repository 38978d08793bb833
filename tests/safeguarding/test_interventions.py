"""Intervention records: officers only, encrypted child fields, logged views, retention,
counts only outside the records."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse

from ostoja.organisations.roles import Role
from ostoja.safeguarding import interventions, services, vetting
from ostoja.safeguarding.errors import SafeguardingError
from ostoja.safeguarding.models import AccessLogEntry, Intervention, InterventionStep
from tests.conftest import make_user

from . import factories
from .factories import signed_in

pytestmark = pytest.mark.django_db
TODAY = services.today()


@pytest.fixture
def record(org, officer):
    r = interventions.open_intervention(
        actor=officer,
        organisation=org,
        child_name="Zuzia K.",
        child_details="8 lat, 2b",
        concern="Dziewczynka powiedziała wychowawczyni o niepokojącym zachowaniu dorosłego.",
        opened_on=TODAY - timedelta(days=3),
    )
    interventions.add_step(
        actor=officer,
        intervention=r,
        kind="police",
        on=TODAY,
        text="Zawiadomienie złożone na komisariacie.",
        reference="RSD 1/26",
    )
    return r


def url(name, org, **kw):
    return reverse(f"safeguarding:{name}", kwargs={"slug": org.slug, **kw})


def test_child_fields_are_encrypted_in_the_database(record):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT child_name, child_details, concern FROM "
            "safeguarding_intervention WHERE id = %s",
            [record.pk],
        )
        row = cursor.fetchone()
        cursor.execute("SELECT text FROM safeguarding_interventionstep")
        step = cursor.fetchone()[0]
    assert all(v.startswith("v1.") for v in row) and step.startswith("v1.")
    assert "Zuzia" not in "".join(row) and "komisariacie" not in step
    assert Intervention.objects.get(pk=record.pk).child_name == "Zuzia K."


def test_every_view_is_logged_and_only_officers_see_records(org, record, officer_client):
    response = officer_client.get(url("intervention", org, pk=record.pk))
    assert response.status_code == 200 and "Zuzia K." in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    entry = AccessLogEntry.objects.get(kind="intervention")
    assert entry.intervention_id_ref == record.pk
    listing = officer_client.get(url("interventions", org)).content.decode()
    assert "Zuzia" not in listing  # the list shows numbers and dates only
    manager = make_user(Role.ORGANISATION_MANAGER, org, email="m@orlik.example")
    factories.policy(org, managers_may_read=True)
    client = signed_in(manager)
    assert client.get(url("intervention", org, pk=record.pk)).status_code == 403
    assert client.get(url("interventions", org)).status_code == 403
    # The manager sees counts only, on the standards page.
    page = client.get(url("standards", org)).content.decode()
    assert "Zuzia" not in page and "otwarte — 1" in page


def test_other_organisations_officer_gets_404(org, record, other_client):
    for name in ["intervention", "intervention_step", "intervention_close"]:
        method = other_client.get if name == "intervention" else other_client.post
        assert method(url(name, org, pk=record.pk)).status_code == 404
    assert not AccessLogEntry.objects.exists()


def test_bad_input_is_refused_and_nothing_written(org, officer, record, officer_client):
    response = officer_client.post(
        url("intervention_step", org, pk=record.pk),
        {"kind": "step", "on": (TODAY + timedelta(days=1)).isoformat(), "text": "x"},
    )
    assert response.status_code == 422
    response = officer_client.post(
        url("intervention_step", org, pk=record.pk),
        {"kind": "step", "on": TODAY.isoformat(), "text": "a\x00b"},
    )
    assert response.status_code == 422
    assert InterventionStep.objects.count() == 1
    with pytest.raises(SafeguardingError):
        interventions.open_intervention(
            actor=officer,
            organisation=org,
            child_name="",
            child_details="",
            concern="c",
            opened_on=TODAY,
        )
    assert Intervention.objects.count() == 1


def test_closed_records_are_deleted_after_retention(org, officer, record):
    interventions.close_intervention(actor=officer, intervention=record, closed_on=TODAY)
    still_open = interventions.open_intervention(
        actor=officer,
        organisation=org,
        child_name="A.",
        child_details="",
        concern="Otwarta sprawa.",
        opened_on=TODAY,
    )
    later = vetting.add_months(TODAY, 120)
    factories.run("safeguarding_retention", today=later - timedelta(days=1))
    assert Intervention.objects.filter(pk=record.pk).exists()
    out = factories.run("safeguarding_retention", today=later)
    assert "1 intervention record" in out
    assert not Intervention.objects.filter(pk=record.pk).exists()
    assert not InterventionStep.objects.exists()
    assert Intervention.objects.filter(pk=still_open.pk).exists()
