"""Creating, editing, deactivating and listing organisations; the TERYT picker; bad input."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from ostoja.audit.models import AuditEntry
from ostoja.organisations import services, teryt
from ostoja.organisations.models import Organisation
from ostoja.organisations.roles import Role
from tests.conftest import login, make_user
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

BOLESLAWIEC_RURAL = "0201022"  # Bolesławiec (gmina wiejska), woj. dolnośląskie
TOWN_PART = "0201044"  # the town of an urban-rural gmina: in the register, not an authority


def _form(**overrides):
    data = {
        "name": "Fundacja Przykładowa",
        "kind": "ngo",
        "country": "PL",
        "voivodeship": "14",
        "teryt_query": "",
        "teryt_code": "",
        "contact_email": "biuro@example.test",
        "website": "https://fundacja.example.test/",
        "language": "pl",
        "verified": "on",
        "save": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _audit(action):
    return AuditEntry.objects.filter(action=action)


# --- the service ---------------------------------------------------------------------------


def test_a_picked_authority_takes_its_name_and_voivodeship_from_the_register(coordinator):
    org = services.create_organisation(
        actor=coordinator,
        name="",
        kind="local_authority",
        teryt_code=BOLESLAWIEC_RURAL,
        voivodeship="14",  # wrong: the register decides
    )
    assert (org.name, org.voivodeship, org.teryt_code) == ("Gmina Bolesławiec", "02", "0201022")
    assert org.slug == "gmina-boleslawiec"
    entry = _audit("organisations.organisation.created").get(target_id=str(org.pk))
    assert entry.data["teryt_code"] == BOLESLAWIEC_RURAL and entry.actor == coordinator


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({"kind": "local_authority", "teryt_code": "9999999"}, "teryt_code", "not a local"),
        ({"kind": "local_authority", "teryt_code": TOWN_PART}, "teryt_code", "not a local"),
        ({"kind": "local_authority", "teryt_code": "02' OR 1=1"}, "teryt_code", "not a local"),
        ({"kind": "ngo", "teryt_code": "02"}, "teryt_code", "Only a Polish"),
        (
            {"kind": "local_authority", "country": "DE", "teryt_code": "02"},
            "teryt_code",
            "Only a Polish",
        ),
        ({"kind": "ngo", "country": "XX"}, "country", "not a country code"),
        ({"kind": "ngo", "country": "EU"}, "country", "not a country code"),
        ({"kind": "ngo", "country": "POL"}, "country", "not a country code"),
        ({"kind": "ngo", "country": "DE", "voivodeship": "02"}, "voivodeship", "only given"),
        ({"kind": "ngo", "website": "javascript:alert(1)"}, "website", ""),
        ({"kind": "ngo", "website": "ftp://files.example.test/"}, "website", ""),
        ({"kind": "spaceship"}, "kind", "Unknown kind"),
    ],
)
def test_the_service_refuses_bad_input_and_writes_nothing(coordinator, fields, field, text):
    before = (Organisation.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        services.create_organisation(actor=coordinator, **{"name": "X", **fields})
    assert field in caught.value.message_dict
    assert text in " ".join(caught.value.message_dict[field])
    assert (Organisation.objects.count(), AuditEntry.objects.count()) == before


def test_country_codes_are_normalised_and_checked_against_iso_3166(coordinator):
    org = services.create_organisation(
        actor=coordinator, name="Meldestelle", kind="hotline", country=" de "
    )
    assert org.country == "DE" and org.voivodeship == ""
    foreign = services.create_organisation(
        actor=coordinator, name="Stadt Beispiel", kind="local_authority", country="DE"
    )
    assert foreign.teryt_code == ""


def test_one_active_organisation_per_authority(coordinator):
    first = services.create_organisation(
        actor=coordinator, name="", kind="local_authority", teryt_code="02"
    )
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        services.create_organisation(
            actor=coordinator, name="Urząd", kind="local_authority", teryt_code="02"
        )
    assert "already represents" in caught.value.message_dict["teryt_code"][0]
    assert first.name in caught.value.message_dict["teryt_code"][0]
    # A deactivated organisation keeps its code and frees the authority for a new one...
    services.deactivate_organisation(actor=coordinator, organisation=first, reason="merged")
    second = services.create_organisation(
        actor=coordinator, name="Samorząd Województwa", kind="local_authority", teryt_code="02"
    )
    assert Organisation.objects.get(pk=first.pk).teryt_code == "02"
    # ...and cannot come back while another one represents the authority.
    with pytest.raises(ValidationError, match="już reprezentuje"):
        services.reactivate_organisation(actor=coordinator, organisation=first, reason="oops")
    assert not Organisation.objects.get(pk=first.pk).is_active
    assert second.is_active


def test_the_database_refuses_a_second_active_authority_too(coordinator):
    from django.db import IntegrityError, transaction

    OrganisationFactory(kind="local_authority", teryt_code="1465")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory(kind="local_authority", teryt_code="1465")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory(kind="ngo", teryt_code="1465", slug="ngo-with-code")


def test_update_logs_the_changed_fields_and_increments_the_version(coordinator):
    org = services.create_organisation(actor=coordinator, name="Stara nazwa", kind="ngo")
    updated = services.update_organisation(
        actor=coordinator,
        organisation=org,
        version=org.version,
        name="Nowa nazwa",
        website="https://nowa.example.test/",
        kind="ngo",
    )
    assert (updated.name, updated.version) == ("Nowa nazwa", 2)
    entry = _audit("organisations.organisation.updated").get()
    assert entry.data["changes"] == {
        "name": ["Stara nazwa", "Nowa nazwa"],
        "website": ["", "https://nowa.example.test/"],
    }
    assert entry.data["version"] == 2
    # Nothing changed: nothing written.
    same = services.update_organisation(
        actor=coordinator, organisation=updated, version=2, name="Nowa nazwa"
    )
    assert same.version == 2 and _audit("organisations.organisation.updated").count() == 1


def test_a_stale_version_is_refused_and_nothing_is_written(coordinator):
    org = services.create_organisation(actor=coordinator, name="A", kind="ngo")
    services.update_organisation(actor=coordinator, organisation=org, version=1, name="B")
    with pytest.raises(services.StaleOrganisation) as caught:
        services.update_organisation(actor=coordinator, organisation=org, version=1, name="C")
    assert caught.value.current.name == "B"
    assert Organisation.objects.get(pk=org.pk).name == "B"
    assert _audit("organisations.organisation.updated").count() == 1


def test_the_version_is_checked_in_the_update_itself(coordinator, monkeypatch):
    """Another editor commits between this editor's read and its UPDATE: the UPDATE matches
    no row, so the later change is refused instead of overwriting the earlier one."""
    org = services.create_organisation(actor=coordinator, name="A", kind="ngo")
    real = services._normalise

    def other_editor_saves_meanwhile(proposed, **kwargs):
        Organisation.objects.filter(pk=org.pk).update(name="Other", version=2)
        return real(proposed, **kwargs)

    monkeypatch.setattr(services, "_normalise", other_editor_saves_meanwhile)
    with pytest.raises(services.StaleOrganisation):
        services.update_organisation(actor=coordinator, organisation=org, version=1, name="Mine")
    # (The simulated editor wrote inside this transaction, so its change rolled back too.)
    assert Organisation.objects.get(pk=org.pk).name != "Mine"
    assert not _audit("organisations.organisation.updated").exists()


@pytest.mark.parametrize("name", ["Fundacja\u202egnp.exe", "Zero\u200bwidth", "Tab\x07bell", ""])
def test_names_with_hidden_characters_or_no_name_are_refused(coordinator, name):
    with pytest.raises(ValidationError) as caught:
        services.create_organisation(actor=coordinator, name=name, kind="ngo")
    assert "name" in caught.value.message_dict
    assert (
        not Organisation.objects.exists()
        or not Organisation.objects.filter(kind="ngo", name=name).exists()
    )


def test_reserved_slugs_are_not_used():
    assert services._unique_slug("New") == "new-2"
    with pytest.raises(ValidationError):
        services.create_organisation(actor=None, name="New", kind="ngo", slug="new")


# --- the pages ------------------------------------------------------------------------------


def test_coordinator_creates_an_organisation_through_the_form(coordinator_client):
    response = coordinator_client.post("/organisations/new/", _form())
    org = Organisation.objects.get(name="Fundacja Przykładowa")
    assert response.status_code == 302 and response["Location"] == f"/organisations/{org.slug}/"
    assert (org.website, org.verified, org.voivodeship) == (
        "https://fundacja.example.test/",
        True,
        "14",
    )
    page = coordinator_client.get(response["Location"]).content.decode()
    assert "https://fundacja.example.test/" in page


def test_picking_an_authority_without_javascript(coordinator_client):
    # 1. Search: the page lists matches (with their labels) and saves nothing.
    search = coordinator_client.post(
        "/organisations/new/",
        _form(
            name="",
            kind="local_authority",
            voivodeship="02",
            teryt_query="bolesław",
            save=None,
            teryt_search="1",
        ),
    )
    html = search.content.decode()
    assert search.status_code == 200
    assert "Bolesławiec (gmina wiejska), pow. bolesławiecki, woj. dolnośląskie" in html
    assert f'value="{BOLESLAWIEC_RURAL}"' in html
    assert not Organisation.objects.filter(kind="local_authority").exists()
    # 2. Pick one and save.
    saved = coordinator_client.post(
        "/organisations/new/",
        _form(
            name="",
            kind="local_authority",
            voivodeship="",
            teryt_query="bolesław",
            teryt_code=BOLESLAWIEC_RURAL,
        ),
    )
    assert saved.status_code == 302
    org = Organisation.objects.get(kind="local_authority")
    assert (org.name, org.teryt_code, org.voivodeship) == ("Gmina Bolesławiec", "0201022", "02")


def test_a_polish_authority_must_be_picked(coordinator_client):
    response = coordinator_client.post(
        "/organisations/new/",
        _form(name="Gmina", kind="local_authority", voivodeship="", teryt_query="lipno"),
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "Wybierz samorząd z rejestru TERYT" in html
    assert "Lipno (gmina wiejska)" in html  # the matches of the typed query are listed
    assert not Organisation.objects.filter(kind="local_authority").exists()


@pytest.mark.parametrize(
    ("overrides", "polish", "english"),
    [
        (
            {"kind": "local_authority", "teryt_code": "1499999"},
            "1499999 nie jest samorządem w rejestrze TERYT",
            "1499999 is not a local authority in the TERYT register",
        ),
        (
            {"country": "XX", "voivodeship": ""},
            "„XX” nie jest kodem kraju",
            "“XX” is not a country code",
        ),
        (
            {"website": "javascript:alert(1)"},
            "Podaj adres strony zaczynający się od http:// lub https://.",
            "Enter a web address starting with http:// or https://.",
        ),
        (
            {"website": "ftp://files.example.test/"},
            "Podaj adres strony zaczynający się od http:// lub https://.",
            "Enter a web address starting with http:// or https://.",
        ),
    ],
)
def test_bad_input_gets_a_translated_message_and_writes_nothing(
    coordinator_client, overrides, polish, english
):
    before = (AuditEntry.objects.count(), Organisation.objects.count())
    for prefix, text in (("", polish), ("/en", english)):
        response = coordinator_client.post(f"{prefix}/organisations/new/", _form(**overrides))
        assert response.status_code == 422
        assert text in response.content.decode()
    assert (AuditEntry.objects.count(), Organisation.objects.count()) == before


def test_a_duplicate_authority_is_refused_in_the_form(coordinator_client, coordinator):
    services.create_organisation(
        actor=coordinator, name="", kind="local_authority", teryt_code="0201022"
    )
    response = coordinator_client.post(
        "/en/organisations/new/",
        _form(name="Second", kind="local_authority", teryt_code=BOLESLAWIEC_RURAL),
    )
    assert response.status_code == 422
    assert "Gmina Bolesławiec already represents this local authority (TERYT 0201022)." in (
        response.content.decode()
    )
    assert Organisation.objects.filter(kind="local_authority").count() == 1


def _edit(**fields):
    """The edit form as posted for an NGO created with only a name and an e-mail address."""
    return _form(**{"voivodeship": "", "verified": None, "website": "", **fields})


def test_two_coordinators_edit_at_once_and_the_second_is_told(coordinator, coordinator_client):
    org = services.create_organisation(
        actor=coordinator, name="Fundacja", kind="ngo", contact_email="a@example.test"
    )
    other = login(Client(), make_user(Role.COORDINATOR))
    # Both open the form (version 1).
    first_form = coordinator_client.get(f"/organisations/{org.slug}/edit/").context["form"]
    second_form = other.get(f"/en/organisations/{org.slug}/edit/").context["form"]
    assert first_form["version"].value() == second_form["version"].value() == 1
    # The first saves a new e-mail address and website.
    first = coordinator_client.post(
        f"/organisations/{org.slug}/edit/",
        _edit(
            name="Fundacja",
            contact_email="b@example.test",
            website="https://first.example.test/",
            version=1,
            snapshot=first_form["snapshot"].value(),
        ),
    )
    assert first.status_code == 302
    # The second, still on version 1, renames it and changes the website too.
    second = other.post(
        f"/en/organisations/{org.slug}/edit/",
        _edit(
            name="Fundacja Nowa",
            contact_email="a@example.test",
            website="https://second.example.test/",
            version=1,
            snapshot=second_form["snapshot"].value(),
        ),
    )
    html = second.content.decode()
    assert second.status_code == 409
    assert "Someone else saved changes to this organisation" in html
    changes = {c["field"]: c for c in second.context["conflict"]}
    assert set(changes) == {"contact_email", "website"}
    assert (changes["contact_email"]["before"], changes["contact_email"]["now"]) == (
        "a@example.test",
        "b@example.test",
    )
    assert not changes["contact_email"]["clash"] and changes["website"]["clash"]
    assert "your input: https://second.example.test/" in html
    # Nothing lost: their input is kept, the other change is taken over where they had not
    # touched the field; nothing of theirs was written yet.
    form = second.context["form"]
    assert form["name"].value() == "Fundacja Nowa"
    assert form["website"].value() == "https://second.example.test/"
    assert form["contact_email"].value() == "b@example.test"
    assert form["version"].value() == 2
    stored = Organisation.objects.get(pk=org.pk)
    assert (stored.name, stored.contact_email, stored.version) == ("Fundacja", "b@example.test", 2)
    # Saving the re-rendered form is a deliberate decision against version 2.
    again = other.post(
        f"/en/organisations/{org.slug}/edit/",
        _edit(
            name=form["name"].value(),
            contact_email=form["contact_email"].value(),
            website=form["website"].value(),
            version=2,
            snapshot=form["snapshot"].value(),
        ),
    )
    assert again.status_code == 302
    stored = Organisation.objects.get(pk=org.pk)
    assert (stored.name, stored.contact_email, stored.website, stored.version) == (
        "Fundacja Nowa",
        "b@example.test",
        "https://second.example.test/",
        3,
    )


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.COORDINATOR])
def test_only_coordinators_create_or_edit(client, role):
    user = make_user(role)
    own = user.memberships.get().organisation
    login(client, user)
    created = client.post("/organisations/new/", _form(name="Intruz"))
    assert created.status_code == 403
    edited = client.post(f"/organisations/{own.slug}/edit/", _form(name="Intruz", version=1))
    assert edited.status_code == 403
    deactivated = client.post(f"/organisations/{own.slug}/deactivate/", {"reason": "x"})
    assert deactivated.status_code == 403
    assert not Organisation.objects.filter(name="Intruz").exists()
    assert Organisation.objects.get(pk=own.pk).is_active
    assert not AuditEntry.objects.filter(action__startswith="organisations.organisation").exists()


def test_the_register_search_endpoint(coordinator_client):
    response = coordinator_client.get("/organisations/register/search/?q=lodz&voivodeship=10")
    data = response.json()
    assert response.status_code == 200 and data["register_date"] == teryt.register().date
    codes = [r["code"] for r in data["results"]]
    assert "1061" in codes  # Łódź, city with powiat rights
    assert all(c.startswith("10") for c in codes)
    first = data["results"][0]
    assert set(first) == {"code", "label", "name", "voivodeship"}
    empty = coordinator_client.get("/organisations/register/search/?q=&voivodeship=<script>")
    assert empty.json()["results"] == []


# --- the list -------------------------------------------------------------------------------


def test_list_search_filters_and_paging(coordinator, coordinator_client):
    services.create_organisation(
        actor=coordinator, name="", kind="local_authority", teryt_code="1465"
    )
    hidden = services.create_organisation(
        actor=coordinator, name="Zamknięta", kind="ngo", voivodeship="02"
    )
    services.deactivate_organisation(actor=coordinator, organisation=hidden, reason="closed")
    OrganisationFactory.create_batch(55, verified=False, voivodeship="12")

    def names(query):
        response = coordinator_client.get("/organisations/?" + query)
        assert response.status_code == 200
        return [o.name for o in response.context["page"]]

    assert names("q=1465") == ["Miasto na prawach powiatu Warszawa"]
    assert names("q=warszawa") == ["Miasto na prawach powiatu Warszawa"]
    assert names("q=zamkn") == []  # deactivated ones only on request
    assert names("q=zamkn&active=no") == ["Zamknięta"]
    assert "Zamknięta" in names("active=all&voivodeship=02")
    assert names("kind=local_authority") == ["Miasto na prawach powiatu Warszawa"]
    assert len(names("verified=no&voivodeship=12")) == 50
    assert len(names("verified=no&voivodeship=12&page=2")) == 5
    assert coordinator_client.get("/organisations/?kind=evil").status_code == 400


def test_others_see_only_their_own_active_organisations(user_factory):
    mine = OrganisationFactory(name="Moja")
    OrganisationFactory(name="Cudza")
    client = login(Client(), user_factory(Role.NETWORK_MEMBER, mine))
    response = client.get("/organisations/?active=all")
    assert [o.name for o in response.context["page"]] == ["Moja"]
    assert "Dodaj organizację" not in response.content.decode()


def test_list_finds_codes_an_update_removed_from_the_register(coordinator_client, monkeypatch):
    OrganisationFactory(name="Stara gmina", kind="local_authority", teryt_code="0201022")
    OrganisationFactory(name="Miasto", kind="local_authority", teryt_code="1465")
    real = teryt.is_authority_code
    monkeypatch.setattr(teryt, "is_authority_code", lambda code: code != "0201022" and real(code))
    response = coordinator_client.get("/organisations/?not_in_register=on")
    assert [o.name for o in response.context["page"]] == ["Stara gmina"]


def test_the_command_refuses_a_token_for_a_deactivated_organisation(coordinator):
    from django.core.management import CommandError, call_command

    org = OrganisationFactory(slug="zamknieta")
    services.deactivate_organisation(actor=coordinator, organisation=org, reason="x")
    with pytest.raises(CommandError, match="Dezaktywowana"):
        call_command("issue_api_token", "zamknieta")
