"""The field's taxonomy in the database: loaded from ``data/taxonomy.json``, looked up by code.

The shipped file is the source of truth for our taxonomy (ids are fixed UUIDs, so loading it
twice, or on another server, gives the same rows). :func:`sync_taxonomy` is idempotent and
cheap when nothing changed; every write path that attaches terms calls it first, and a data
migration runs it on a new database.
"""

from __future__ import annotations

import uuid
from functools import cache

from ostoja.directory import data

#: Facets a help-seeker filters by, in the order of the search form.
FILTER_FACETS = ("audience", "stage", "modality", "anonymity", "cost", "evidence")


@cache
def taxonomy_id() -> uuid.UUID:
    return uuid.UUID(data.load_taxonomy()["taxonomy"]["id"])


@cache
def _codes() -> dict[str, dict]:
    return {t["code"]: t for t in data.terms()}


def facet_of(code: str) -> str:
    return code.split(".", 1)[0]


def known_term_codes() -> set[str]:
    return set(_codes())


def term_label(code: str, language: str) -> str:
    term = _codes().get(code)
    if term is None:
        return code
    return term["name"].get(language) or term["name"]["pl"]


def term_id(code: str) -> uuid.UUID:
    """The fixed UUID of one of our terms (``KeyError`` if unknown)."""
    return uuid.UUID(_codes()[code]["id"])


def facet_id(facet: str) -> uuid.UUID:
    for item in data.facets():
        if item["code"] == facet:
            return uuid.UUID(item["id"])
    raise KeyError(facet)


def sync_taxonomy(taxonomy_model=None, term_model=None) -> int:
    """Create or update our taxonomy and its terms; returns the number of rows written.

    The models can be passed in (historical models in a data migration).
    """
    if taxonomy_model is None or term_model is None:
        from .models import Taxonomy, TaxonomyTerm

        taxonomy_model, term_model = Taxonomy, TaxonomyTerm
    source = data.load_taxonomy()
    info = source["taxonomy"]
    written = 0
    taxonomy, created = taxonomy_model.objects.get_or_create(
        id=uuid.UUID(info["id"]),
        defaults={
            "code": info["code"],
            "name": info["name"],
            "description": info["description"],
            "version": info["version"],
        },
    )
    if not created and (
        taxonomy.name != info["name"]
        or taxonomy.description != info["description"]
        or taxonomy.version != info["version"]
        or taxonomy.code != info["code"]
    ):
        taxonomy.name, taxonomy.description = info["name"], info["description"]
        taxonomy.version, taxonomy.code = info["version"], info["code"]
        taxonomy.save()
        written += 1
    written += int(created)

    existing = {
        row.id: row for row in term_model.objects.filter(taxonomy_id=taxonomy.id).order_by()
    }
    position = 0
    for facet in source["facets"]:
        facet_uuid = uuid.UUID(facet["id"])
        written += _upsert_term(
            term_model, existing, facet_uuid, taxonomy.id, None, facet, position
        )
        position += 1
        for item in facet["terms"]:
            written += _upsert_term(
                term_model, existing, uuid.UUID(item["id"]), taxonomy.id, facet_uuid, item, position
            )
            position += 1
    written += _assign_bits(term_model, taxonomy.id)
    if written:
        clear_term_caches()
    return written


#: Search filters keep a service's terms as bits of a 64-bit integer (see search.py).
MAX_BITS = 63


def _assign_bits(term_model, taxonomy_uuid) -> int:
    """Give each of our (non-facet) terms a bit, once: a bit is never moved or reused, so
    adding a term to the file never changes what existing bits mean."""
    terms = list(
        term_model.objects.filter(taxonomy_id=taxonomy_uuid, parent__isnull=False).order_by(
            "position"
        )
    )
    used = {t.bit for t in terms if t.bit is not None}
    free = (b for b in range(MAX_BITS) if b not in used)
    written = 0
    for term in terms:
        if term.bit is None:
            bit = next(free, None)
            if bit is None:
                raise ValueError("the taxonomy has more terms than search bits")
            term.bit = bit
            term.save(update_fields=["bit"])
            written += 1
    return written


def term_bits() -> dict[str, int]:
    """Our terms' bits by code (cached per process for a few minutes)."""
    import time

    from .models import TaxonomyTerm

    now = time.monotonic()
    if _BITS.get("_expires", 0) < now or len(_BITS) <= 1:
        _BITS.clear()
        _BITS.update(
            TaxonomyTerm.objects.filter(taxonomy_id=taxonomy_id(), bit__isnull=False).values_list(
                "code", "bit"
            )
        )
        _BITS["_expires"] = now + 300
    return {k: v for k, v in _BITS.items() if k != "_expires"}


_BITS: dict = {}


def _upsert_term(term_model, existing, term_uuid, taxonomy_uuid, parent_uuid, item, position):
    wanted = {
        "taxonomy_id": taxonomy_uuid,
        "parent_id": parent_uuid,
        "code": item["code"],
        "name": item["name"],
        "description": item["description"],
        "position": position,
    }
    row = existing.get(term_uuid)
    if row is None:
        term_model.objects.create(id=term_uuid, **wanted)
        return 1
    if any(getattr(row, key) != value for key, value in wanted.items()):
        for key, value in wanted.items():
            setattr(row, key, value)
        row.save()
        return 1
    return 0


def ensure_taxonomy() -> None:
    """Load the taxonomy if this database does not have it yet (one cheap query otherwise)."""
    from .models import TaxonomyTerm

    expected = len(_codes()) + len(data.facets())
    rows = TaxonomyTerm.objects.filter(taxonomy_id=taxonomy_id())
    if rows.count() != expected or rows.filter(parent__isnull=False, bit__isnull=True).exists():
        sync_taxonomy()
        clear_term_caches()


_TERMS: dict = {}
_CACHE_SECONDS = 300.0


def clear_term_caches() -> None:
    _BITS.clear()
    _TERMS.clear()


def terms_by_id(term_ids) -> dict:
    """Taxonomy terms by id, cached per process for a few minutes (a few dozen terms that
    change only with a new taxonomy file or an import)."""
    import time

    from .models import TaxonomyTerm

    now = time.monotonic()
    if _TERMS.get("_expires", 0.0) < now:
        _TERMS.clear()
        _TERMS["_expires"] = now + _CACHE_SECONDS
    missing = [i for i in set(term_ids) if i not in _TERMS]
    if missing:
        for term in TaxonomyTerm.objects.filter(pk__in=missing):
            _TERMS[term.pk] = term
    return _TERMS
