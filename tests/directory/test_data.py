"""The directory's shipped data: taxonomy, national helplines, places."""

from __future__ import annotations

import re
import uuid

import pytest

from ostoja.directory import data
from ostoja.directory.geo import haversine_km
from ostoja.directory.hsds import paginated, validate_import, validate_object

EXPECTED_TERMS = {
    "audience": {
        "worried-about-thoughts",
        "viewed-abuse-material",
        "children-and-young-people",
        "adult-survivors",
        "parents-and-carers",
        "professionals",
    },
    "stage": {"never-offended", "viewed-abuse-material", "under-investigation", "convicted"},
    "modality": {"in-person", "phone", "chat", "email", "video", "online-self-help", "group"},
    "anonymity": {"anonymous", "confidential"},
    "cost": {"free", "paid", "nfz"},
    "evidence": {"evaluated", "being-evaluated", "not-evaluated"},
}


def labelled(value) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == {"pl", "en"}
        and all(isinstance(text, str) and text.strip() == text and text for text in value.values())
    )


# -- taxonomy -----------------------------------------------------------------------------------


def test_the_taxonomy_has_the_fields_facets_and_terms():
    assert [f["code"] for f in data.facets()] == list(EXPECTED_TERMS)
    for facet, expected in EXPECTED_TERMS.items():
        codes = {t["code"] for t in data.terms(facet)}
        assert codes == {f"{facet}.{c}" for c in expected}


def test_every_label_is_polish_and_english():
    taxonomy = data.load_taxonomy()
    assert labelled(taxonomy["taxonomy"]["name"])
    assert labelled(taxonomy["taxonomy"]["description"])
    for item in [*data.facets(), *data.terms()]:
        assert labelled(item["name"]), item["code"]
        assert labelled(item["description"]), item["code"]
    polish = " ".join(t["name"]["pl"] for t in data.terms())
    assert re.search("[ąćęłńóśźż]", polish)  # really Polish, not English twice


def test_taxonomy_ids_are_stable_uuid5_of_the_codes():
    taxonomy = data.load_taxonomy()
    namespace = uuid.UUID(taxonomy["id_namespace"])
    items = [taxonomy["taxonomy"], *data.facets(), *data.terms()]
    for item in items:
        assert item["id"] == str(uuid.uuid5(namespace, item["code"])), item["code"]
    assert len({i["id"] for i in items}) == len(items)
    assert len({i["code"] for i in items}) == len(items)
    # Pinned: a published id must never change.
    assert data.term("audience.parents-and-carers")["id"] == str(
        uuid.uuid5(namespace, "audience.parents-and-carers")
    )
    assert taxonomy["taxonomy"]["id"] == "819fda9b-d64c-595f-81b1-4e748def94bc"


def test_term_lookup():
    term = data.term("cost.nfz")
    assert term["facet"] == "cost"
    assert term["name"]["en"] == "Public health insurance (NFZ)"
    with pytest.raises(KeyError):
        data.term("cost.unknown")
    with pytest.raises(KeyError):
        data.terms("colour")


@pytest.mark.parametrize("language", ["pl", "en"])
def test_the_taxonomy_exports_as_valid_hsds(language):
    taxonomy = data.hsds_taxonomy(language)
    terms = data.hsds_taxonomy_terms(language)
    assert validate_object("taxonomy", taxonomy) == []
    for term in terms:
        assert validate_object("taxonomy_term", term) == []
        assert term["language"] == language
    top = [t for t in terms if "parent_id" not in t]
    assert [t["code"] for t in top] == list(EXPECTED_TERMS)
    assert len(terms) == len(top) + sum(map(len, EXPECTED_TERMS.values()))
    report = validate_import({"taxonomy": [taxonomy], "taxonomy_term": terms})
    assert report.ok and report.problems == []
    page = paginated(terms[:10], page=1, per_page=10, total=len(terms))
    assert validate_object("taxonomy_term_list", page) == []


def test_exports_differ_only_in_language():
    pl, en = data.hsds_taxonomy_terms("pl"), data.hsds_taxonomy_terms("en")
    assert [t["id"] for t in pl] == [t["id"] for t in en]
    assert pl[0]["name"] == "Dla kogo" and en[0]["name"] == "Who it is for"
    with pytest.raises(ValueError):
        data.hsds_taxonomy_terms("de")


# -- helplines ----------------------------------------------------------------------------------

EXPECTED_NUMBERS = {
    "112": "112",
    "116111": "116 111",
    "116123": "116 123",
    "800100100": "800 100 100",
    "800121212": "800 12 12 12",
    "800120002": "800 120 002",
    "800702222": "800 70 2222",
    "dyzurnet": None,
}


def test_the_national_helplines():
    helplines = data.load_helplines()
    assert {h["code"]: h["number"] for h in helplines} == EXPECTED_NUMBERS
    term_codes = {t["code"] for t in data.terms()}
    for h in helplines:
        assert h["real"] is True
        assert labelled(h["name"]) and labelled(h["description"]) and labelled(h["operator"])
        assert labelled({k: h["hours"][k] for k in ("pl", "en")})
        assert h["hours"]["always_open"] in (True, None)
        if h["number"] is not None:
            assert h["tel"] == h["number"].replace(" ", "") and h["tel"].isdigit()
            assert h["name"]["pl"].endswith(h["number"]) or h["code"] == "112"
        assert h["url"] is None or re.fullmatch(r"https://[a-z0-9.-]+\.(pl|gov\.pl)", h["url"])
        if h["hours"]["always_open"] is None:
            # "see the operator's website" must point somewhere.
            assert h["url"] is not None, h["code"]
        assert set(h["audience"]) <= term_codes and h["audience"]
        assert set(h["modalities"]) <= term_codes and h["modalities"]
        assert all(code.startswith("audience.") for code in h["audience"])
        assert all(code.startswith("modality.") for code in h["modalities"])
        assert h["free"] is True


def test_the_facts_we_are_sure_of():
    assert data.helpline("116111")["operator"]["pl"] == "Fundacja Dajemy Dzieciom Siłę"
    assert data.helpline("116111")["hours"]["always_open"] is True
    assert data.helpline("800100100")["operator"]["pl"] == "Fundacja Dajemy Dzieciom Siłę"
    assert data.helpline("800121212")["operator"]["pl"] == "Rzecznik Praw Dziecka"
    assert data.helpline("dyzurnet")["url"] == "https://dyzurnet.pl"
    assert "NASK" in data.helpline("dyzurnet")["operator"]["pl"]
    with pytest.raises(KeyError):
        data.helpline("997")


def test_the_crisis_banner_is_112_then_116_111():
    assert [h["number"] for h in data.crisis_banner_helplines()] == ["112", "116 111"]


def test_helpline_ids_are_stable():
    doc = data._read("helplines.json")
    namespace = uuid.UUID(doc["id_namespace"])
    for h in doc["helplines"]:
        assert h["id"] == str(uuid.uuid5(namespace, h["code"]))


# -- places -------------------------------------------------------------------------------------

POLAND = {"lat": (49.0, 54.9), "lon": (14.1, 24.2)}


def test_voivodeships():
    voivodeships = data.load_places()["voivodeships"]
    assert [v["code"] for v in voivodeships] == [f"{n:02d}" for n in range(2, 33, 2)]
    assert len({v["name"] for v in voivodeships}) == 16
    assert "mazowieckie" in {v["name"] for v in voivodeships}
    assert all(v["name_en"] for v in voivodeships)


def test_towns():
    places = data.load_places()
    towns = places["towns"]
    capitals = {v["code"]: v["capital"] for v in places["voivodeships"]}
    by_id = {t["id"]: t for t in towns}
    assert len(towns) >= 150 and len(by_id) == len(towns)
    assert len({t["name"] for t in towns}) == len(towns)
    for town in towns:
        assert POLAND["lat"][0] < town["lat"] < POLAND["lat"][1], town["name"]
        assert POLAND["lon"][0] < town["lon"] < POLAND["lon"][1], town["name"]
        capital = by_id[capitals[town["voivodeship"]]]
        # Catches a swapped coordinate or a town filed under the wrong voivodeship.
        assert haversine_km((town["lat"], town["lon"]), (capital["lat"], capital["lon"])) < 200, (
            town["name"]
        )
    for code, capital in capitals.items():
        assert by_id[capital]["voivodeship"] == code
        assert sum(t["voivodeship"] == code for t in towns) >= 8


def test_postcode_areas_cover_00_to_99():
    places = data.load_places()
    areas = places["postcode_areas"]
    towns = {t["id"]: t for t in places["towns"]}
    assert [a["prefix"] for a in areas] == [f"{n:02d}" for n in range(100)]
    # The first digit is the postal district, each around one big city.
    district_city = {
        "0": "warszawa", "1": "olsztyn", "2": "lublin", "3": "krakow", "4": "katowice",
        "5": "wroclaw", "6": "poznan", "7": "szczecin", "8": "gdansk", "9": "lodz",
    }  # fmt: skip
    for area in areas:
        assert area["area"] in ("city", "ring", "district")
        town, city = towns[area["town"]], towns[district_city[area["prefix"][0]]]
        assert haversine_km((town["lat"], town["lon"]), (city["lat"], city["lon"])) < 300
        if area["area"] in ("city", "ring"):
            assert town["voivodeship"] in {v["code"] for v in places["voivodeships"]}
    assert {a["prefix"] for a in areas if a["town"] == "warszawa"} == {
        "00",
        "01",
        "02",
        "03",
        "04",
        "05",
    }


def test_loaders_return_fresh_copies():
    data.load_places()["towns"].clear()
    data.load_taxonomy()["facets"][0]["terms"].clear()
    data.load_helplines()[0]["number"] = "000"
    assert len(data.load_places()["towns"]) >= 150
    assert data.terms("audience")
    assert data.load_helplines()[0]["number"] == "112"
