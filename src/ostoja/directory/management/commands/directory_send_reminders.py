"""Remind provider organisations to verify their services (run daily, e.g. from cron).

A service is due when it was last verified 6 months ago or more, and its organisation was not
reminded in the last 6 months; running this daily therefore sends each organisation at most one
e-mail every 6 months per service cycle. ``--enqueue`` hands the work to the task worker.
"""

from django.core.management.base import BaseCommand

from ostoja.directory.tasks import send_verification_reminders


class Command(BaseCommand):
    help = "E-mail provider organisations whose services are due for verification."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="run in the task worker instead of now"
        )

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            result = send_verification_reminders.enqueue()
            self.stdout.write(f"Enqueued task {result.id}.")
            return
        counts = send_verification_reminders.call()
        self.stdout.write(
            f"Reminders sent to {counts['sent']} organisation(s); {counts['skipped']} skipped."
        )
