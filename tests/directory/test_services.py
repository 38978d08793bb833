"""The editorial workflow: proposals, approval with a diff, rejection, verification."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from ostoja.audit.models import AuditEntry
from ostoja.directory import services
from ostoja.directory.models import Metadata, Service, ServiceChange
from ostoja.directory.search import SearchFilters, search
from ostoja.directory.services import service_snapshot
from tests.conftest import make_user
from tests.factories import OrganisationFactory

from .factories import OwnedProviderFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def new_service_data(**overrides):
    data = {
        "name": {"pl": "Poradnia Nowa", "en": "New Clinic"},
        "description": {"pl": "Terapia dla rodziców.", "en": "Therapy for parents."},
        "application_process": {"pl": "Zadzwoń.", "en": "Call."},
        "confidentiality": {"pl": "Rozmowy są poufne.", "en": "Talks are confidential."},
        "coverage": "local",
        "terms": ["audience.parents-and-carers", "modality.in-person"],
        "languages": ["pl"],
        "phones": [{"number": "22 123 45 67", "description": {"pl": "rejestracja"}}],
        "locations": [{"address_1": "ul. Prosta 1", "postal_code": "00-950", "city": "Warszawa"}],
    }
    data.update(overrides)
    return data


@pytest.fixture
def coordinator_user(db):
    return make_user("coordinator")


def test_a_new_service_goes_live_only_after_approval(
    editor, provider_org, coordinator_user, django_capture_on_commit_callbacks
):
    change = services.propose_change(
        actor=editor, data=new_service_data(), organisation=provider_org
    )
    assert change.status == "pending" and change.service is None
    assert search(SearchFilters(text="poradnia nowa")).total == 0
    with django_capture_on_commit_callbacks(execute=True):
        service = services.approve_change(actor=coordinator_user, change=change, note="OK")
    change.refresh_from_db()
    assert change.status == "approved" and change.service == service
    assert service.published and service.provider.owner == provider_org
    assert service.assured_date is not None and not service.is_outdated
    hits = search(SearchFilters(text="poradnia nowa")).hits
    assert [h.service for h in hits] == [service]
    location = service.service_at_locations.get().location
    assert location.voivodeship == "14" and location.point_derived
    assert Metadata.objects.filter(resource_id=service.pk, last_action_type="create").exists()
    assert AuditEntry.objects.filter(action="directory.service.approved").count() == 1
    assert AuditEntry.objects.filter(action="directory.change.proposed").count() == 1
    assert [m.to for m in mail.outbox] == [[editor.email]]
    assert f"/directory/manage/changes/{change.pk}/" in mail.outbox[0].body


def test_an_edit_shows_a_diff_and_changes_search_after_approval(
    editor, provider_org, coordinator_user
):
    service = ServiceFactory(
        provider=services.provider_for(provider_org),
        name={"pl": "Stara nazwa"},
        terms=["audience.parents-and-carers"],
    )
    data = service_snapshot(service)
    data["name"] = {"pl": "Nowa nazwa", "en": "New name"}
    change = services.propose_change(actor=editor, data=data, service=service)
    from ostoja.directory.snapshot import diff

    rows = diff(change.base, change.data)
    assert [(r.key, r.language, r.old, r.new) for r in rows] == [
        ("name", "pl", "Stara nazwa", "Nowa nazwa"),
        ("name", "en", "", "New name"),
    ]
    assert search(SearchFilters(text="nowa nazwa")).total == 0
    services.approve_change(actor=coordinator_user, change=change)
    assert search(SearchFilters(text="nowa nazwa")).total == 1
    assert search(SearchFilters(text="stara")).total == 0
    history = Metadata.objects.get(resource_id=service.pk, field_name="name")
    assert "Stara nazwa" in history.previous_value and "Nowa nazwa" in history.replacement_value
    assert history.updated_by == provider_org.name


def test_an_editor_of_another_organisation_is_refused(editor, coordinator_user):
    other = ServiceFactory(provider=OwnedProviderFactory())
    with pytest.raises(PermissionDenied):
        services.propose_change(actor=editor, data=service_snapshot(other), service=other)
    with pytest.raises(PermissionDenied):
        services.verify_service(actor=editor, service=other)
    with pytest.raises(PermissionDenied):
        services.propose_change(
            actor=editor, data=new_service_data(), organisation=OrganisationFactory()
        )
    assert not ServiceChange.objects.exists()


def test_editors_cannot_approve(editor, provider_org):
    change = services.propose_change(
        actor=editor, data=new_service_data(), organisation=provider_org
    )
    with pytest.raises(PermissionDenied):
        services.approve_change(actor=editor, change=change)
    with pytest.raises(PermissionDenied):
        services.reject_change(actor=editor, change=change, note="no")


def test_rejection_needs_a_reason_and_is_final(
    editor, provider_org, coordinator_user, django_capture_on_commit_callbacks
):
    change = services.propose_change(
        actor=editor, data=new_service_data(), organisation=provider_org
    )
    with pytest.raises(ValidationError):
        services.reject_change(actor=coordinator_user, change=change, note="   ")
    with django_capture_on_commit_callbacks(execute=True):
        services.reject_change(actor=coordinator_user, change=change, note="Brak godzin otwarcia.")
    change.refresh_from_db()
    assert change.status == "rejected"
    with pytest.raises(ValidationError):
        services.approve_change(actor=coordinator_user, change=change)
    assert not Service.objects.exists()
    assert "Brak godzin otwarcia." in mail.outbox[-1].body


def test_a_newer_proposal_supersedes_the_pending_one(editor, provider_org):
    service = ServiceFactory(provider=services.provider_for(provider_org))
    data = service_snapshot(service)
    data["description"] = {"pl": "Pierwsza wersja."}
    first = services.propose_change(actor=editor, data=data, service=service)
    data["description"] = {"pl": "Druga wersja."}
    second = services.propose_change(actor=editor, data=data, service=service)
    first.refresh_from_db()
    assert first.status == "superseded" and second.status == "pending"


def test_a_proposal_that_changes_nothing_is_refused(editor, provider_org):
    service = ServiceFactory(provider=services.provider_for(provider_org))
    with pytest.raises(ValidationError, match="Nic nie zostało zmienione"):
        services.propose_change(actor=editor, data=service_snapshot(service), service=service)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": {"en": "Only English"}}, "name"),
        ({"confidentiality": {}}, "confidentiality"),
        ({"terms": ["modality.phone"]}, "terms"),
        ({"terms": ["audience.nobody"]}, "terms"),
        ({"coverage": "regional", "voivodeships": []}, "voivodeships"),
        ({"coverage": "local", "locations": []}, "locations"),
        ({"minimum_age": 30, "maximum_age": 10}, "maximum_age"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"phones": [{"number": "<script>"}]}, "phones"),
        ({"locations": [{"city": "Warszawa", "postal_code": "ABCDE"}]}, "locations"),
        ({"wait_time": {"pl": "2 tygodnie"}}, "wait_time_stated_on"),
        (
            {"wait_time": {"pl": "2 tygodnie"}, "wait_time_stated_on": "2999-01-01"},
            "wait_time_stated_on",
        ),
        ({"languages": ["pl", "'; DROP"]}, "languages"),
        ({"status": "closed-forever"}, "status"),
    ],
)
def test_invalid_proposals_are_refused_by_field(editor, provider_org, overrides, field):
    with pytest.raises(ValidationError) as excinfo:
        services.propose_change(
            actor=editor, data=new_service_data(**overrides), organisation=provider_org
        )
    assert field in excinfo.value.message_dict
    assert not ServiceChange.objects.exists()


def test_verification_moves_the_assured_date(editor, provider_org):
    import datetime

    service = ServiceFactory(
        provider=services.provider_for(provider_org),
        assured_date=datetime.date(2020, 1, 1),
    )
    assert service.is_outdated
    services.verify_service(actor=editor, service=service)
    service.refresh_from_db()
    assert not service.is_outdated
    assert Metadata.objects.get(
        resource_id=service.pk, field_name="assured_date"
    ).previous_value == ("2020-01-01")
    assert AuditEntry.objects.filter(action="directory.service.verified").exists()


def test_coordinators_can_edit_the_national_helplines(coordinator_user):
    from ostoja.directory.demo import load_helplines

    load_helplines()
    helpline = Service.objects.get(phones__number="116 111")
    data = service_snapshot(helpline)
    data["alert"] = {"pl": "Przerwa techniczna w nocy.", "en": "Maintenance tonight."}
    change = services.propose_change(actor=coordinator_user, data=data, service=helpline)
    services.approve_change(actor=coordinator_user, change=change)
    helpline.refresh_from_db()
    assert helpline.alert["en"] == "Maintenance tonight."
    assert helpline.source == "helpline"
