"""Full-text search of the forum, over what the reader may see only.

The directory's approach and pieces (:mod:`ostoja.directory.search_text`,
:func:`ostoja.directory.query_words.stem`): what is typed is normalised (FTS operators,
quotes and invisible characters never survive), folded (case, Polish diacritics) and each
word cut to its stem and matched as a prefix, so "dzieci" finds "dzieciom" and "lodz" finds
"Łódź", in Polish and English alike. A post's document (the thread title for the first post,
and the post's plain text) is folded the same way in Python, so neither engine needs an
``unaccent`` extension or a Polish dictionary.

* **SQLite**: an FTS5 table ``forum_post_fts`` (``unicode61``), rowid = the post's id; the
  match is joined to the post row by rowid.
* **PostgreSQL**: ``Post.search_vector`` (``to_tsvector('simple', document)``, GIN index),
  ``to_tsquery('simple', ...)``.

Results come newest first, not by relevance. The directory ranks its 10,000 services by
``bm25``/``ts_rank``; a forum of 200,000 posts where a common word matches half of them cannot
rank every match within 100 ms on two cores (measured: ``bench/forum_bench.py``), while
newest-first lets both engines stop after one page. Every word must match, so adding a word
narrows the results.

Visibility is a filter on the post row itself: published, in a category the reader may see
(:func:`ostoja.forum.permissions.visible_category_ids`; the post carries its thread's
category), in a thread that is not hidden. Nothing here logs a query.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import F, Value
from django.db.models.expressions import RawSQL

from ostoja.core.text import plain_text
from ostoja.directory.query_words import stem
from ostoja.directory.search_text import (
    fts5_groups_expression,
    normalise_query,
    tsquery_groups_expression,
    unaccent_pl,
)

from . import permissions
from .models import Post, PostState

FTS_TABLE = "forum_post_fts"
POST_TABLE = "forum_post"
MAX_QUERY = 200
PAGE_SIZE = 20


def fold(text: str) -> str:
    return unaccent_pl(text).casefold()


def document_for(post: Post, *, title: str | None = None) -> str:
    """The folded text a post is found by (the first post also carries the thread's title)."""
    parts = []
    if title:
        parts.append(title)
    parts.append(plain_text(post.body))
    return fold(" ".join(parts))


def query_groups(text: str | None) -> list[list[tuple[str, ...]]]:
    """Every typed word must match (as a prefix of its stem)."""
    groups = []
    for term in normalise_query(text or "", max_len=MAX_QUERY):
        folded = stem(unaccent_pl(term))
        group = [(folded,)]
        if folded and group not in groups:
            groups.append(group)
    return groups


def index_posts(posts) -> None:
    """(Re)index posts after they were written or edited."""
    posts = list(posts)
    if not posts:
        return
    firsts = _first_post_titles([p.thread_id for p in posts])
    items = []
    for post in posts:
        first_pk, title = firsts.get(post.thread_id, (None, ""))
        items.append((post, document_for(post, title=title if first_pk == post.pk else None)))
    if connection.vendor == "postgresql":
        for post, document in items:
            Post.objects.filter(pk=post.pk).update(
                search_vector=SearchVector(Value(document), config="simple")
            )
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.executemany(
                f"DELETE FROM {FTS_TABLE} WHERE rowid = %s",  # noqa: S608 - constant
                [[p.pk] for p, _d in items],
            )
            cursor.executemany(
                f"INSERT INTO {FTS_TABLE} (rowid, body) VALUES (%s, %s)",  # noqa: S608
                [[p.pk, d] for p, d in items],
            )


def _first_post_titles(thread_ids) -> dict[int, tuple[int, str]]:
    from .models import Thread

    result = {}
    for thread in Thread.objects.filter(pk__in=set(thread_ids)).only("pk", "title"):
        first = thread.posts.order_by("created_at", "pk").values_list("pk", flat=True).first()
        result[thread.pk] = (first, thread.title)
    return result


def remove_posts(ids) -> None:
    ids = list(ids)
    if connection.vendor == "sqlite" and ids:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"DELETE FROM {FTS_TABLE} WHERE rowid = %s",  # noqa: S608
                [[i] for i in ids],
            )


@dataclass
class Results:
    query: str
    posts: list
    page: int
    has_next: bool


def visible_posts(user):
    """Published posts of visible, not hidden threads (the base of every search)."""
    return Post.objects.filter(
        state=PostState.PUBLISHED,
        category_id__in=permissions.visible_category_ids(user),
        thread__hidden=False,
    )


def search(user, text: str, *, page: int = 1, page_size: int = PAGE_SIZE) -> Results:
    """The page ``page`` of posts matching ``text`` that ``user`` may read."""
    groups = query_groups(text)
    page = max(1, min(page, 50))
    if not groups or not permissions.visible_category_ids(user):
        return Results(text, [], page, False)
    qs = visible_posts(user)
    if connection.vendor == "postgresql":
        query = SearchQuery(tsquery_groups_expression(groups), search_type="raw", config="simple")
        qs = qs.filter(search_vector=query)
        order = [F("pk").desc()]
    elif connection.vendor == "sqlite":
        # As the directory does: the FTS table drives the join through its index and hands
        # back bm25 ("rank") in one pass; the only input is a bound parameter.
        qs = qs.extra(  # noqa: S610
            tables=[FTS_TABLE],
            where=[f"{FTS_TABLE}.rowid = {POST_TABLE}.id", f"{FTS_TABLE} MATCH %s"],
            params=[fts5_groups_expression(groups)],
        )
        # Newest first, in the FTS index's own rowid order (rowid = post id): FTS5 walks
        # its doclist backwards and stops after a page, however many posts match.
        order = [RawSQL(f"{FTS_TABLE}.rowid", ()).desc()]  # noqa: S611 - constant SQL
    else:  # pragma: no cover - other databases: slow but correct
        for group in groups:
            qs = qs.filter(body__icontains=group[0][0])
        order = ["-pk"]
    start = (page - 1) * page_size
    rows = list(
        qs.order_by(*order)
        .select_related("thread", "author", "category")
        .defer("search_vector", "body")[start : start + page_size + 1]
    )
    return Results(text, rows[:page_size], page, len(rows) > page_size)
