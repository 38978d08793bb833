"""Offline coarse geography: postcodes, place lookup, distances."""

from __future__ import annotations

import math
import re
import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ostoja.directory import data, geo
from ostoja.directory.geo import EARTH_RADIUS_KM, Place, haversine_km, locate, parse_postcode
from ostoja.directory.search_text import unaccent_pl


@pytest.mark.parametrize(
    "text",
    ["00-950", "00950", "00 950", " 00-950 ", "00-950\n", "00\u2013950", "０００９５０"[1:]],
)
def test_postcodes_in_the_forms_people_write(text):
    assert parse_postcode(text) == "00-950"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "0-950",
        "000-950",
        "00-9500",
        "00--950",
        "00_950",
        "00.950",
        "00-95O",  # letter O
        "ab-cde",
        "00-950 Warszawa",  # a postcode, but not only a postcode: locate() handles this
        "٠٠-٩٥٠",  # Arabic-Indic digits are digits, but not a Polish postcode
        "00\u200b-950",
        " " * 40 + "00-950",
    ],
)
def test_anything_else_is_not_a_postcode(text):
    with pytest.raises(ValueError):
        parse_postcode(text)


@pytest.mark.parametrize("value", [None, 950, b"00-950"])
def test_postcode_must_be_text(value):
    with pytest.raises(TypeError):
        parse_postcode(value)


@given(st.text(max_size=40))
def test_parse_postcode_accepts_only_canonical_output(text):
    try:
        result = parse_postcode(text)
    except ValueError:
        return
    assert re.fullmatch(r"[0-9]{2}-[0-9]{3}", result)


# -- locate -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "name", "kind"),
    [
        ("Łódź", "Łódź", "town"),
        ("lodz", "Łódź", "town"),
        ("ŁÓDŹ", "Łódź", "town"),
        ("  Zielona   Gora ", "Zielona Góra", "town"),
        ("bielsko biala", "Bielsko-Biała", "town"),
        ("Warsaw", "Warszawa", "town"),
        ("Lublin", "Lublin", "town"),  # the town, not the voivodeship's English name
        ("mazowieckie", "mazowieckie", "voivodeship"),
        ("woj. śląskie", "śląskie", "voivodeship"),
        ("Województwo Warmińsko-Mazurskie", "warmińsko-mazurskie", "voivodeship"),
        ("Lesser Poland", "małopolskie", "voivodeship"),
        ("Masovian Voivodeship", "mazowieckie", "voivodeship"),
        ("80-001", "Gdańsk", "postcode_area"),
        ("80001 Gdańsk", "Gdańsk", "postcode_area"),
        ("26-600 Radom", "Radom", "postcode_area"),
    ],
)
def test_locate(query, name, kind):
    place = locate(query)
    assert place is not None
    assert (place.name, place.kind) == (name, kind)


def test_a_postcode_resolves_to_its_area_and_keeps_the_postcode():
    place = locate("31-001")
    assert place.kind == "postcode_area" and place.postcode == "31-001"
    assert place.voivodeship == "12" and place.voivodeship_name == "małopolskie"
    assert place.precision_km == 10.0  # inside Kraków itself
    assert locate("05-500").precision_km > place.precision_km  # around Warsaw
    assert locate("64-100").precision_km > locate("05-500").precision_km  # a wide district
    assert geo.postcode_area("31 001") == place


def test_every_town_and_voivodeship_is_found_by_its_names():
    places = data.load_places()
    for town in places["towns"]:
        for query in (town["name"], unaccent_pl(town["name"]).upper()):
            found = locate(query)
            assert found is not None and found.kind == "town", query
            assert (found.lat, found.lon) == (town["lat"], town["lon"])
    for item in places["voivodeships"]:
        for query in (item["name"], f"woj. {item['name']}", f"województwo {item['name']}"):
            assert locate(query).voivodeship == item["code"], query
    assert len(geo.voivodeships()) == 16
    assert geo.voivodeship("14").name == "mazowieckie"
    with pytest.raises(KeyError):
        geo.voivodeship("15")


def test_every_postcode_prefix_resolves():
    for prefix in range(100):
        place = locate(f"{prefix:02d}-123")
        assert place is not None and place.kind == "postcode_area"
        assert place.voivodeship in {v.voivodeship for v in geo.voivodeships()}


@pytest.mark.parametrize(
    "query",
    [None, 42, "", "   ", "Atlantis", "Lodz Kaliska", "12-3456", "x" * 101, "Warszawa\u0000"],
)
def test_nothing_found(query):
    assert locate(query) is None


@settings(max_examples=300)
@given(st.text(max_size=120))
def test_locate_never_raises(query):
    place = locate(query)
    assert place is None or isinstance(place, Place)


def test_lookups_never_touch_the_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("a place lookup tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    geo._index.cache_clear()
    assert locate("Kraków") is not None
    assert locate("00-950") is not None


# -- distance -----------------------------------------------------------------------------------


def test_haversine_against_geometry():
    quarter = math.pi * EARTH_RADIUS_KM / 2
    assert haversine_km((0, 0), (90, 0)) == pytest.approx(quarter)
    assert haversine_km((0, 0), (0, 180)) == pytest.approx(2 * quarter)
    assert haversine_km((0, -180), (0, 180)) == pytest.approx(0, abs=1e-9)
    assert haversine_km((52, 21), (53, 21)) == pytest.approx(111.2, abs=0.1)
    assert haversine_km((52.2, 21.0), (52.2, 21.0)) == 0


def test_haversine_between_places():
    warszawa, krakow, gdansk = locate("Warszawa"), locate("Kraków"), locate("Gdańsk")
    # Published straight-line distances: about 252 km and 284 km.
    assert haversine_km(warszawa, krakow) == pytest.approx(252, abs=5)
    assert haversine_km(warszawa, gdansk) == pytest.approx(284, abs=5)
    assert haversine_km(warszawa, krakow) == haversine_km(krakow.point, warszawa.point)


@pytest.mark.parametrize(
    "bad",
    [(91, 0), (0, 181), (math.nan, 0), (0, math.inf), ("north", 0)],
)
def test_haversine_rejects_impossible_points(bad):
    with pytest.raises(ValueError):
        haversine_km(bad, (0, 0))


@given(
    st.tuples(st.floats(-90, 90), st.floats(-180, 180)),
    st.tuples(st.floats(-90, 90), st.floats(-180, 180)),
)
def test_haversine_is_a_bounded_symmetric_distance(a, b):
    d = haversine_km(a, b)
    assert 0 <= d <= math.pi * EARTH_RADIUS_KM + 1e-6
    assert d == pytest.approx(haversine_km(b, a), abs=1e-9)
