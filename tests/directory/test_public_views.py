"""The public pages: safe for someone looking for help (no cookie, no-store, no foreign
requests, quick exit, crisis banner), and never an error page, whatever is typed."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client

from ostoja.directory.demo import load_helplines
from ostoja.directory.search_text import normalise_query

from .factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def service():
    load_helplines()
    return ServiceFactory(
        name={"pl": "Poradnia Spokojna", "en": "Calm Clinic"},
        description={"pl": "Terapia dla rodziców.", "en": "Therapy for parents."},
        confidentiality={
            "pl": "Nie przekazujemy niczego dalej, chyba że…",
            "en": "We pass nothing on unless…",
        },
        wait_time={"pl": "2 tygodnie", "en": "2 weeks"},
        wait_time_stated_on="2026-01-10",
        coverage="local",
        terms=["audience.parents-and-carers", "anonymity.anonymous", "modality.in-person"],
        phones=["22 123 45 67"],
        locations=[{"city": "Kraków", "postal_code": "30-001", "address_1": "ul. Cicha 1"}],
    )


def assert_private(response):
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies, "public directory pages set no cookie"
    html = response.content.decode()
    assert "csrfmiddlewaretoken" not in html
    # Nothing from another host: every src/href to http(s) is ours, a tel: or the quick exit.
    for url in re.findall(r'(?:src|href)="(https?://[^"]+)"', html):
        assert url.startswith("https://www.google.com/search?q=pogoda") or "example" in url, url
    assert "<script>" not in html and " style=" not in html  # CSP: no inline script or style
    return html


def test_search_page_is_private_and_has_quick_exit_and_crisis_banner(client, service):
    html = assert_private(client.get("/help/"))
    assert re.search(
        r'<a class="quick-exit" href="[^"]+" rel="noreferrer noopener" data-quick-exit>', html
    )
    assert 'href="https://www.google.com/search?q=pogoda"' in html
    assert 'href="tel:112"' in html and 'href="tel:116111"' in html
    assert 'href="tel:116123"' in html and 'href="tel:800702222"' in html
    assert '<script src="/static/directory/quick-exit.js" defer>' in html


def test_search_finds_and_shows_cards(client, service):
    html = assert_private(client.get("/help/", {"q": "poradnia", "place": "Kraków"}))
    assert "Poradnia Spokojna" in html
    assert f'href="/help/{service.pk}/"' in html
    assert 'href="tel:221234567"' in html


def test_english_search_page(client, service):
    html = assert_private(client.get("/en/help/", {"q": "clinic"}))
    assert '<html lang="en">' in html
    assert "Calm Clinic" in html
    assert "Quick exit" in html


def test_service_page_says_how_to_make_contact_and_what_is_passed_on(client, service):
    html = assert_private(client.get(f"/help/{service.pk}/"))
    assert "Poradnia Spokojna" in html
    assert "Nie przekazujemy niczego dalej" in html
    assert 'href="tel:221234567"' in html
    assert "ul. Cicha 1" in html
    assert "10 stycznia 2026" in html  # the date the waiting time was stated
    english = assert_private(client.get(f"/en/help/{service.pk}/"))
    assert "We pass nothing on unless" in english
    assert "January 2026" in english


def test_untranslated_text_is_marked_with_its_language(client):
    only_polish = ServiceFactory(name={"pl": "Tylko po polsku"}, description={"pl": "Opis."})
    html = client.get(f"/en/help/{only_polish.pk}/").content.decode()
    assert '<span lang="pl">Tylko po polsku</span>' in html


def test_outdated_services_are_marked(client):
    import datetime

    old = ServiceFactory(name={"pl": "Dawno sprawdzana"}, assured_date=datetime.date(2020, 5, 1))
    html = client.get("/help/", {"q": "dawno"}).content.decode()
    assert "badge outdated" in html
    assert "outdated-note" in client.get(f"/help/{old.pk}/").content.decode()


def test_unpublished_and_unknown_services_are_404(client, service):
    hidden = ServiceFactory(published=False)
    assert client.get(f"/help/{hidden.pk}/").status_code == 404
    assert client.get(f"/help/{uuid.uuid4()}/").status_code == 404
    assert client.get("/help/not-a-uuid/").status_code == 404


HOSTILE = [
    {"q": "a" * 50_000},
    {"q": '"NEAR(x y)" OR * -"'},
    {"q": "'; DROP TABLE directory_service; --"},
    {"q": "<script>alert(1)</script>", "place": "<img src=x onerror=alert(1)>"},
    {"q": "\x00", "place": "\x00"},
    {"q": "\u202e\u200b\ufeff"},
    {"q": "🙂" * 1000},
    {"place": "99-999"},
    {"place": "nowhere-ville"},
    {"place": "00-950", "radius": "5000"},
    {"radius": "-1"},
    {"age": "-5"},
    {"age": "1e400"},
    {"age": "NaN"},
    {"audience": ["audience.nobody", "'; --"]},
    {"languages": ["xx", "pl"] * 50},
    {"page": "-1"},
    {"page": "99999999999999999999"},
    {"page": "abc"},
    {"stage": "stage.convicted", "evidence": "evidence.evaluated", "cost": "cost.nfz"},
]


@pytest.mark.parametrize("params", HOSTILE)
def test_hostile_queries_never_give_an_error_page(client, service, params):
    response = client.get("/help/", params)
    html = assert_private(response)
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html


def test_an_unknown_place_is_explained(client, service):
    html = client.get("/help/", {"place": "Atlantyda"}).content.decode()
    assert 'class="notice"' in html


def test_the_query_is_never_logged(client, service, caplog):
    with caplog.at_level("DEBUG"):
        client.get("/help/", {"q": "sekretneslowo", "place": "Kraków"})
    assert "sekretneslowo" not in caplog.text


def test_normalised_query_is_bounded():
    assert len(normalise_query("ab " * 100_000)) <= 12
