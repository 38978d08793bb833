"""Full-text search structures of the forum (per database), as the directory has them.

* PostgreSQL: a GIN index on ``forum_post.search_vector``.
* SQLite: the FTS5 table ``forum_post_fts`` (rowid = ``forum_post.id``; ``body`` the folded
  document), with prefix indexes for 3-8 characters: the search matches word stems as
  prefixes, and without them FTS5 must merge the lists of every word with that beginning
  before it can return the newest matches (measured: 0.7 s for two common words at 200,000
  posts; see bench/forum_bench.py).

Both are filled by ``ostoja.forum.search``.
"""

from django.db import migrations

FTS_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS forum_post_fts USING fts5("
    "body, tokenize = 'unicode61 remove_diacritics 2', prefix = '3 4 5 6 7 8')"
)
GIN_CREATE = (
    "CREATE INDEX IF NOT EXISTS forum_post_search_gin ON forum_post USING gin (search_vector)"
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
        schema_editor.execute("DROP TABLE IF EXISTS forum_post_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS forum_post_search_gin")


class Migration(migrations.Migration):
    dependencies = [("forum", "0001_forum_initial")]

    operations = [migrations.RunPython(create, drop)]
