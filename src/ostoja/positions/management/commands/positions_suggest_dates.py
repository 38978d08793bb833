"""Suggest the recurring dates (18 November and others) to member organisations ahead."""

from django.core.management.base import BaseCommand

from ostoja.positions.reminders import suggest_recurring_dates


class Command(BaseCommand):
    help = "E-mail member organisations about the coming recurring dates (idempotent)."

    def handle(self, *args, **options):
        count = suggest_recurring_dates()
        self.stdout.write(f"{count} suggestion(s) queued.")
