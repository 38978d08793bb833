"""The management pages: providers propose, coordinators review with a diff, import, export.
Another organisation's service or proposal is a 404."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from ostoja.directory import services
from ostoja.directory.models import Service, ServiceChange
from ostoja.directory.services import provider_for, service_snapshot
from tests.conftest import make_user

from .factories import OwnedProviderFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def login(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def own_service(provider_org):
    return ServiceFactory(
        provider=provider_for(provider_org),
        name={"pl": "Nasza poradnia"},
        coverage="local",
        locations=[{"city": "Wrocław", "postal_code": "50-001", "address_1": "ul. Długa 1"}],
    )


@pytest.fixture
def other_service():
    return ServiceFactory(provider=OwnedProviderFactory(), name={"pl": "Cudza poradnia"})


@pytest.fixture
def coordinator_client(db):
    return login(make_user("coordinator"))


def form_data(service=None, **overrides):
    """POST data of the service form, from a service's snapshot (or a new one)."""
    snapshot = service_snapshot(service) if service else {}
    data = {
        "name_pl": snapshot.get("name", {}).get("pl", "Nowa poradnia"),
        "name_en": snapshot.get("name", {}).get("en", ""),
        "description_pl": snapshot.get("description", {}).get("pl", "Opis."),
        "application_process_pl": snapshot.get("application_process", {}).get("pl", "Zadzwoń."),
        "confidentiality_pl": snapshot.get("confidentiality", {}).get("pl", "Poufnie."),
        "status": "active",
        "coverage": "local",
        "terms_audience": ["audience.parents-and-carers"],
        "languages": ["pl"],
        "phones-TOTAL_FORMS": "1",
        "phones-INITIAL_FORMS": "0",
        "phones-0-number": "22 111 22 33",
        "locations-TOTAL_FORMS": "1",
        "locations-INITIAL_FORMS": "0",
        "locations-0-city": "Wrocław",
        "locations-0-postal_code": "50-001",
        "locations-0-address_1": "ul. Długa 1",
    }
    data.update(overrides)
    return data


def test_an_editor_sees_only_their_own_services(editor, own_service, other_service):
    html = login(editor).get("/directory/manage/").content.decode()
    assert "Nasza poradnia" in html and "Cudza poradnia" not in html


def test_another_organisations_service_and_proposal_are_404(editor, other_service):
    client = login(editor)
    assert client.get(f"/directory/manage/services/{other_service.pk}/edit/").status_code == 404
    assert (
        client.post(f"/directory/manage/services/{other_service.pk}/edit/", form_data()).status_code
        == 404
    )
    assert client.post(f"/directory/manage/services/{other_service.pk}/verify/").status_code == 404
    coordinator = make_user("coordinator")
    data = service_snapshot(other_service)
    data["description"] = {"pl": "Zmiana"}
    change = services.propose_change(actor=coordinator, data=data, service=other_service)
    assert client.get(f"/directory/manage/changes/{change.pk}/").status_code == 404
    assert not ServiceChange.objects.filter(proposed_by=editor).exists()


def test_the_edit_form_shows_the_live_state(editor, own_service):
    html = login(editor).get(f"/directory/manage/services/{own_service.pk}/edit/").content.decode()
    assert 'value="Nasza poradnia"' in html
    assert 'value="ul. Długa 1"' in html


def test_provider_edits_coordinator_sees_diff_and_approves(editor, own_service, coordinator_client):
    response = login(editor).post(
        f"/directory/manage/services/{own_service.pk}/edit/",
        form_data(own_service, name_pl="Nasza poradnia – nowa nazwa", name_en="Our clinic"),
    )
    change = ServiceChange.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/directory/manage/changes/{change.pk}/"
    assert change.organisation == own_service.provider.owner
    own_service.refresh_from_db()
    assert own_service.name == {"pl": "Nasza poradnia"}, "nothing is live before approval"

    html = coordinator_client.get(f"/directory/manage/changes/{change.pk}/").content.decode()
    assert "<del>Nasza poradnia</del>" in html
    assert "<ins>Nasza poradnia – nowa nazwa</ins>" in html
    assert "<ins>Our clinic</ins>" in html
    response = coordinator_client.post(
        f"/directory/manage/changes/{change.pk}/approve/", {"note": ""}
    )
    assert response.status_code == 302
    own_service.refresh_from_db()
    assert own_service.name == {"pl": "Nasza poradnia – nowa nazwa", "en": "Our clinic"}
    assert "nowa nazwa" in Client().get("/help/", {"q": "nowa nazwa"}).content.decode()
    assert Client().get(f"/hsds/services/{own_service.pk}").json()["name"] == (
        "Nasza poradnia – nowa nazwa"
    )


def test_invalid_form_is_shown_again_with_errors(editor, own_service):
    response = login(editor).post(
        f"/directory/manage/services/{own_service.pk}/edit/",
        form_data(
            own_service, confidentiality_pl="", terms_audience=[], **{"phones-0-number": "abc"}
        ),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert html.count('class="errorlist') >= 2
    assert not ServiceChange.objects.exists()


def test_proposing_a_new_service(editor, provider_org):
    client = login(editor)
    assert client.get("/directory/manage/services/new/").status_code == 200
    response = client.post(
        "/directory/manage/services/new/", form_data(organisation=str(provider_org.pk))
    )
    assert response.status_code == 302
    change = ServiceChange.objects.get()
    assert change.is_new_service and change.organisation == provider_org
    # An organisation the editor does not belong to is not a valid choice.
    other = OwnedProviderFactory().owner
    response = client.post("/directory/manage/services/new/", form_data(organisation=str(other.pk)))
    assert response.status_code == 422
    assert ServiceChange.objects.count() == 1


def test_coordinator_can_publish_at_once(coordinator_client, provider_org):
    response = coordinator_client.post(
        "/directory/manage/services/new/",
        form_data(organisation=str(provider_org.pk), publish="1", name_pl="Od razu"),
    )
    service = Service.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/help/{service.pk}/"
    assert service.published and ServiceChange.objects.get().status == "approved"


def test_editor_cannot_decide(editor, own_service):
    data = service_snapshot(own_service)
    data["description"] = {"pl": "Zmiana"}
    change = services.propose_change(actor=editor, data=data, service=own_service)
    client = login(editor)
    html = client.get(f"/directory/manage/changes/{change.pk}/").content.decode()
    assert "/approve/" not in html
    assert client.post(f"/directory/manage/changes/{change.pk}/approve/").status_code == 403
    change.refresh_from_db()
    assert change.status == "pending"


def test_reject_needs_a_note(coordinator_client, editor, own_service):
    data = service_snapshot(own_service)
    data["description"] = {"pl": "Zmiana"}
    change = services.propose_change(actor=editor, data=data, service=own_service)
    coordinator_client.post(f"/directory/manage/changes/{change.pk}/reject/", {"note": ""})
    change.refresh_from_db()
    assert change.status == "pending"
    coordinator_client.post(f"/directory/manage/changes/{change.pk}/reject/", {"note": "Nie."})
    change.refresh_from_db()
    assert change.status == "rejected"
    html = login(editor).get(f"/directory/manage/changes/{change.pk}/").content.decode()
    assert "Nie." in html


def test_verify_button(editor, own_service):
    import datetime

    Service.objects.filter(pk=own_service.pk).update(assured_date=datetime.date(2020, 1, 1))
    response = login(editor).post(f"/directory/manage/services/{own_service.pk}/verify/")
    assert response.status_code == 302
    own_service.refresh_from_db()
    assert own_service.assured_date == datetime.date.today()


def test_import_page_reports_problems_and_imports_nothing(coordinator_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("bad.json", b'{"service": [{"id": "x", "status": 5}]}')
    response = coordinator_client.post("/directory/manage/import/", {"file": bad, "language": "pl"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "<code>service[0]</code>" in html and "<code>status</code>" in html
    assert not Service.objects.exists()
    from .test_import_export import other_directory

    good = SimpleUploadedFile("good.json", json.dumps(other_directory()).encode())
    response = coordinator_client.post(
        "/directory/manage/import/", {"file": good, "language": "pl"}
    )
    assert response.status_code == 200
    assert Service.objects.count() == 1


def test_export_download(coordinator_client, own_service):
    response = coordinator_client.get(
        "/directory/manage/export/", {"shape": "package", "language": "en"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        'attachment; filename="ostoja-directory-package-en-'
    )
    assert [s["id"] for s in json.loads(response.content)] == [str(own_service.pk)]
    assert coordinator_client.get("/directory/manage/export/", {"shape": "zip"}).status_code == 404
