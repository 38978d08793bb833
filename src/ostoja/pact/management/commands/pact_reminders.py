from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ostoja.pact import reminders


class Command(BaseCommand):
    help = (
        "E-mail authority officers about milestones coming due, evidence about to expire, the "
        "self-assessment's deadline and the biennial review. Run daily."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help="act as if today were YYYY-MM-DD (tests, catch-up)")

    def handle(self, *args, today=None, **options):
        try:
            day = date.fromisoformat(today) if today else timezone.localdate()
        except ValueError:
            raise CommandError("--today must be YYYY-MM-DD")
        result = reminders.send_reminders(today=day)
        self.stdout.write(
            f"Pact reminders queued: {result['emails']} ({result['authorities']} authorities)."
        )
