"""Full-text search structures (per database) and the field's taxonomy.

* PostgreSQL: a GIN index on ``directory_servicesearch.search_vector``.
* SQLite: the FTS5 table ``directory_service_fts`` (rowid = ``directory_servicesearch.id``,
  derived from the service UUID; ``body`` the folded document).

Both are filled by ``ostoja.directory.search``; ``manage.py directory_reindex`` rebuilds them.
The taxonomy is loaded from the shipped ``data/taxonomy.json`` (a Django-free module); its ids
are fixed, so running this on any database gives the same rows.
"""

from django.db import migrations

FTS_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS directory_service_fts USING fts5("
    "body, tokenize = 'unicode61 remove_diacritics 2')"
)
GIN_CREATE = (
    "CREATE INDEX IF NOT EXISTS dir_search_vector_gin "
    "ON directory_servicesearch USING gin (search_vector)"
)


def create_search_structures(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(FTS_CREATE)
    elif vendor == "postgresql":
        schema_editor.execute(GIN_CREATE)


def drop_search_structures(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS directory_service_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS dir_search_vector_gin")


def load_taxonomy(apps, schema_editor):
    from ostoja.directory.taxonomy import sync_taxonomy

    sync_taxonomy(apps.get_model("directory", "Taxonomy"), apps.get_model("directory", "TaxonomyTerm"))


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0001_hsds_directory"),
    ]

    operations = [
        migrations.RunPython(create_search_structures, drop_search_structures),
        migrations.RunPython(load_taxonomy, migrations.RunPython.noop),
    ]
