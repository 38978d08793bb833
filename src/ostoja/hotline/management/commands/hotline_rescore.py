from django.core.management.base import BaseCommand

from ostoja.hotline import services
from ostoja.hotline.models import WAITING_STATES, Item


class Command(BaseCommand):
    help = "Re-score waiting hotline items (the waiting-time factor grows by the hour)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="not only stale items")

    def handle(self, *args, all=False, **options):
        ids = Item.objects.filter(state__in=WAITING_STATES).values_list("hotline_id", flat=True)
        total = sum(services.rescore_items(hid, only_stale=not all) for hid in sorted(set(ids)))
        self.stdout.write(f"Re-scored {total} item(s).")
