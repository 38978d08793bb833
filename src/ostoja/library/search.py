"""Full-text search of the library, the directory's way (one interface, a backend per database).

The query text is read with the directory's pieces -- :func:`ostoja.directory.search_text.
normalise_query` (FTS operators, quotes and invisible characters never survive),
:func:`~ostoja.directory.search_text.unaccent_pl` and :func:`~ostoja.directory.query_words.stem`
(Polish inflection: long words are matched by a shortened prefix) -- and turned into the same
MATCH / ``to_tsquery`` expressions (``fts5_groups_expression`` / ``tsquery_groups_expression``).
The directory's synonym lists are not applied: they are about seeking help, not documents.

What a material is found by (:func:`document_for`): its metadata (the title weighted by
repetition), and the *distinct* words of its current version's extracted text, folded (case,
Polish diacritics). Distinct words are enough for a boolean prefix search and keep a 300-page
report's index entry to its vocabulary (a few thousand words), not its 600,000 characters.

* PostgreSQL: ``Material.search_vector`` (``to_tsvector('simple', document)``, GIN index);
  ordered by the title's relevance computed on the title alone (``ts_rank`` over full-text
  vectors of whole books would read every matching book).
* SQLite: the FTS5 table ``library_material_fts`` (columns ``meta`` and ``body``, rowid =
  material id); materials whose metadata has a word of the query come first, then the newest
  (``bm25`` over whole books was measured too slow: it reads every match's position lists).

Nothing here logs a query.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Q, QuerySet, Value
from django.db.models.expressions import RawSQL

from ostoja.core.text import plain_text
from ostoja.directory.query_words import stem
from ostoja.directory.search_text import (
    fts5_groups_expression,
    normalise_query,
    tsquery_groups_expression,
    unaccent_pl,
)

from .models import Access, Material

FTS_TABLE = "library_material_fts"
#: The extracted text contributes at most this many distinct words to the index.
MAX_INDEX_WORDS = 60_000
MAX_QUERY = 200


def fold(text: str) -> str:
    return unaccent_pl(text).casefold()


def text_words(text: str, limit: int = MAX_INDEX_WORDS) -> str:
    """The distinct folded words (two letters or more) of a text, in first-seen order."""
    seen: dict[str, None] = {}
    for word in fold(text).split():
        word = "".join(c for c in word if c.isalnum())
        if len(word) >= 2 and word not in seen:
            seen[word] = None
            if len(seen) >= limit:
                break
    return " ".join(seen)


def meta_for(material: Material) -> str:
    publisher = material.publisher.name if material.publisher_id else ""
    parts = [
        material.title,
        material.title,
        material.title,
        material.authors,
        publisher,
        material.topic,
        str(material.year or ""),
        plain_text(material.description),
    ]
    issue = getattr(material, "journal_issue", None) if material.pk else None
    if issue is not None:
        parts.append(issue.contents)
    return fold(" ".join(p for p in parts if p))


def document_for(material: Material, text: str | None = None) -> tuple[str, str]:
    """``(metadata, body)`` to index; ``text``: the extracted text (default: current version)."""
    if text is None:
        version = material.versions.filter(is_current=True).only("text").first()
        text = version.text if version else ""
    return meta_for(material), text_words(text)


def query_groups(text: str | None) -> list:
    groups = []
    for term in normalise_query(text or "", max_len=MAX_QUERY):
        folded = stem(fold(term))
        if folded and [(folded,)] not in groups:
            groups.append([(folded,)])
    return groups


# --- backends ------------------------------------------------------------------------------


def _index_sqlite(items) -> None:
    with connection.cursor() as cursor:
        for pk, meta, body in items:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [pk])  # noqa: S608
            cursor.execute(
                f"INSERT INTO {FTS_TABLE} (rowid, meta, body) VALUES (%s, %s, %s)",  # noqa: S608
                [pk, meta, body],
            )


def _index_postgres(items) -> None:
    for pk, meta, body in items:
        Material.objects.filter(pk=pk).update(
            search_vector=SearchVector(Value(meta), config="simple")
            + SearchVector(Value(body), config="simple"),
            meta_vector=SearchVector(Value(meta), config="simple"),
        )


def index_materials(materials, texts: dict | None = None) -> None:
    """(Re)index these materials; ``texts``: {material id: extracted text} if already read."""
    items = []
    for material in materials:
        meta, body = document_for(material, (texts or {}).get(material.pk))
        items.append((material.pk, meta, body))
    if connection.vendor == "sqlite":
        _index_sqlite(items)
    elif connection.vendor == "postgresql":
        _index_postgres(items)


def index_raw(items) -> None:
    """Index ``(id, metadata, body)`` triples directly (the benchmark's bulk load)."""
    if connection.vendor == "sqlite":
        _index_sqlite(items)
    elif connection.vendor == "postgresql":
        _index_postgres(items)


def remove(pk: int) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [pk])  # noqa: S608


# --- searching -----------------------------------------------------------------------------


@dataclass
class Filters:
    text: str = ""
    kind: str = ""
    language: str = ""
    audience: str = ""
    year: int | None = None
    access: str = ""
    publisher: int | None = None
    #: The exact topic, ignoring case and Polish diacritics.
    topic: str = ""


def visible(members: bool) -> QuerySet:
    qs = Material.objects.all()
    return qs if members else qs.filter(access=Access.PUBLIC)


def _postgres_matches(groups) -> list[int]:
    """The ids of the materials whose search vector matches, from the GIN index.

    Not a ``search_vector @@ query`` filter in the listing's own query: for a word most books
    contain, PostgreSQL's planner then prefers a sequential scan and de-TOASTs every book's
    vector (20,000 books: 1.4-1.6 s a query); with a kind filter it picks that column's
    index and de-TOASTs the books of that kind (0.3 s). The function of migration 0003 looks
    the words up with sequential scans disabled for that one statement (5-8 ms for 20,000
    matches); the listing then filters, counts, ranks and pages by id (a hashed ``= ANY``)."""
    expression = tsquery_groups_expression(groups)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT library_matching_ids(to_tsquery('simple', %s))",
            [expression],
        )
        return [row[0] for row in cursor.fetchall()]


def search(filters: Filters, *, members: bool) -> QuerySet:
    """Materials matching the filters that the reader may see, most relevant first."""
    qs = visible(members)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.language:
        qs = qs.filter(language=filters.language)
    if filters.audience:
        qs = qs.filter(audience=filters.audience)
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.access and members:
        qs = qs.filter(access=filters.access)
    if filters.publisher:
        qs = qs.filter(publisher_id=filters.publisher)
    if filters.topic:
        # Topics are few: compared folded in Python, so that case and Polish diacritics fold
        # alike on SQLite (whose LIKE folds ASCII only) and PostgreSQL.
        wanted = fold(filters.topic.strip())
        topics = Material.objects.order_by().values_list("topic", flat=True).distinct()
        qs = qs.filter(topic__in=[t for t in topics if fold(t) == wanted])
    groups = query_groups(filters.text)
    if not groups:
        return qs.order_by("-year", "title", "pk")
    if connection.vendor == "postgresql":
        # Matched on the whole vector, through the GIN index only (``_postgres_matches``);
        # ranked on the metadata alone (small, and what a reader means: a title naming the
        # words before a book mentioning them).
        any_word = SearchQuery(
            tsquery_groups_expression([[a for g in groups for a in g]]),
            search_type="raw",
            config="simple",
        )
        return (
            qs.extra(  # noqa: S610 - constant SQL, the ids are one bound array parameter
                where=["library_material.id = ANY(%s::bigint[])"],
                params=[_postgres_matches(groups)],
            )
            .annotate(rank=SearchRank(F("meta_vector"), any_word))
            .order_by("-rank", "-year", "pk")
        )
    if connection.vendor == "sqlite":
        expression = fts5_groups_expression(groups)
        any_word = fts5_groups_expression([[a for g in groups for a in g]])
        qs = qs.extra(  # noqa: S610 - constant SQL, the MATCH expression is a bound parameter
            tables=[FTS_TABLE],
            where=[f"{FTS_TABLE}.rowid = library_material.id", f"{FTS_TABLE} MATCH %s"],
            params=[expression],
        )
        # Relevance without bm25 over whole books (it reads every matching book's position
        # lists): materials whose metadata has a word of the query first (one FTS lookup on
        # the small column, evaluated once), then the newest.
        in_meta = RawSQL(  # noqa: S611 - the query text is a bound parameter
            f"library_material.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)",  # noqa: S608
            [f"meta : ({any_word})"],
        )
        return qs.order_by(in_meta.desc(), "-year", "pk")
    condition = Q()
    for group in groups:
        condition &= Q(title__icontains=group[0][0]) | Q(versions__text__icontains=group[0][0])
    return qs.filter(condition).distinct()
