"""Delete attachment files left without a post (a transaction rolled back after the write)."""

from django.core.management.base import BaseCommand

from ostoja.forum.files import sweep_orphans


class Command(BaseCommand):
    help = "Delete forum attachment files that no post refers to (older than an hour)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-minutes", type=int, default=60)

    def handle(self, *args, older_than_minutes, **options):
        removed = sweep_orphans(older_than_seconds=max(0, older_than_minutes) * 60)
        self.stdout.write(f"forum files: {len(removed)} orphaned file(s) deleted")
