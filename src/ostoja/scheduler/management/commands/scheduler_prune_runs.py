from django.core.management.base import BaseCommand

from ostoja.scheduler.services import prune_runs


class Command(BaseCommand):
    help = "Delete finished scheduler runs older than OSTOJA_SCHEDULER_KEEP_DAYS (default 90)."

    def handle(self, *args, **options):
        self.stdout.write(f"Deleted {prune_runs()} old run(s).")
