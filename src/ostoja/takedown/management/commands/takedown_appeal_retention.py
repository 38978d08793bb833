from django.core.management.base import BaseCommand

from ostoja.takedown import services


class Command(BaseCommand):
    help = (
        "Delete appellants' e-mail addresses and names OSTOJA_APPEAL_RETENTION_DAYS (default 90) "
        "days after their appeal was decided or closed. Run daily (cron or systemd timer)."
    )

    def handle(self, *args, **options):
        count = services.apply_appeal_retention(actor=None)
        self.stdout.write(f"Deleted the contact details of {count} appeal(s).")
