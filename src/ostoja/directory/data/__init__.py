"""Reference data of the services directory, shipped as JSON files, with loaders.

* ``taxonomy.json`` -- the field's taxonomy: six facets (audience, stage, modality, anonymity,
  cost, evidence), each with terms labelled in Polish and English and stable UUIDs
  (``uuid5(id_namespace, code)``, hard-coded in the file). Exportable as one HSDS 3.0 taxonomy:
  facets are top-level ``taxonomy_term``\\ s, their values child terms.
* ``helplines.json`` -- the real Polish national helplines (``"real": true``) with the crisis
  banner's numbers marked (``crisis_banner``, ``banner_order``).
* ``places.json`` -- voivodeships, towns and two-digit postcode areas with approximate
  coordinates, used by :mod:`ostoja.directory.geo`.

Every loader returns fresh plain dicts and lists (callers may modify them); the files are read
once per process.
"""

from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from typing import Any

__all__ = [
    "LANGUAGES",
    "crisis_banner_helplines",
    "facets",
    "helpline",
    "hsds_taxonomy",
    "hsds_taxonomy_terms",
    "load_helplines",
    "load_places",
    "load_taxonomy",
    "term",
    "terms",
]

#: Languages every label is given in; Polish first (the default language).
LANGUAGES = ("pl", "en")


@functools.cache
def _read(name: str) -> Any:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return json.loads(text)


def _fresh(name: str) -> Any:
    return copy.deepcopy(_read(name))


def _check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    return language


# -- taxonomy ---------------------------------------------------------------------------------


def load_taxonomy() -> dict[str, Any]:
    """The whole ``taxonomy.json``: ``{"id_namespace", "taxonomy", "facets": [...]}``."""
    return _fresh("taxonomy.json")


def facets() -> list[dict[str, Any]]:
    """The facets, each ``{"code", "id", "name": {pl, en}, "description": {pl, en}, "terms"}``."""
    return load_taxonomy()["facets"]


def terms(facet: str | None = None) -> list[dict[str, Any]]:
    """The terms (not the facets), each with its ``facet`` code added; optionally of one facet.

    Raises ``KeyError`` for an unknown facet.
    """
    found = facets()
    if facet is not None:
        found = [f for f in found if f["code"] == facet]
        if not found:
            raise KeyError(facet)
    return [{**t, "facet": f["code"]} for f in found for t in f["terms"]]


def term(code: str) -> dict[str, Any]:
    """One term by its code (``"audience.parents-and-carers"``); ``KeyError`` if unknown."""
    for candidate in terms():
        if candidate["code"] == code:
            return candidate
    raise KeyError(code)


def hsds_taxonomy(language: str = "pl") -> dict[str, Any]:
    """The taxonomy as an HSDS 3.0 ``taxonomy`` object, labelled in ``language``."""
    _check_language(language)
    taxonomy = load_taxonomy()["taxonomy"]
    return {
        "id": taxonomy["id"],
        "name": taxonomy["name"][language],
        "description": taxonomy["description"][language],
        "version": taxonomy["version"],
    }


def hsds_taxonomy_terms(language: str = "pl") -> list[dict[str, Any]]:
    """Facets and terms as HSDS 3.0 ``taxonomy_term`` objects, labelled in ``language``.

    Facets come first as top-level terms (no ``parent_id``), each followed by its terms.
    """
    _check_language(language)
    taxonomy = load_taxonomy()["taxonomy"]
    exported: list[dict[str, Any]] = []

    def as_term(item: dict[str, Any], parent_id: str | None) -> dict[str, Any]:
        hsds: dict[str, Any] = {
            "id": item["id"],
            "code": item["code"],
            "name": item["name"][language],
            "description": item["description"][language],
            "taxonomy": taxonomy["name"][language],
            "taxonomy_id": taxonomy["id"],
            "language": language,
        }
        if parent_id is not None:
            hsds["parent_id"] = parent_id
        return hsds

    for facet in facets():
        exported.append(as_term(facet, None))
        exported.extend(as_term(t, facet["id"]) for t in facet["terms"])
    return exported


# -- helplines --------------------------------------------------------------------------------


def load_helplines() -> list[dict[str, Any]]:
    """The national helplines, in the file's order (see ``helplines.json`` for the fields)."""
    return _fresh("helplines.json")["helplines"]


def helpline(code: str) -> dict[str, Any]:
    """One helpline by code (``"116111"``, ``"dyzurnet"``); ``KeyError`` if unknown."""
    for candidate in load_helplines():
        if candidate["code"] == code:
            return candidate
    raise KeyError(code)


def crisis_banner_helplines() -> list[dict[str, Any]]:
    """The helplines shown in the crisis banner on every public page, in display order."""
    marked = [h for h in load_helplines() if h["crisis_banner"]]
    return sorted(marked, key=lambda h: h["banner_order"])


# -- places -----------------------------------------------------------------------------------


def load_places() -> dict[str, Any]:
    """``places.json``: ``{"voivodeships": [...], "towns": [...], "postcode_areas": [...]}``."""
    return _fresh("places.json")
