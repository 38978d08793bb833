"""The library's JSON API: access (public to anyone, members-only to partner tokens and
members' sessions), filters, paging, and hostile input answered with documented JSON errors."""

from __future__ import annotations

import pytest
from django.test import Client

from ostoja.library.models import Material
from ostoja.organisations.roles import Role
from ostoja.organisations.services import issue_api_token, revoke_api_token
from tests.core.test_api_contract import assert_matches_document, document

from .helpers import material, pdf_bytes, upload

pytestmark = pytest.mark.django_db

LIST = "/api/v1/library/materials"


@pytest.fixture
def shelf(world, django_capture_on_commit_callbacks):
    """Two public materials (a Polish PDF, an English link) and a members-only PDF."""
    with django_capture_on_commit_callbacks(execute=True):
        guide = material(
            title="Poradnik: standardy ochrony dzieci w szkole",
            access="public",
            kind="guide",
            topic="Standardy ochrony",
            upload_file=upload(pdf_bytes(["Procedura interwencji w szkole", "Druga strona"])),
        )
        english = material(
            title="Child protection policies",
            access="public",
            language="en",
            topic="standardy ochrony",
            link="https://example.org/policies",
        )
        secret = material(
            title="Raport roboczy dla członków",
            access="members",
            topic="Bezpieczeństwo w sieci",
            upload_file=upload(pdf_bytes(["Uwodzenie dzieci w internecie (grooming)"])),
        )
    return {"guide": guide, "english": english, "secret": secret}


def token_of(organisation) -> str:
    _token, secret = issue_api_token(actor=None, organisation=organisation, name="site", scopes=[])
    return secret


def bearer(secret: str, language: str = "en") -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE=language)


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["items"]]


# -- access ----------------------------------------------------------------------------------


def test_a_visitor_lists_public_materials_only(shelf):
    response = Client().get(LIST)
    assert set(titles(response)) == {
        "Poradnik: standardy ochrony dzieci w szkole",
        "Child protection policies",
    }
    assert response.json()["count"] == 2
    assert_matches_document(document()[0], "/api/v1/library/materials", "get", response)


def test_a_partner_organisations_token_also_lists_members_only(world, shelf):
    member = bearer(token_of(world.orgs[Role.NETWORK_MEMBER]))
    assert len(titles(member.get(LIST))) == 3
    # A token of an organisation outside the partnership reads what a visitor reads.
    outsider = bearer(token_of(world.orgs[Role.AUTHORITY_OFFICER]))
    assert len(titles(outsider.get(LIST))) == 2
    assert outsider.get(f"{LIST}/{shelf['secret'].pk}").status_code == 404
    detail = member.get(f"{LIST}/{shelf['secret'].pk}")
    assert detail.status_code == 200 and detail.json()["access"] == "members"


def test_a_members_session_lists_members_only_and_a_non_members_does_not(world, shelf):
    client = Client()
    client.force_login(world.users[Role.NETWORK_MEMBER])
    assert len(titles(client.get(LIST))) == 3
    client.force_login(world.users[Role.AUTHORITY_OFFICER])
    assert len(titles(client.get(LIST))) == 2


@pytest.mark.parametrize(
    "header", ["Bearer ost_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "ost_raw"]
)
def test_a_presented_token_that_is_not_valid_is_a_json_401(shelf, header):
    response = Client(HTTP_AUTHORIZATION=header).get(LIST)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    assert_matches_document(document()[0], "/api/v1/library/materials", "get", response)


def test_a_revoked_token_is_refused(world, shelf):
    token, secret = issue_api_token(
        actor=None, organisation=world.orgs[Role.NETWORK_MEMBER], name="old", scopes=[]
    )
    revoke_api_token(actor=None, token=token)
    assert bearer(secret).get(LIST).status_code == 401


# -- detail ----------------------------------------------------------------------------------


def test_the_detail_of_a_file_and_of_a_journal_issue(world, shelf):
    from ostoja.library import services

    response = Client().get(f"{LIST}/{shelf['guide'].pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["file"]["name"] == "raport.pdf" and body["file"]["pages"] == 2
    assert body["file"]["download_url"].endswith(f"/library/m/{shelf['guide'].pk}/download/")
    assert body["has_file"] is True and body["versions"] == 1 and body["journal_issue"] is None
    assert_matches_document(
        document()[0], "/api/v1/library/materials/{material_id}", "get", response
    )

    issue_material = material(
        title="Kwartalnik 2/2026", kind="journal", link="https://example.org/k"
    )
    services.add_issue(
        actor=None,
        year=2026,
        number=2,
        contents="A. Autorka — Pierwszy artykuł\nB. Autor — Drugi artykuł",
        material=issue_material,
    )
    member = bearer(token_of(world.orgs[Role.NETWORK_MEMBER]))
    issue = member.get(f"{LIST}/{issue_material.pk}").json()
    assert issue["file"] is None and issue["link"] == "https://example.org/k"
    assert issue["journal_issue"]["contents"] == [
        "A. Autorka — Pierwszy artykuł",
        "B. Autor — Drugi artykuł",
    ]


def test_reading_through_the_api_counts_no_download(shelf):
    Client().get(LIST)
    Client().get(f"{LIST}/{shelf['guide'].pk}")
    assert Material.objects.get(pk=shelf["guide"].pk).download_count == 0


@pytest.mark.parametrize(
    "tail", ["999999", "0", "-1", "abc", "1.5", "99999999999999999999999", "%F0%9F%92%A9", "1e3"]
)
def test_unknown_and_malformed_ids_are_a_json_404(shelf, tail):
    response = Client().get(f"{LIST}/{tail}")
    assert response.status_code == 404, (tail, response.content)
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Nie znaleziono.", "errors": []}


def test_a_members_only_id_is_a_404_to_a_visitor_like_an_unknown_one(shelf):
    hidden = Client().get(f"{LIST}/{shelf['secret'].pk}")
    unknown = Client().get(f"{LIST}/{shelf['secret'].pk + 1000}")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json() == unknown.json()


# -- filters and paging ----------------------------------------------------------------------


def test_filters_topic_language_kind_and_full_text(world, shelf):
    client = Client()
    assert len(titles(client.get(LIST, {"topic": "standardy OCHRONY"}))) == 2
    assert len(titles(client.get(LIST, {"topic": "Standardy ochrony "}))) == 2
    assert titles(client.get(LIST, {"topic": "standardy"})) == []  # the whole topic
    assert titles(client.get(LIST, {"language": "en"})) == ["Child protection policies"]
    assert titles(client.get(LIST, {"kind": "guide"})) == [
        "Poradnik: standardy ochrony dzieci w szkole"
    ]
    # Words of the extracted text, without diacritics and in another form.
    assert titles(client.get(LIST, {"q": "procedury interwencji"})) == [
        "Poradnik: standardy ochrony dzieci w szkole"
    ]
    assert titles(client.get(LIST, {"q": "grooming"})) == []
    member = bearer(token_of(world.orgs[Role.NETWORK_MEMBER]))
    assert titles(member.get(LIST, {"q": "grooming"})) == ["Raport roboczy dla członków"]
    assert titles(member.get(LIST, {"topic": "BEZPIECZEŃSTWO W SIECI"})) == [
        "Raport roboczy dla członków"
    ]
    assert titles(client.get(LIST, {"topic": "bezpieczenstwo w sieci"})) == []  # members only
    # FTS syntax in the query is just text.
    assert client.get(LIST, {"q": '") OR * NEAR( "'}).status_code == 200


def test_pages_and_a_page_past_the_last(shelf):
    client = Client()
    first = client.get(LIST, {"per_page": 1}).json()
    second = client.get(LIST, {"per_page": 1, "page": 2}).json()
    assert first["count"] == second["count"] == 2 and first["pages"] == 2
    assert {first["items"][0]["id"], second["items"][0]["id"]} == {
        shelf["guide"].pk,
        shelf["english"].pk,
    }
    past = client.get(LIST, {"page": 100_000, "per_page": 100})
    assert past.status_code == 200
    assert past.json() == {"count": 2, "page": 100_000, "per_page": 100, "pages": 1, "items": []}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "100001"}, "page"),
        ({"page": "99999999999999999999999999999"}, "page"),
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"per_page": "1000"}, "per_page"),
        ({"per_page": "-5"}, "per_page"),
        ({"language": "de"}, "language"),
        ({"kind": "<script>"}, "kind"),
        ({"year": "1066"}, "year"),
        ({"q": "x" * 201}, "q"),
        ({"q": "ochrona\x00dzieci"}, "q"),
        ({"topic": "a\x1b[31m"}, "topic"),
    ],
)
def test_bad_parameters_are_a_translated_json_422(shelf, params, field):
    response = Client(HTTP_ACCEPT_LANGUAGE="pl").get(LIST, params)
    assert response.status_code == 422, response.content
    body = response.json()
    assert [e["field"] for e in body["errors"]] == [field]
    assert body["detail"].startswith("Nieprawidłowe dane")
    assert_matches_document(document()[0], "/api/v1/library/materials", "get", response)


def test_the_document_describes_both_operations_with_unique_schema_names():
    doc, _raw = document()
    listing = doc["paths"]["/api/v1/library/materials"]["get"]
    detail = doc["paths"]["/api/v1/library/materials/{material_id}"]["get"]
    assert {"200", "401", "422"} <= set(listing["responses"])
    assert {"200", "401", "404"} <= set(detail["responses"])
    assert {
        "LibraryMaterialOut",
        "LibraryMaterialDetailOut",
        "LibraryMaterialPage",
        "LibraryFileOut",
    } <= set(doc["components"]["schemas"])
    params = {p["name"] for p in listing["parameters"]}
    assert {"q", "topic", "language", "kind", "audience", "year", "page", "per_page"} <= params
