"""The public HSDS API: every endpoint's output validates against the HSDS 3.0 schemas."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ostoja.directory.demo import DEMO_NAMESPACE, seed_demo
from ostoja.directory.hsds import validate_object
from ostoja.directory.models import Service
from ostoja.directory.search import index_services
from ostoja.directory.taxonomy import facet_id, taxonomy_id, term_id
from tests.factories import OrganisationFactory

from .factories import OwnedProviderFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def get(path, **params):
    response = Client().get(path, params)
    assert response["Content-Type"].startswith("application/json")
    assert "Set-Cookie" not in response
    return response


def valid(kind, body):
    problems = validate_object(kind, body)
    assert problems == [], [str(p) for p in problems[:10]]
    return body


@pytest.fixture
def directory():
    OrganisationFactory(
        slug="demo-poradnia",
        name="Poradnia Bezpieczna Przystań (demo)",
        kind="service_provider",
        voivodeship="02",
    )
    seed_demo(None)
    unpublished = ServiceFactory(published=False, name={"pl": "Ukryta usługa robocza"})
    return {"unpublished": unpublished}


def test_root_names_version_profile_and_openapi(directory):
    body = valid("api_root", get("/hsds/").json())
    assert body["version"] == "3.0"
    assert body["openapi_url"].endswith("/hsds/openapi.json")
    assert body["profile"].endswith("/hsds/profile")
    openapi = get("/hsds/openapi.json").json()
    assert openapi["info"]["title"] == "Ostoja HSDS API"
    assert "/services/{id}" in openapi["paths"]
    assert get("/hsds/profile").status_code == 200


@pytest.mark.parametrize("mode", [{}, {"minimal": "true"}, {"full": "true"}])
@pytest.mark.parametrize("lang", ["pl", "en"])
def test_services_list_in_every_mode_and_language(directory, mode, lang):
    body = valid("service_list", get("/hsds/services", lang=lang, per_page=50, **mode).json())
    assert body["total_items"] == Service.objects.public().count() >= 20
    ids = {item["id"] for item in body["contents"]}
    assert str(directory["unpublished"].pk) not in ids
    if mode.get("full"):
        for item in body["contents"]:
            valid("service", item)


def test_every_service_in_full_validates_in_both_languages(directory):
    for service in Service.objects.public():
        for lang in ("pl", "en"):
            body = valid("service", get(f"/hsds/services/{service.pk}", lang=lang).json())
            assert body["id"] == str(service.pk)


def test_full_service_carries_what_is_passed_on_hours_and_dated_waiting_time(directory):
    service = Service.objects.get(pk=uuid.uuid5(DEMO_NAMESPACE, "children-wroclaw"))
    body = get(f"/hsds/services/{service.pk}", lang="en").json()
    passed_on = [a for a in body["attributes"] if a.get("link_type") == "what_is_passed_on"]
    assert len(passed_on) == 1
    assert passed_on[0]["taxonomy_term_id"] == str(facet_id("anonymity"))
    assert "psychologist" in passed_on[0]["value"]
    assert body["schedules"][0]["description"].startswith("Monday")
    assert body["wait_time"].startswith("up to 7 days [")
    assert body["organization"]["name"] == "Poradnia Bezpieczna Przystań (demo)"
    assert body["service_at_locations"][0]["location"]["addresses"][0]["city"] == "Wrocław"
    terms = {a["taxonomy_term_id"] for a in body["attributes"]}
    assert str(term_id("audience.children-and-young-people")) in terms
    assert body["metadata"], "the change history is published"


def test_unknown_unpublished_and_malformed_ids_are_json_404(directory):
    for path in (
        f"/hsds/services/{uuid.uuid4()}",
        f"/hsds/services/{directory['unpublished'].pk}",
        "/hsds/services/not-a-uuid",
        "/hsds/services/%27%3B%20DROP%20TABLE",
        f"/hsds/organizations/{uuid.uuid4()}",
        f"/hsds/taxonomies/{uuid.uuid4()}",
        f"/hsds/taxonomy_terms/{uuid.uuid4()}",
        f"/hsds/service_at_locations/{uuid.uuid4()}",
    ):
        response = get(path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not found."}


def test_pagination_follows_hsds(directory):
    total = Service.objects.public().count()
    first = valid("service_list", get("/hsds/services", per_page=5).json())
    assert (first["page_number"], first["size"], first["first_page"]) == (1, 5, True)
    assert first["total_pages"] == -(-total // 5)
    last = valid(
        "service_list", get("/hsds/services", per_page=5, page=first["total_pages"]).json()
    )
    assert last["last_page"] is True and not last["empty"]
    beyond = valid("service_list", get("/hsds/services", per_page=5, page=999).json())
    assert beyond["empty"] is True and beyond["contents"] == []
    seen = set()
    for page in range(1, first["total_pages"] + 1):
        seen |= {s["id"] for s in get("/hsds/services", per_page=5, page=page).json()["contents"]}
    assert len(seen) == total, "pages neither repeat nor skip services"


@pytest.mark.parametrize(
    "params",
    [
        {"page": "0"},
        {"page": "abc"},
        {"per_page": "100000"},
        {"per_page": "-1"},
        {"minimal": "perhaps"},
        {"minimal": "true", "full": "true"},
        {"taxonomy_term_id": "nope"},
        {"organization_id": "' OR 1=1 --"},
        {"modified_after": "yesterday"},
        {"lang": "xx"},
        {"format": "ndjson"},
    ],
)
def test_bad_parameters_are_a_json_400(directory, params):
    response = get("/hsds/services", **params)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_search_and_filters(directory):
    body = valid("service_list", get("/hsds/services", search="czat nastolatków").json())
    # Synonyms also find the children's helplines that take messages; the service named for
    # the words comes first.
    assert [s["name"] for s in body["contents"]][0] == "Czat dla nastolatków (demo)"
    assert get("/hsds/services", search="czat")["Cache-Control"] == "no-store"

    audience = term_id("audience.worried-about-thoughts")
    body = valid("service_list", get("/hsds/services", taxonomy_term_id=str(audience)).json())
    names = {s["name"] for s in body["contents"]}
    assert "Telefon „Zanim skrzywdzisz” (demo)" in names
    assert "Czat dla nastolatków (demo)" not in names

    everything = get("/hsds/services", taxonomy_id=str(taxonomy_id()), per_page=200).json()
    assert everything["total_items"] == Service.objects.public().count()

    service = Service.objects.get(pk=uuid.uuid5(DEMO_NAMESPACE, "teen-chat"))
    body = get("/hsds/services", organization_id=str(service.provider_id)).json()
    assert {s["organization_id"] for s in body["contents"]} == {str(service.provider_id)}
    assert body["total_items"] == service.provider.services.public().count()

    for hostile in ('"); DROP TABLE directory_service; --', "NEAR(a b)", "*" * 5000, "\x00\u202e"):
        assert get("/hsds/services", search=hostile).status_code == 200


def test_modified_after(directory):
    cutoff = timezone.now() + timedelta(seconds=1)
    chat = uuid.uuid5(DEMO_NAMESPACE, "teen-chat")
    Service.objects.filter(pk=chat).update(last_modified=cutoff + timedelta(hours=1))
    index_services([chat])  # what every write path does
    body = valid("service_list", get("/hsds/services", modified_after=cutoff.isoformat()).json())
    # Synonyms also find the children's helplines that take messages; the service named for
    # the words comes first.
    assert [s["name"] for s in body["contents"]][0] == "Czat dla nastolatków (demo)"
    assert get("/hsds/services", modified_after="2000-01-01").json()["total_items"] > 1


def test_organizations(directory):
    body = valid("organization_list", get("/hsds/organizations", per_page=100).json())
    names = {o["name"] for o in body["contents"]}
    assert "Poradnia Bezpieczna Przystań (demo)" in names
    full = valid(
        "organization_list",
        get("/hsds/organizations", full="true", full_service="true", per_page=50).json(),
    )
    for item in full["contents"]:
        valid("organization", item)
    found = get("/hsds/organizations", search="przystań").json()
    assert [o["name"] for o in found["contents"]] == ["Poradnia Bezpieczna Przystań (demo)"]
    org_id = found["contents"][0]["id"]
    detail = valid("organization", get(f"/hsds/organizations/{org_id}").json())
    assert detail["services"] and all("id" in s for s in detail["services"])
    nested = valid("organization", get(f"/hsds/organizations/{org_id}", full_service="true").json())
    assert all("service_at_locations" in s for s in nested["services"])


def test_service_at_locations_by_postcode_and_proximity(directory):
    body = valid("service_at_location_list", get("/hsds/service_at_locations", per_page=100).json())
    assert body["total_items"] >= 8
    near = valid(
        "service_at_location_list",
        get("/hsds/service_at_locations", postcode="50-950", proximity="20000").json(),
    )
    cities = {i["location"]["name"] or i["service"]["name"] for i in near["contents"]}
    assert near["total_items"] == 1, cities
    assert near["contents"][0]["service"]["name"].startswith("Pomoc psychologiczna")
    wider = get("/hsds/service_at_locations", postcode="50-950", proximity="100000").json()
    assert wider["total_items"] == 2  # Wrocław and Legnica
    region = get("/hsds/service_at_locations", postcode="80-001").json()
    assert {i["service"]["name"] for i in region["contents"]} >= {
        "Poradnia dla rodziców i opiekunów (demo)"
    }
    full = valid("service_at_location_list", get("/hsds/service_at_locations", full="true").json())
    sal_id = full["contents"][0]["id"]
    valid("service_at_location", get(f"/hsds/service_at_locations/{sal_id}").json())
    assert get("/hsds/service_at_locations", postcode="ABC").status_code == 400
    assert get("/hsds/service_at_locations", proximity="100").status_code == 400
    assert get("/hsds/service_at_locations", postcode="00-950", proximity="-5").status_code == 400


def test_taxonomies_and_terms(directory):
    body = valid("taxonomy_list", get("/hsds/taxonomies").json())
    assert [t["id"] for t in body["contents"]] == [str(taxonomy_id())]
    valid("taxonomy", get(f"/hsds/taxonomies/{taxonomy_id()}").json())
    terms = valid("taxonomy_term_list", get("/hsds/taxonomy_terms", per_page=100).json())
    assert terms["total_items"] == 31
    top = valid("taxonomy_term_list", get("/hsds/taxonomy_terms", top_only="true").json())
    assert {t["code"] for t in top["contents"]} == {
        "audience",
        "stage",
        "modality",
        "anonymity",
        "cost",
        "evidence",
    }
    children = get("/hsds/taxonomy_terms", parent_id=str(facet_id("cost")), lang="en").json()
    assert {t["name"] for t in children["contents"]} == {
        "Free",
        "Paid",
        "Public health insurance (NFZ)",
    }
    found = get("/hsds/taxonomy_terms", search="rodzice").json()
    assert [t["code"] for t in found["contents"]] == ["audience.parents-and-carers"]
    valid("taxonomy_term", get(f"/hsds/taxonomy_terms/{facet_id('audience')}").json())


def test_the_api_is_read_only_and_public(directory):
    client = Client(enforce_csrf_checks=True)
    for method in ("post", "put", "delete", "patch"):
        assert getattr(client, method)("/hsds/services").status_code == 405
    response = get("/hsds/services")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert reverse("hsds:services") == "/hsds/services"


def test_provider_owned_service_shows_up(db):
    provider = OwnedProviderFactory()
    service = ServiceFactory(provider=provider, terms=["audience.professionals"])
    valid("service", get(f"/hsds/services/{service.pk}").json())
