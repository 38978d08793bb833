"""Publish the PDQ index of the enabled banks for every web worker to map (issue 17)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ostoja.banks import index_cache


class Command(BaseCommand):
    help = (
        "Write the PDQ entries of the enabled banks to OSTOJA_BANKS_INDEX_DIR (or --dir) as a "
        "new index generation. Web workers open it memory-mapped (one copy per machine) and "
        "apply only the changes made since. The scheduler runs it with --if-stale every 10 "
        "minutes; run it by hand after large imports."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="index directory (default OSTOJA_BANKS_INDEX_DIR)")
        parser.add_argument(
            "--if-stale",
            action="store_true",
            help=(
                "publish only when the published generation is stale (none yet, banks enabled "
                "or disabled, OSTOJA_BANKS_PUBLISH_MIN_CHANGES changed entries, or any change "
                "and older than OSTOJA_BANKS_PUBLISH_MAX_AGE_SECONDS); without an index "
                "directory do nothing"
            ),
        )

    def handle(self, *args, **options):
        root = Path(options["dir"]) if options["dir"] else None
        if options["if_stale"]:
            out = index_cache.publish_if_stale(root)
            if not out["published"]:
                self.stdout.write(
                    f"Not published: {out['reason']} ({out.get('changed', 0)} changed entries)."
                )
                return
        else:
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
