from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ostoja.safeguarding import schedule


class Command(BaseCommand):
    help = (
        "Delete vetting records the organisation's retention period (default 36 months) after "
        "the person's engagement ended. Run daily."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help="act as if today were YYYY-MM-DD (tests, catch-up)")

    def handle(self, *args, today=None, **options):
        try:
            day = date.fromisoformat(today) if today else timezone.localdate()
        except ValueError:
            raise CommandError("--today must be YYYY-MM-DD")
        count = schedule.apply_retention(today=day)
        from ostoja.safeguarding import interventions

        closed = interventions.apply_retention(today=day)
        self.stdout.write(
            f"Deleted {count} record(s) past retention and {closed} intervention record(s)."
        )
