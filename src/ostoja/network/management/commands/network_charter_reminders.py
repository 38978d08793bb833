from django.core.management.base import BaseCommand

from ostoja.network.services import send_reminders


class Command(BaseCommand):
    help = "Remind member organisations to accept the current charter before its deadline."

    def handle(self, *args, **options):
        sent = send_reminders()
        self.stdout.write(f"{sent} reminder(s) queued.")
