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

from django.db import connection, models

CHUNK_ROWS = 500
# SQLite (3.32+) takes 32,766 parameters per statement, PostgreSQL 65,535.
MAX_PARAMS = 30_000


def _chunk(columns: int) -> int:
    return max(1, min(CHUNK_ROWS, MAX_PARAMS // max(1, columns)))


def _statement(model, columns: Sequence[str], rows: int, returning: str | None) -> str:
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES {', '.join([one] * rows)}"  # noqa: S608 - names come from the model, values are parameters
    return f"{sql} RETURNING {quote(returning)}" if returning else sql


def insert_rows(model, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """INSERT rows of values already in database form (text, numbers, ids); no ids back."""
    rows = list(rows)
    step = _chunk(len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), step):
            part = rows[start : start + step]
            cursor.execute(
                _statement(model, columns, len(part), None),
                [value for row in part for value in row],
            )


def insert_objects(objs: Sequence[models.Model]) -> None:
    """INSERT new model instances of one model; set their primary keys (``RETURNING``)."""
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not (f.primary_key and f.auto_created)]
    pk = meta.pk
    has_pk_column = pk in fields
    columns = [f.column for f in fields]
    step = _chunk(len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(objs), step):
            part = objs[start : start + step]
            params = [
                field.get_db_prep_save(field.pre_save(obj, True), connection)
                for obj in part
                for field in fields
            ]
            cursor.execute(
                _statement(model, columns, len(part), None if has_pk_column else pk.column),
                params,
            )
            if not has_pk_column:
                for obj, row in zip(part, cursor.fetchall(), strict=True):
                    obj.pk = row[0]
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
