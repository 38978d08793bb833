from django.core.management.base import BaseCommand

from ostoja.learning.services import expire_offers


class Command(BaseCommand):
    help = (
        "Expire offers of places in training editions whose time is up; each place passes to "
        "the next person on the waiting list."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"Expired offers of places: {expire_offers()}.")
