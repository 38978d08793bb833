"""What people type finds the right service first (issue 11 §13), on the demo directory.

Realistic queries -- Polish and English, clinical and colloquial, the words people who fear
they may harm a child use about themselves, typos, no diacritics, a town among the words --
each with the service a help service would want them to see first. When a place is read from
the words, national services (phone, online) are always listed first by design; there the
expected service is the first one near the place, and the place must have been recognised.

Runs on whichever database the tests use (SQLite FTS5 or PostgreSQL full text).
"""

from __future__ import annotations

import uuid

import pytest
from django.utils import translation

from ostoja.directory import data
from ostoja.directory.demo import DEMO_NAMESPACE, seed_demo
from ostoja.directory.forms import SearchForm
from ostoja.directory.search import search
from tests.conftest import make_user
from tests.factories import OrganisationFactory


@pytest.fixture(autouse=True)
def _language_left_as_found():
    """Requests to /en/ pages activate English in this thread; leave it as it was."""
    with translation.override(translation.get_language()):
        yield


pytestmark = pytest.mark.django_db

# (query, expected first service: a demo service key or a helpline code, place read or None
#  [, other fields of the search form])
QUERIES = [
    # People worried about their own thoughts (the words they use about themselves).
    ("pedofilia", "prevention-line", None),
    ("pedofil", "prevention-line", None),
    ("jestem pedofilem", "prevention-line", None),
    ("pedofilja", "prevention-line", None),
    ("pedofili", "prevention-line", None),
    ("boję się, że skrzywdzę dziecko", "prevention-line", None),
    ("boje sie ze skrzywdze dziecko", "prevention-line", None),
    ("nie chcę skrzywdzić dziecka", "prevention-line", None),
    # Ambiguous by age (the Poznań service is for teenagers with such thoughts): the person
    # gives their age in the form.
    ("niepokojące myśli o dzieciach", "prevention-line", None, {"age": "35"}),
    ("niepokojące myśli o dzieciach nastolatek", "teen-thoughts-poznan", None),
    ("pociąg seksualny do dzieci", "therapy-warsaw", None),
    ("hebefilia", "prevention-line", None),
    ("paedophilia", "prevention-line", None),
    ("pedophile help", "prevention-line", None),
    ("attracted to children", "prevention-line", None),
    ("minor attracted person", "prevention-line", None),
    ("afraid I might harm a child", "prevention-line", None),
    ("anonimowy telefon pedofilia", "prevention-line", None),
    ("terapia dla pedofilów Warszawa", "therapy-warsaw", "Warszawa"),
    ("terapia pedofilia warszawa", "therapy-warsaw", "Warszawa"),
    ("seksuolog w Warszawie", "therapy-warsaw", "Warszawa"),
    ("pedophile therapy Warsaw", "therapy-warsaw", "Warszawa"),
    ("terapia po wyroku", "therapy-warsaw", None),
    ("skazany za przestępstwo seksualne terapia", "therapy-warsaw", None),
    ("seksuolog", "therapy-warsaw", None),
    # Viewing abuse material.
    ("przestać oglądać", "stop-viewing-group", None),
    ("stop viewing group", "stop-viewing-group", None),
    ("oglądałem pornografię dziecięcą Kraków", "stop-viewing-group", "Kraków"),
    ("grupa terapeutyczna CSAM", "stop-viewing-group", None),
    ("samopomoc online", "self-help", None),
    ("self-help programme", "self-help", None),
    ("program samopomocowy", "self-help", None),
    ("darmowy kurs online pornografia dziecięca", "self-help", None),
    # Young people with troubling thoughts, and their parents.
    ("nastolatek myśli seksualne o młodszych dzieciach", "teen-thoughts-poznan", None),
    ("terapia młodzież Poznań", "teen-thoughts-poznan", "Poznań"),
    ("syn ma niepokojące myśli seksualne Poznan", "teen-thoughts-poznan", "Poznań"),
    # Children and young people who were harmed.
    ("czat dla nastolatków", "teen-chat", None),
    ("czat dla nastolatkow", "teen-chat", None),
    ("chat for teenagers", "teen-chat", None),
    ("pomoc psychologiczna dla dzieci Wrocław", "children-wroclaw", "Wrocław"),
    ("molestowanie dziecka Wroclaw", "children-wroclaw", "Wrocław"),
    ("psycholog dla dziecka we Wrocławiu", "children-wroclaw", "Wrocław"),
    ("telefon zaufania dla dzieci i młodzieży", "116111", None),
    ("116 111", "116111", None),
    ("116111", "116111", None),
    ("child and youth helpline", "116111", None),
    # Adults abused in childhood.
    ("grupa wsparcia dla dorosłych Kraków", "survivors-krakow", "Kraków"),
    ("molestowana w dzieciństwie", "survivors-krakow", None),
    ("adult survivors group", "survivors-krakow", None),
    ("ofiara wykorzystywania w dziecinstwie krakow", "survivors-krakow", "Kraków"),
    # Parents, families, professionals.
    ("poradnia dla rodziców Gdańsk", "parents-gdansk", "Gdańsk"),
    ("rodzice gdansk", "parents-gdansk", "Gdańsk"),
    ("parents counselling Gdansk", "parents-gdansk", "Gdańsk"),
    ("rodzina osoby która może skrzywdzić dziecko Legnica", "parents-legnica", "Legnica"),
    ("mąż ma zarzuty Lublin", "families-lublin", "Lublin"),
    ("rodzina skazanego", "families-lublin", None),
    ("partner oskarżony o przestępstwo seksualne", "families-lublin", None),
    ("konsultacje dla profesjonalistów", "professionals", None),
    ("nauczyciel konsultacja", "professionals", None),
    ("teacher consultation", "professionals", None),
    ("rodzice i nauczyciele bezpieczeństwo dziecka w internecie", "800100100", None),
    # General helplines.
    ("numer alarmowy", "112", None),
    ("emergency", "112", None),
    ("przemoc domowa", "800120002", None),
    ("niebieska linia", "800120002", None),
    ("kryzys psychiczny", "800702222", None),
    ("zgłoś nielegalne treści", "dyzurnet", None),
    ("report illegal content", "dyzurnet", None),
    ("rzecznik praw dziecka", "800121212", None),
]

HELPLINES = {h["code"] for h in data.load_helplines()}


def service_id(key: str) -> uuid.UUID:
    if key in HELPLINES:
        return uuid.UUID(data.helpline(key)["id"])
    return uuid.uuid5(DEMO_NAMESPACE, key)


@pytest.fixture
def demo_directory():
    org = OrganisationFactory(
        slug="demo-poradnia", name="Poradnia Bezpieczna Przystań (demo)", kind="service_provider"
    )
    make_user("service_editor", org, email="redaktor@demo.ostoja.invalid")
    seed_demo(None)


def first_hit(query: str, extra=None):
    form = SearchForm({"q": query, **(extra or {})})
    filters = form.filters()
    results = search(filters)
    hits = results.hits
    if filters.place is not None:
        hits = [h for h in hits if not h.everywhere]
    return filters.place, hits


def test_at_least_fifty_realistic_queries():
    assert len(QUERIES) >= 50
    assert len({case[0] for case in QUERIES}) == len(QUERIES)


def test_every_query_finds_its_service_first(demo_directory):
    names = {service_id(case[1]): case[1] for case in QUERIES}
    failures = []
    for query, expected, place_name, *extra in QUERIES:
        place, hits = first_hit(query, *extra)
        got_place = place.name if place is not None else None
        first = [names.get(h.service.pk, h.service.name["pl"]) for h in hits[:3]]
        if got_place != place_name or not hits or hits[0].service.pk != service_id(expected):
            failures.append(
                f"{query!r}: expected {expected} (place {place_name}), got {first} "
                f"(place {got_place})"
            )
    assert not failures, f"{len(failures)} of {len(QUERIES)} queries:\n" + "\n".join(failures)


def test_a_town_in_the_what_box_is_the_place(demo_directory, client):
    response = client.get("/help/", {"q": "terapia w Krakowie"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "„krakowie” w wyszukiwanych słowach jako miejscowość Kraków" in html
    assert "Blisko: Kraków" in html or "W pobliżu: Kraków" in html
    # A word that is also a town ("Police") stays a word.
    form = SearchForm({"q": "report to police"})
    assert form.filters().place is None


def test_an_empty_result_shows_the_national_helplines_and_a_way_on(demo_directory, client):
    for prefix, expected in (
        ("", "Możesz porozmawiać z kimś teraz"),
        ("/en", "talk to someone now"),
    ):
        response = client.get(f"{prefix}/help/", {"q": "zzzqqq xyzzy"})
        html = response.content.decode()
        assert response.status_code == 200
        assert expected in html
        for tel in ("116111", "116123", "800100100", "112"):
            assert f'href="tel:{tel}"' in html.split('id="no-results"')[1]
        assert "audience=audience.worried-about-thoughts" in html


def test_some_words_matching_is_better_than_nothing(demo_directory, client):
    response = client.get("/en/help/", {"q": "pedofilia xyzzyq"})
    html = response.content.decode()
    assert "No service matches all of your words" in html
    assert "Before you harm" in html
