"""Import an HSDS 3.0 JSON file (tabular or a package of services): all or nothing."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from ostoja.directory.importer import import_bytes


class Command(BaseCommand):
    help = "Validate and import an Open Referral HSDS 3.0 JSON file; nothing is imported on error."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the JSON file ('-' for standard input)")
        parser.add_argument("--language", default="pl", choices=["pl", "en"])
        parser.add_argument("--dry-run", action="store_true", help="only validate")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, file, language, dry_run, json: bool = False, **options):
        if file == "-":
            raw = sys.stdin.buffer.read()
        else:
            try:
                with open(file, "rb") as handle:
                    raw = handle.read()
            except OSError as exc:
                raise CommandError(f"Cannot read {file}: {exc}") from exc
        result = import_bytes(raw, actor=None, language=language, dry_run=dry_run)
        if json:
            self.stdout.write(_dumps(result.as_dict()))
        else:
            for obj, problems in result.by_object().items():
                for problem in problems:
                    where = f"{obj} {problem.field}" if problem.field else obj
                    self.stdout.write(f"{problem.severity.upper()}: {where}: {problem.message}")
        if not result.ok:
            raise CommandError(f"Nothing imported: {len(result.errors)} problem(s).")
        counts = ", ".join(f"{t}: {n}" for t, n in sorted(result.counts.items()))
        verb = "Valid (dry run, nothing imported)" if dry_run else "Imported"
        self.stdout.write(self.style.SUCCESS(f"{verb}: {counts or 'nothing'}"))


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)
