"""Load (or update) the real Polish national helplines and the taxonomy. Safe in production."""

from django.core.management.base import BaseCommand

from ostoja.directory.demo import load_helplines
from ostoja.directory.taxonomy import sync_taxonomy


class Command(BaseCommand):
    help = "Load the directory's taxonomy and the real national helplines (idempotent)."

    def handle(self, *args, **options):
        written = sync_taxonomy()
        self.stdout.write(f"Taxonomy: {written} row(s) written.")
        load_helplines(self.stdout)
