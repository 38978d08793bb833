"""Full-text search structures of the library, per database (see ``ostoja.library.search``).

* SQLite: the FTS5 table ``library_material_fts`` (rowid = material id; ``meta`` the folded
  metadata, ``body`` the distinct folded words of the extracted text).
* PostgreSQL: a GIN index on ``library_material.search_vector``.
"""

from django.db import migrations

FTS_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS library_material_fts USING fts5("
    "meta, body, tokenize = 'unicode61 remove_diacritics 2')"
)
GIN_CREATE = (
    "CREATE INDEX IF NOT EXISTS library_search_vector_gin "
    "ON library_material USING gin (search_vector)"
)


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(FTS_CREATE)
    elif vendor == "postgresql":
        schema_editor.execute(GIN_CREATE)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS library_material_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS library_search_vector_gin")


class Migration(migrations.Migration):
    dependencies = [("library", "0001_materials_orders_journal")]

    operations = [migrations.RunPython(create, drop)]
