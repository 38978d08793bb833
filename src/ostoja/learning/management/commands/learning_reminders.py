from django.core.management.base import BaseCommand

from ostoja.learning.services import send_reminders


class Command(BaseCommand):
    help = "Send reminders of consultations booked for the next 24 hours (each once)."

    def handle(self, *args, **options):
        sent = send_reminders()
        self.stdout.write(f"{sent} consultation reminder(s) sent.")
