from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ostoja.safeguarding import schedule


class Command(BaseCommand):
    help = (
        "Recompute due re-checks of the vetting register, e-mail safeguarding officers about "
        "records that need attention (re-checks, reviews of the standards) and remind staff "
        "to confirm the standards. Run daily."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help="act as if today were YYYY-MM-DD (tests, catch-up)")
        parser.add_argument(
            "--recompute",
            action="store_true",
            help="first recompute every due date from the checks (repair; the services keep "
            "them current)",
        )

    def handle(self, *args, today=None, recompute=False, **options):
        try:
            day = date.fromisoformat(today) if today else timezone.localdate()
        except ValueError:
            raise CommandError("--today must be YYYY-MM-DD")
        changed = schedule.recompute_due(today=day) if recompute else 0
        result = schedule.send_reminders(today=day)
        std = schedule.standards_reminders(today=day)
        self.stdout.write(
            f"Due dates changed: {changed}; reminder e-mails queued: {result['emails']} "
            f"({result['organisations']} organisation(s)); standards: "
            f"{std['review_emails']} review and {std['acknowledgement_emails']} "
            f"acknowledgement reminder(s)."
        )
