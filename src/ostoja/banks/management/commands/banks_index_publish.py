"""Publish the PDQ index of the enabled banks for every web worker to map (issue 17)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ostoja.banks import index_cache


class Command(BaseCommand):
    help = (
        "Write the PDQ entries of the enabled banks to OSTOJA_BANKS_INDEX_DIR (or --dir) as a "
        "new index generation. Web workers open it memory-mapped (one copy per machine) and "
        "apply only the changes made since. Run it after large imports and periodically."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="index directory (default OSTOJA_BANKS_INDEX_DIR)")

    def handle(self, *args, **options):
        root = Path(options["dir"]) if options["dir"] else None
        try:
            out = index_cache.publish_index(root)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Published {out['hashes']} PDQ hashes at change #{out['seq']} in "
                f"{out['seconds']:.1f} s."
            )
        )
