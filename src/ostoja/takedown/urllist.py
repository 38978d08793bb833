"""The URL block list feed (like the IWF URL List) for ISPs and platforms.

* **Full** (no ``since``): every entry still listed — confirmed illegal by an analyst and not
  (yet) confirmed removed — ordered by id.
* **Delta** (``since=<ISO 8601 time with offset>``): every entry *changed* after ``since``,
  added or removed, ordered by change time. A removed entry carries ``removed_at``: delete it
  from your copy. An entry leaves the list in the first delta after the removal is confirmed.
* **Polling**: pass the ``next_since`` of the previous answer. It lags the answer's
  ``generated_at`` by ``OSTOJA_URLLIST_OVERLAP_SECONDS`` (60 s), so a change committed by a
  transaction that started before the query but finished after it is not missed; the price
  is that an entry may arrive twice — apply entries by ``id`` (upsert), which is idempotent.

On PostgreSQL the entries' JSON is built by the database in one ``string_agg`` (100,000
entries never become Python objects); elsewhere from ``values_list`` through
``pydantic_core``. Both produce the same fields and formats (times in UTC with microseconds
and ``Z``). See ``bench/results/takedown.md`` for the measured times.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pydantic_core
from django.db import connection
from django.utils import timezone

from . import conf
from .models import UrlListEntry

MAX_SINCE_LENGTH = 64
FIELDS = ("id", "url", "sha256", "added_at", "removed_at")


class BadSince(ValueError):
    pass


def parse_since(value: str | None) -> datetime | None:
    """A timezone-aware datetime, or None for the full list; ``BadSince`` with the reason."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        raise BadSince("Empty: leave 'since' out for the full list.")
    if len(text) > MAX_SINCE_LENGTH or not text.isascii():
        raise BadSince("Not an ISO 8601 date and time.")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadSince(
            "Not an ISO 8601 date and time, e.g. 2025-05-01T10:00:00Z or 2025-05-01T12:00:00+02:00."
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise BadSince("Give the time zone, e.g. 2025-05-01T10:00:00Z.")
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise BadSince("The time is out of range.") from None


def _iso(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC with microseconds, e.g. ``2025-05-01T10:00:00.000000Z``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entries(since: datetime | None):
    qs = UrlListEntry.objects.all()
    if since is None:
        qs = qs.filter(removed_at__isnull=True).order_by("id")
    else:
        qs = qs.filter(updated_at__gt=since).order_by("updated_at", "id")
    return qs.values_list(*FIELDS)


def _header(since: datetime | None, now: datetime) -> dict:
    return {
        "generated_at": _iso(now),
        "next_since": _iso(now - conf.urllist_overlap()),
        "since": _iso(since),
        "full": since is None,
    }


def feed(since: datetime | None, *, now: datetime | None = None) -> dict:
    """The feed as data (any database)."""
    now = now or timezone.now()
    rows = [
        {
            "id": pk,
            "url": url,
            "sha256": sha,
            "added_at": _iso(added),
            "removed_at": _iso(removed),
        }
        for pk, url, sha, added, removed in entries(since).iterator(chunk_size=5000)
    ]
    return {**_header(since, now), "count": len(rows), "entries": rows}


_TS = "to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"


def _entries_json_sql(since: datetime | None) -> tuple[int, str]:
    """``(count, "<entry>,<entry>,…")``: PostgreSQL builds the JSON of the entries itself,
    so 100,000 entries never become Python objects. Same fields and formats as :func:`feed`."""
    table = UrlListEntry._meta.db_table
    entry = (
        "json_build_object('id', id, 'url', url, 'sha256', sha256, "
        f"'added_at', {_TS.format(col='added_at')}, "
        f"'removed_at', {_TS.format(col='removed_at')})::text"
    )
    if since is None:
        where, order, params = "removed_at IS NULL", "id", []
    else:
        where, order, params = "updated_at > %s", "updated_at, id", [since]
    sql = (
        f"SELECT count(*), coalesce(string_agg({entry}, ',' ORDER BY {order}), '') "  # noqa: S608
        f"FROM {table} WHERE {where}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        count, body = cursor.fetchone()
    return count, body


def feed_json(since: datetime | None, *, now: datetime | None = None) -> bytes:
    now = now or timezone.now()
    if connection.vendor != "postgresql":
        return pydantic_core.to_json(feed(since, now=now))
    count, body = _entries_json_sql(since)
    head = json.dumps({**_header(since, now), "count": count}, separators=(",", ":"))
    return (head[:-1] + ',"entries":[' + body + "]}").encode("utf-8")
