from django.core.management.base import BaseCommand

from ostoja.events.services import expire_offers


class Command(BaseCommand):
    help = "Expire waiting-list offers whose time is up; each seat passes to the next person."

    def handle(self, *args, **options):
        counts = expire_offers()
        self.stdout.write(
            f"Expired offers: {counts['registrations']} seats, "
            f"{counts['workshops']} workshop seats."
        )
