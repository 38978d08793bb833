from django.core.management.base import BaseCommand

from ostoja.hotline import services


class Command(BaseCommand):
    help = (
        "Delete reporters' e-mail addresses a hotline's retention period (default 90 days) after "
        "all items of their report were closed. Run daily (cron or systemd timer)."
    )

    def handle(self, *args, **options):
        count = services.apply_retention(actor=None)
        self.stdout.write(f"Deleted the e-mail address of {count} report(s).")
