"""The one search interface, on whichever database runs the tests (SQLite FTS5 or PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection

from ostoja.directory import geo
from ostoja.directory.search import (
    SearchFilters,
    backend,
    query_terms,
    rebuild_index,
    search,
    search_entries,
    stem,
)

from .factories import ServiceFactory

pytestmark = pytest.mark.django_db


def names(results):
    return [h.service.name["pl"] for h in results.hits]


@pytest.fixture
def services():
    return {
        "line": ServiceFactory(
            name={"pl": "Telefon zaufania dla rodziców", "en": "Helpline for parents"},
            description={"pl": "Rozmowa przez telefon.", "en": "Talk by phone."},
            coverage="national",
            terms=["audience.parents-and-carers", "modality.phone", "cost.free"],
            languages=["pl", "uk"],
        ),
        "lodz": ServiceFactory(
            name={"pl": "Poradnia w Łodzi"},
            description={"pl": "Terapia dla dorosłych, którzy doznali krzywdy w dzieciństwie."},
            coverage="local",
            minimum_age=18,
            terms=["audience.adult-survivors", "modality.in-person"],
            locations=[{"city": "Łódź", "postal_code": "90-001"}],
        ),
        "gdansk": ServiceFactory(
            name={"pl": "Terapia w Gdańsku"},
            description={"pl": "Terapia dla dzieci."},
            coverage="local",
            minimum_age=6,
            maximum_age=17,
            terms=["audience.children-and-young-people", "modality.in-person", "cost.free"],
            locations=[{"city": "Gdańsk"}, {"city": "Sopot"}],
        ),
        "pomorskie": ServiceFactory(
            name={"pl": "Czat pomorski"},
            coverage="regional",
            voivodeships=["22"],
            terms=["audience.children-and-young-people", "modality.chat"],
        ),
        "hidden": ServiceFactory(name={"pl": "Terapia ukryta"}, published=False),
        "closed": ServiceFactory(name={"pl": "Terapia zamknięta"}, status="defunct"),
    }


def test_backend_matches_the_database():
    expected = {"sqlite": "sqlite", "postgresql": "postgresql"}[connection.vendor]
    assert backend().vendor == expected


def test_free_text_ignores_case_accents_and_inflection(services):
    assert names(search(SearchFilters(text="LODZ"))) == ["Poradnia w Łodzi"]
    assert names(search(SearchFilters(text="łódź"))) == ["Poradnia w Łodzi"]
    assert names(search(SearchFilters(text="rodzice"))) == ["Telefon zaufania dla rodziców"]
    # "helpline" is a word for phone help (the taxonomy's synonyms): the service named
    # "Telefon zaufania" comes first.
    assert names(search(SearchFilters(text="helpline")))[0] == "Telefon zaufania dla rodziców"
    assert sorted(names(search(SearchFilters(text="terapie")))) == [
        "Poradnia w Łodzi",
        "Terapia w Gdańsku",
    ], "unpublished and closed services are never found"
    # Every term must match.
    assert names(search(SearchFilters(text="terapia dzieci gdańsk"))) == ["Terapia w Gdańsku"]
    # Found by the taxonomy's labels and by the town of a location.
    assert names(search(SearchFilters(text="sopot"))) == ["Terapia w Gdańsku"]
    assert "Poradnia w Łodzi" in names(search(SearchFilters(text="stacjonarnie")))


def test_stemming_is_crude_but_bounded():
    assert stem("dzieciom") == "dzieci"
    assert stem("dziecko") == "dziec"
    assert stem("116111") == "116111"
    assert stem("pomoc") == "pomoc"
    assert query_terms("Łódź, ŁÓDŹ!") == ["lodz"]


def test_filters_combine_or_within_a_facet_and_and_across_facets(services):
    free = SearchFilters(terms={"cost": ("cost.free",)})
    assert sorted(names(search(free))) == ["Telefon zaufania dla rodziców", "Terapia w Gdańsku"]
    either = SearchFilters(
        terms={"audience": ("audience.adult-survivors", "audience.parents-and-carers")}
    )
    assert sorted(names(search(either))) == ["Poradnia w Łodzi", "Telefon zaufania dla rodziców"]
    both = SearchFilters(
        terms={"audience": ("audience.children-and-young-people",), "cost": ("cost.free",)}
    )
    assert names(search(both)) == ["Terapia w Gdańsku"]
    assert names(search(SearchFilters(languages=("uk",)))) == ["Telefon zaufania dla rodziców"]


def test_age_range(services):
    child = sorted(names(search(SearchFilters(age=10))))
    assert "Terapia w Gdańsku" in child and "Poradnia w Łodzi" not in child
    adult = names(search(SearchFilters(age=40)))
    assert "Poradnia w Łodzi" in adult and "Terapia w Gdańsku" not in adult


def test_place_lists_the_whole_country_first_then_the_region_then_by_distance(services):
    results = search(SearchFilters(place=geo.locate("Gdynia")))
    assert names(results) == [
        "Telefon zaufania dla rodziców",  # everywhere
        "Czat pomorski",  # the searched voivodeship
        "Terapia w Gdańsku",  # ~20 km (its Sopot location is nearer still)
        "Poradnia w Łodzi",  # ~310 km
    ]
    distances = [h.distance_km for h in results.hits]
    assert distances[0] is None and distances[1] is None
    assert 5 < distances[2] < 15  # Sopot
    assert 280 < distances[3] < 340


def test_regional_services_of_other_voivodeships_are_left_out(services):
    results = search(SearchFilters(place=geo.locate("Kraków")))
    assert "Czat pomorski" not in names(results)
    assert names(results)[0] == "Telefon zaufania dla rodziców"


def test_radius_limits_in_person_services_only(services):
    results = search(SearchFilters(place=geo.locate("80-001"), radius_km=50))
    assert names(results) == ["Telefon zaufania dla rodziców", "Czat pomorski", "Terapia w Gdańsku"]
    assert names(search(SearchFilters(place=geo.locate("Łódź"), radius_km=10))) == [
        "Telefon zaufania dla rodziców",
        "Poradnia w Łodzi",
    ]


def test_text_and_place_together(services):
    results = search(SearchFilters(text="terapia", place=geo.locate("Łódź")))
    assert names(results) == ["Poradnia w Łodzi", "Terapia w Gdańsku"]


HOSTILE = [
    "",
    " ",
    "a" * 100_000,
    "terapia " * 10_000,
    '"unterminated',
    "NEAR(terapia gdańsk, 2)",
    "terapia OR 1=1",
    "terapia AND NOT gdańsk",
    "-terapia",
    "terapia*",
    "^terapia",
    "col:terapia",
    "'; DROP TABLE directory_service; --",
    "<script>alert(1)</script>",
    "\x00\x01\x02",
    "te\u200brapia",  # zero-width space inside a word
    "\u202eaipaeret",  # right-to-left override
    "ｔｅｒａｐｉａ",  # full-width letters
    "te\u0301rapia",  # combining accent
    "🙂" * 500,
    "\ud800",  # a lone surrogate
    "%' OR '1'='1",
    "\\",
    "'",
    "!!!&&&|||:::***",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_gives_results_or_nothing_never_an_error(services, text):
    results = search(SearchFilters(text=text, place=geo.locate(text)))
    assert results.total >= 0
    search_entries(SearchFilters(text=text)).count()


def test_full_width_and_invisible_characters_still_find(services):
    assert names(search(SearchFilters(text="ｇｄａｎｓｋ"))) == ["Terapia w Gdańsku"]
    assert names(search(SearchFilters(text="gdań\u200bsk"))) == ["Terapia w Gdańsku"]


def test_pagination(services):
    for n in range(25):
        ServiceFactory(name={"pl": f"Pomoc {n:02d}"}, description={"pl": "kotwica"})
    first = search(SearchFilters(text="kotwica"), per_page=10)
    assert (first.total, first.num_pages, first.has_next) == (25, 3, True)
    last = search(SearchFilters(text="kotwica"), page=99, per_page=10)
    assert last.page == 3 and len(last.hits) == 5 and not last.has_next
    every = [
        h.service.pk
        for p in (1, 2, 3)
        for h in search(SearchFilters(text="kotwica"), page=p, per_page=10).hits
    ]
    assert len(set(every)) == 25


def test_rebuilding_the_index_keeps_results(services):
    before = names(search(SearchFilters(text="terapia")))
    assert rebuild_index() == 6
    assert names(search(SearchFilters(text="terapia"))) == before
