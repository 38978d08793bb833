"""Training records: recorded by officers and managers, due dates, tenant scoping."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from ostoja.organisations.roles import Role
from ostoja.safeguarding import services, training
from ostoja.safeguarding.errors import SafeguardingError
from ostoja.safeguarding.models import TrainingRecord
from tests.conftest import make_user

from .factories import signed_in

pytestmark = pytest.mark.django_db
TODAY = services.today()


def test_due_date_and_bad_input(org, officer):
    record = training.record_training(
        actor=officer,
        organisation=org,
        person_name="Anna Trenerka",
        title="Standardy 2026",
        completed_on=date(2026, 1, 31),
        valid_months=13,
    )
    assert record.due_on == date(2027, 2, 28)
    for kwargs in [
        {"person_name": "", "title": "T", "completed_on": TODAY},
        {"person_name": "A", "title": "T", "completed_on": TODAY + timedelta(days=1)},
        {"person_name": "A", "title": "T", "completed_on": TODAY, "valid_months": 0},
        {"person_name": "A\x00", "title": "T", "completed_on": TODAY},
        {"person_name": "A", "title": "T", "completed_on": TODAY, "source": "x"},
    ]:
        with pytest.raises(SafeguardingError):
            training.record_training(actor=officer, organisation=org, **kwargs)
    assert TrainingRecord.objects.count() == 1


def test_manager_records_and_other_organisation_gets_404(org, other_client):
    manager = make_user(Role.ORGANISATION_MANAGER, org, email="m@orlik.example")
    client = signed_in(manager)
    url = reverse("safeguarding:trainings", kwargs={"slug": org.slug})
    response = client.post(
        url,
        {
            "person_name": "Jan Wychowawca",
            "title": "Standardy",
            "completed_on": TODAY.isoformat(),
            "source": "manual",
            "valid_months": "24",
        },
    )
    assert response.status_code == 302
    assert "Jan Wychowawca" in client.get(url).content.decode()
    assert other_client.get(url).status_code == 404
    record = TrainingRecord.objects.get()
    delete = reverse("safeguarding:training_delete", kwargs={"slug": org.slug, "pk": record.pk})
    assert other_client.post(delete).status_code == 404
    assert (
        client.post(
            url,
            {
                "person_name": "",
                "title": "x",
                "completed_on": "zły",
                "source": "manual",
                "valid_months": "24",
            },
        ).status_code
        == 422
    )
    assert client.post(delete).status_code == 302
    assert not TrainingRecord.objects.exists()
