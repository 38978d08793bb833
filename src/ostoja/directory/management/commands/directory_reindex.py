"""Rebuild the directory's full-text search index (PostgreSQL vectors or the SQLite FTS5 table)."""

from django.core.management.base import BaseCommand

from ostoja.directory.search import rebuild_index


class Command(BaseCommand):
    help = "Rebuild the directory's search index."

    def handle(self, *args, **options):
        count = rebuild_index()
        self.stdout.write(f"Indexed {count} service(s).")
