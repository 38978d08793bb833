"""Export every published service as Open Referral HSDS 3.0 JSON."""

import json

from django.core.management.base import BaseCommand

from ostoja.directory.exporter import export_package, export_tabular
from ostoja.directory.taxonomy import ensure_taxonomy


class Command(BaseCommand):
    help = "Export the whole directory as HSDS 3.0 JSON (tabular or a package of services)."

    def add_arguments(self, parser):
        parser.add_argument("--shape", choices=["tabular", "package"], default="tabular")
        parser.add_argument("--language", choices=["pl", "en"], default="pl")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, shape, language, output=None, **options):
        ensure_taxonomy()
        document = export_tabular(language) if shape == "tabular" else export_package(language)
        text = json.dumps(document, ensure_ascii=False, indent=1)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
            self.stdout.write(self.style.SUCCESS(f"Wrote {output}"))
        else:
            self.stdout.write(text)
