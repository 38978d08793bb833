"""The positions JSON API: published joint positions with their signatory organisations;
nothing else (drafts, comment rounds, open co-signing, standards) is reachable, and hostile
ids and parameters get documented JSON errors."""

from __future__ import annotations

import pytest
from django.test import Client

from ostoja.organisations.roles import Role
from ostoja.positions import services
from tests.conftest import make_user
from tests.core.test_api_contract import assert_matches_document, document
from tests.factories import OrganisationFactory

from .helpers import BODY, signing
from .helpers import document as draft_document

pytestmark = pytest.mark.django_db

LIST = "/api/v1/positions"


@pytest.fixture
def texts(world):
    """A published position signed by two partners (a third withdrew), one still open for
    co-signing, a draft in its comment round, and an adopted standard."""
    from ostoja.network.membership import set_state
    from ostoja.network.models import PartnerState

    coordinator = world.users[Role.COORDINATOR]
    manager = world.users[Role.ORGANISATION_MANAGER]
    third = OrganisationFactory(kind="ngo", name="Fundacja Trzecia")
    set_state(third, PartnerState.MEMBER, reason="test")
    third_manager = make_user(Role.ORGANISATION_MANAGER, third)

    published = draft_document(coordinator, title="Stanowisko w sprawie szkół")
    published = signing(coordinator, published)
    services.sign(
        actor=coordinator, document=published, organisation=world.orgs[Role.NETWORK_MEMBER]
    )
    services.sign(
        actor=manager, document=published, organisation=world.orgs[Role.ORGANISATION_MANAGER]
    )
    withdrawn = services.sign(actor=third_manager, document=published, organisation=third)
    services.withdraw(actor=third_manager, signature=withdrawn)
    published = services.publish(actor=coordinator, document=published)

    open_for_signing = signing(coordinator, draft_document(coordinator, title="Stanowisko drugie"))
    services.sign(
        actor=coordinator, document=open_for_signing, organisation=world.orgs[Role.NETWORK_MEMBER]
    )
    in_comments = draft_document(coordinator, title="Projekt rekomendacji")
    standard = services.publish(
        actor=coordinator,
        document=draft_document(coordinator, kind="standard", title="Standard pomocy"),
    )
    return {
        "published": published,
        "signing": open_for_signing,
        "draft": in_comments,
        "standard": standard,
        "third": third,
    }


def test_only_published_positions_are_listed_with_their_live_signatures(texts):
    response = Client().get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["pages"] == 1
    [item] = body["items"]
    assert item["id"] == texts["published"].pk and item["signatories"] == 2
    assert item["url"].endswith(f"/positions/p/{texts['published'].slug}/")
    assert item["pdf_url"].endswith(f"/positions/p/{texts['published'].slug}/pdf/")
    assert_matches_document(document()[0], "/api/v1/positions", "get", response)


def test_the_detail_has_the_final_text_and_the_signatory_organisations(world, texts):
    response = Client().get(f"{LIST}/{texts['published'].pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["body"] == BODY and body["version"] == 1
    names = [s["organisation"]["name"] for s in body["signatory_organisations"]]
    assert sorted(names) == sorted(
        [world.orgs[Role.NETWORK_MEMBER].name, world.orgs[Role.ORGANISATION_MANAGER].name]
    )
    assert texts["third"].name not in names  # withdrew before publication
    assert "signed_by" not in str(body)  # the person who signed is not published
    assert_matches_document(document()[0], "/api/v1/positions/{position_id}", "get", response)


@pytest.mark.parametrize("which", ["signing", "draft", "standard"])
def test_texts_that_are_not_published_positions_are_a_404(texts, which):
    response = Client().get(f"{LIST}/{texts[which].pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Nie znaleziono.", "errors": []}


@pytest.mark.parametrize(
    "tail", ["424242", "0", "-3", "abc", "stanowisko-w-sprawie-szkol", "9" * 30, "1%00"]
)
def test_unknown_and_malformed_ids_are_a_json_404(texts, tail):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"{LIST}/{tail}")
    assert response.status_code == 404, (tail, response.content)
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"] == "Not found."


def test_title_search_and_paging(texts):
    client = Client()
    assert client.get(LIST, {"q": "SZKÓŁ"}).json()["count"] == 1
    assert client.get(LIST, {"q": "stanowisko szkol"}).json()["count"] == 1
    assert client.get(LIST, {"q": "stanowisko gmin"}).json()["count"] == 0
    assert client.get(LIST, {"q": "rekomendacji"}).json()["count"] == 0  # not published
    past = client.get(LIST, {"page": 100_000, "per_page": 100})
    assert past.status_code == 200 and past.json()["items"] == [] and past.json()["count"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "100001"}, "page"),
        ({"page": "1" * 40}, "page"),
        ({"page": "-1"}, "page"),
        ({"per_page": "0"}, "per_page"),
        ({"per_page": "101"}, "per_page"),
        ({"q": "a\x00b"}, "q"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_parameters_are_a_json_422(texts, params, field):
    response = Client().get(LIST, params)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert_matches_document(document()[0], "/api/v1/positions", "get", response)


def test_a_token_is_not_needed_and_schema_names_are_unique():
    doc, _raw = document()
    for path in ("/api/v1/positions", "/api/v1/positions/{position_id}"):
        assert "security" not in doc["paths"][path]["get"]
    assert {"PositionOut", "PositionDetailOut", "PositionPage", "PositionSignatoryOut"} <= set(
        doc["components"]["schemas"]
    )
