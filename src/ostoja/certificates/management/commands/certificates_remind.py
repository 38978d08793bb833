from django.core.management.base import BaseCommand

from ostoja.certificates.services import remind_expiring


class Command(BaseCommand):
    help = "E-mail holders whose certificate expires within 30 days (each certificate once)."

    def handle(self, *args, **options):
        sent = remind_expiring()
        self.stdout.write(f"{sent} reminder(s) queued.")
