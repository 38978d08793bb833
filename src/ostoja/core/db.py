"""Multi-row INSERTs for the hot write paths (report intake, the audit chain).

Django's ``bulk_create`` compiles its INSERT anew on every call; for the few rows of a grouped
report write, compiling cost more than the database work (bench: hotline intake, where the
ORM's insert compiler was about a quarter of a report's CPU time). These helpers build the
statement directly, but convert every value exactly as the ORM does
(``field.pre_save`` + ``field.get_db_prep_save``), so what is stored is the same on SQLite and
PostgreSQL. Only for plain concrete fields; no signals are sent (as with ``bulk_create``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import DEFAULT_DB_ALIAS, connections, models

CHUNK_ROWS = 500
# SQLite (3.32+) takes 32,766 parameters per statement, PostgreSQL 65,535.
MAX_PARAMS = 30_000


def _chunk(columns: int) -> int:
    return max(1, min(CHUNK_ROWS, MAX_PARAMS // max(1, columns)))


def _connection():
    # The thread's connection itself: ``django.db.connection`` is a proxy that looks the
    # thread's connection up again on every attribute access (once per value of every row).
    return connections[DEFAULT_DB_ALIAS]


def _statement(connection, model, columns: Sequence[str], rows: int, returning: str | None) -> str:
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    width = len(columns)
    if connection.vendor == "postgresql":  # native placeholders, see _execute
        values = ", ".join(
            "(" + ", ".join(f"${r * width + c + 1}" for c in range(width)) + ")"
            for r in range(rows)
        )
    else:
        values = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * rows)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES {values}"  # noqa: S608 - names come from the model, values are parameters
    return f"{sql} RETURNING {quote(returning)}" if returning else sql


def _execute(connection, sql: str, params: list, *, fetch: bool) -> list | None:
    """Run one statement of :func:`_statement`.

    On PostgreSQL through psycopg's ``RawCursor`` (``$1`` placeholders): psycopg parses a
    ``%s`` query with a Python regular expression and caches only queries of at most 50
    parameters, so a 500-row INSERT spent longer being parsed than being executed (bench:
    hotline intake, batch). Errors are translated to Django's (``IntegrityError`` …) as
    through Django's own cursor.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if fetch else None
    import psycopg

    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    with connection.wrap_database_errors, psycopg.RawCursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=False)
        return cursor.fetchall() if fetch else None


def insert_rows(model, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """INSERT rows of values already in database form (text, numbers, ids); no ids back."""
    connection = _connection()
    rows = list(rows)
    step = _chunk(len(columns))
    for start in range(0, len(rows), step):
        part = rows[start : start + step]
        _execute(
            connection,
            _statement(connection, model, columns, len(part), None),
            [value for row in part for value in row],
            fetch=False,
        )


def insert_objects(objs: Sequence[models.Model]) -> None:
    """INSERT new model instances of one model; set their primary keys (``RETURNING``)."""
    if not objs:
        return
    connection = _connection()
    model = type(objs[0])
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not (f.primary_key and f.auto_created)]
    pk = meta.pk
    has_pk_column = pk in fields
    columns = [f.column for f in fields]
    step = _chunk(len(columns))
    for start in range(0, len(objs), step):
        part = objs[start : start + step]
        params = [
            field.get_db_prep_save(field.pre_save(obj, True), connection)
            for obj in part
            for field in fields
        ]
        returned = _execute(
            connection,
            _statement(connection, model, columns, len(part), None if has_pk_column else pk.column),
            params,
            fetch=not has_pk_column,
        )
        if not has_pk_column:
            for obj, row in zip(part, returned, strict=True):
                obj.pk = row[0]
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
