"""Offline, coarse place lookup for the directory: town, postcode or voivodeship -> a point.

Privacy first: everything here runs on the data shipped in ``data/places.json``. No address,
postcode or town a help-seeker types is ever sent to a geocoding service or anywhere else, and
nothing is logged. The price is precision: a town resolves to its centre, a postcode to the
main town of its two-digit postal area, a voivodeship to its capital. :attr:`Place.precision_km`
says roughly how far off the point may be, so the interface can say "about 40 km" honestly.

Data (see ``places.json``): the 16 voivodeships with their TERYT codes, ~240 towns (every
voivodeship capital and the larger towns) with approximate coordinates, and the 100 two-digit
postcode prefixes ``00``-``99``, each represented by the main town of its postal area. Postal
areas do not follow voivodeship borders; a prefix's voivodeship is its representative town's.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ostoja.directory.data import load_places
from ostoja.directory.search_text import unaccent_pl

__all__ = [
    "EARTH_RADIUS_KM",
    "Place",
    "haversine_km",
    "locate",
    "parse_postcode",
    "postcode_area",
    "voivodeship",
    "voivodeships",
]

#: Mean Earth radius (IUGG), in km.
EARTH_RADIUS_KM = 6371.0088

# Rough radius of what a point stands for, by kind of place.
_PRECISION_KM = {"town": 5.0, "voivodeship": 100.0}
# ... and for postcode areas, by the kind of area ("city": the city itself, "ring": the area
# around it, "district": a wider postal district represented by its main town).
_AREA_PRECISION_KM = {"city": 10.0, "ring": 30.0, "district": 50.0}


@dataclass(frozen=True, slots=True)
class Place:
    """A point with what it stands for.

    ``kind`` is ``"town"``, ``"postcode_area"`` or ``"voivodeship"``; ``name`` is Polish (for a
    postcode area, the representative town's name); ``voivodeship`` is the two-digit TERYT code.
    """

    kind: str
    name: str
    lat: float
    lon: float
    voivodeship: str
    voivodeship_name: str
    precision_km: float
    name_en: str | None = None
    postcode: str | None = None  # the postcode that was looked up, canonical "00-950"

    @property
    def point(self) -> tuple[float, float]:
        return (self.lat, self.lon)


# -- postcodes --------------------------------------------------------------------------------

# After NFKC, "00-950", "00950" or "00 950"; dash look-alikes count as the hyphen.
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d"), "-")
_POSTCODE = re.compile(r"([0-9]{2})[- ]?([0-9]{3})")
_POSTCODE_AT_START = re.compile(r"([0-9]{2})[- ]?([0-9]{3})(?![0-9])")


def parse_postcode(text: str) -> str:
    """Canonical Polish postcode ``"00-950"`` from ``"00-950"``, ``"00950"`` or ``"00 950"``.

    Surrounding whitespace is ignored; anything else raises ``ValueError`` (``TypeError`` for
    a non-string).
    """
    if not isinstance(text, str):
        raise TypeError(f"postcode must be a string, not {type(text).__name__}")
    match = None
    if len(text) <= 32:  # no need to normalise an essay to learn it is not a postcode
        candidate = unicodedata.normalize("NFKC", text).translate(_DASHES).strip()
        match = _POSTCODE.fullmatch(candidate)
    if match is None:
        raise ValueError("not a Polish postcode (expected e.g. 00-950)")
    return f"{match.group(1)}-{match.group(2)}"


# -- the index --------------------------------------------------------------------------------


def _key(text: str) -> str:
    """Match key: NFKC, no diacritics, case-folded, hyphens and runs of spaces as one space."""
    text = unicodedata.normalize("NFKC", text)
    text = unaccent_pl(text).casefold()
    text = re.sub(r"[\s\-\u2010-\u2015.,]+", " ", text)
    return text.strip()


@dataclass(frozen=True, slots=True)
class _Index:
    towns: dict[str, Place]
    voivodeships: dict[str, Place]  # by match key
    by_code: dict[str, Place]  # voivodeship by TERYT code
    postcode_areas: dict[str, Place]  # by two-digit prefix


@functools.cache
def _index() -> _Index:
    data: dict[str, Any] = load_places()
    names = {v["code"]: v["name"] for v in data["voivodeships"]}
    towns_by_id: dict[str, dict[str, Any]] = {t["id"]: t for t in data["towns"]}

    towns: dict[str, Place] = {}
    for town in data["towns"]:
        place = Place(
            kind="town",
            name=town["name"],
            lat=town["lat"],
            lon=town["lon"],
            voivodeship=town["voivodeship"],
            voivodeship_name=names[town["voivodeship"]],
            precision_km=_PRECISION_KM["town"],
        )
        for label in (town["name"], *town.get("aliases", [])):
            towns.setdefault(_key(label), place)

    voivodeships: dict[str, Place] = {}
    by_code: dict[str, Place] = {}
    for item in data["voivodeships"]:
        capital = towns_by_id[item["capital"]]
        place = Place(
            kind="voivodeship",
            name=item["name"],
            name_en=item["name_en"],
            lat=capital["lat"],
            lon=capital["lon"],
            voivodeship=item["code"],
            voivodeship_name=item["name"],
            precision_km=_PRECISION_KM["voivodeship"],
        )
        by_code[item["code"]] = place
        for label in (item["name"], item["name_en"], *item.get("aliases", [])):
            key = _key(label)
            voivodeships.setdefault(key, place)
            voivodeships.setdefault(f"wojewodztwo {key}", place)
            voivodeships.setdefault(f"woj {key}", place)
            voivodeships.setdefault(f"{key} voivodeship", place)

    areas: dict[str, Place] = {}
    for area in data["postcode_areas"]:
        town = towns_by_id[area["town"]]
        areas[area["prefix"]] = Place(
            kind="postcode_area",
            name=town["name"],
            lat=town["lat"],
            lon=town["lon"],
            voivodeship=town["voivodeship"],
            voivodeship_name=names[town["voivodeship"]],
            precision_km=_AREA_PRECISION_KM[area["area"]],
        )
    return _Index(towns=towns, voivodeships=voivodeships, by_code=by_code, postcode_areas=areas)


def postcode_area(postcode: str) -> Place:
    """The approximate place of a postcode (its two-digit area); ``ValueError`` if malformed."""
    canonical = parse_postcode(postcode)
    area = _index().postcode_areas[canonical[:2]]
    return _with_postcode(area, canonical)


def _with_postcode(area: Place, canonical: str) -> Place:
    return Place(
        kind=area.kind,
        name=area.name,
        lat=area.lat,
        lon=area.lon,
        voivodeship=area.voivodeship,
        voivodeship_name=area.voivodeship_name,
        precision_km=area.precision_km,
        postcode=canonical,
    )


def voivodeship(code: str) -> Place:
    """A voivodeship by TERYT code (``"14"``); ``KeyError`` if unknown."""
    return _index().by_code[code]


def voivodeships() -> list[Place]:
    """The 16 voivodeships, by TERYT code."""
    return [p for _, p in sorted(_index().by_code.items())]


_MAX_QUERY = 100


def locate(query: str | None) -> Place | None:
    """Resolve what someone typed -- a town, a postcode, or a voivodeship -- to a coarse place.

    Case and Polish diacritics do not matter (``"LODZ"`` finds Łódź); a postcode may be
    followed by a town (``"00-950 Warszawa"``); a voivodeship may be written as
    ``"mazowieckie"``, ``"woj. mazowieckie"``, ``"województwo mazowieckie"`` or in English
    (``"Masovian"``). Towns win over voivodeships with the same English name (``"Lublin"``).
    Returns ``None`` when nothing matches; never raises for string input. Offline: the query
    goes nowhere.
    """
    if not isinstance(query, str):
        return None
    text = unicodedata.normalize("NFKC", query[: _MAX_QUERY * 2]).translate(_DASHES).strip()
    if not text or len(text) > _MAX_QUERY:
        return None
    index = _index()
    match = _POSTCODE_AT_START.match(text)
    if match is not None:
        canonical = f"{match.group(1)}-{match.group(2)}"
        return _with_postcode(index.postcode_areas[canonical[:2]], canonical)
    key = _key(text)
    return index.towns.get(key) or index.voivodeships.get(key)


# -- distance ---------------------------------------------------------------------------------


def _coordinates(point: Place | Sequence[float]) -> tuple[float, float]:
    if isinstance(point, Place):
        lat, lon = point.lat, point.lon
    else:
        lat, lon = point
    lat, lon = float(lat), float(lon)
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise ValueError("coordinates must be finite")
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise ValueError(f"not a latitude/longitude pair: {lat}, {lon}")
    return lat, lon


def haversine_km(a: Place | Sequence[float], b: Place | Sequence[float]) -> float:
    """Great-circle distance in km between two places or ``(lat, lon)`` pairs (degrees)."""
    lat1, lon1 = _coordinates(a)
    lat2, lon2 = _coordinates(b)
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
