"""The catalogue of Pact measures as shipped data (Django-free): loading and checking.

The catalogue is versioned: ``data/catalogue.json`` carries its version, and every measure a
stable code. Loading a new version adds new measures and updates texts; a measure that is no
longer listed is retired (kept for old answers), never deleted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "catalogue.json"
PILLARS = ("prevention", "protection", "prosecution", "participation", "governance")
LANGS = ("pl", "en")


class CatalogueError(ValueError):
    pass


@dataclass(frozen=True)
class MeasureData:
    code: str
    pillar: str
    order: int
    title: dict
    description: dict
    good_practice: dict
    lanzarote: tuple[str, ...]
    legal_duties: tuple[dict, ...]
    source: str


def _texts(entry: dict, key: str, code: str, *, required: bool = True) -> dict:
    value = entry.get(key) or {}
    if not isinstance(value, dict):
        raise CatalogueError(f"{code}: {key} must be an object with pl and en")
    if required and not all(isinstance(value.get(lang), str) and value[lang] for lang in LANGS):
        raise CatalogueError(f"{code}: {key} needs pl and en")
    return {lang: str(value.get(lang, "")) for lang in LANGS}


def parse(data: dict) -> tuple[int, list[MeasureData]]:
    version = data.get("version")
    if not isinstance(version, int) or version < 1:
        raise CatalogueError("version must be a positive integer")
    measures, seen = [], set()
    for order, entry in enumerate(data.get("measures") or [], start=1):
        code = str(entry.get("code", "")).strip()
        if not code or code in seen:
            raise CatalogueError(f"measure {order}: missing or repeated code {code!r}")
        seen.add(code)
        if entry.get("pillar") not in PILLARS:
            raise CatalogueError(f"{code}: unknown pillar {entry.get('pillar')!r}")
        articles = tuple(str(a) for a in entry.get("lanzarote") or [])
        if not all(a.isdigit() and 1 <= int(a) <= 50 for a in articles):
            raise CatalogueError(f"{code}: Lanzarote articles are numbers 1-50")
        duties = tuple(_texts({"d": d}, "d", code) for d in entry.get("legal_duties") or [])
        if not entry.get("source"):
            raise CatalogueError(f"{code}: every measure names its source")
        measures.append(
            MeasureData(
                code=code,
                pillar=entry["pillar"],
                order=order,
                title=_texts(entry, "title", code),
                description=_texts(entry, "description", code),
                good_practice=_texts(entry, "good_practice", code, required=False),
                lanzarote=articles,
                legal_duties=duties,
                source=str(entry["source"]),
            )
        )
    if not measures:
        raise CatalogueError("the catalogue has no measures")
    return version, measures


def load(path: Path = DATA_FILE) -> tuple[int, list[MeasureData]]:
    with open(path, encoding="utf-8") as handle:
        return parse(json.load(handle))
