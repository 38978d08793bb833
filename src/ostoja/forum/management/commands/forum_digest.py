"""Queue the forum's e-mail digest (daily or weekly) for people who have not visited."""

from django.core.management.base import BaseCommand

from ostoja.forum.services import send_digests


class Command(BaseCommand):
    help = "Queue the forum digest for members who have not visited (daily or weekly)."

    def add_arguments(self, parser):
        parser.add_argument("--frequency", choices=["daily", "weekly"], required=True)

    def handle(self, *args, frequency, **options):
        count = send_digests(frequency)
        self.stdout.write(f"forum digest ({frequency}): {count} queued")
