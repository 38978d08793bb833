"""Import a hash list into a bank (all rows or none), optionally checking its signature."""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ostoja.banks import csv_formats
from ostoja.banks.models import BankImport, Classification, HashBank
from ostoja.banks.services import BankError, apply_import, preview_import


class Command(BaseCommand):
    help = (
        "Import FILE (Ostoja CSV, python-threatexchange CSV, or an Ostoja export ZIP) into "
        "BANK. Every row is validated first; one error and nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("bank", help="the bank's slug")
        parser.add_argument("file")
        parser.add_argument("--format", choices=("auto", *csv_formats.FORMATS), default="auto")
        parser.add_argument(
            "--classification",
            choices=Classification.values,
            default=Classification.NATIONAL,
            help="for rows without one",
        )
        parser.add_argument("--source", default="", help="source organisation for rows without")
        parser.add_argument("--signature", help="the .sig file (default: FILE.sig if present)")
        parser.add_argument("--public-key", help="import only if the signature verifies")
        parser.add_argument("--as", dest="actor", help="e-mail of the user to record")
        parser.add_argument("--dry-run", action="store_true", help="validate and report only")

    def handle(self, *args, bank, file, **opts):
        obj = HashBank.objects.filter(slug=bank).first()
        if obj is None:
            raise CommandError(f"No bank {bank!r}.")
        actor = None
        if opts.get("actor"):
            actor = get_user_model().objects.filter(email__iexact=opts["actor"]).first()
            if actor is None:
                raise CommandError(f"No user {opts['actor']!r}.")
        path = Path(file)
        try:
            data = path.read_bytes()
            sig_path = (
                Path(opts["signature"])
                if opts.get("signature")
                else path.with_name(path.name + ".sig")
            )
            signature = sig_path.read_bytes() if sig_path.is_file() else None
            pem = Path(opts["public_key"]).read_text() if opts.get("public_key") else ""
        except OSError as exc:
            raise CommandError(str(exc)) from None
        with transaction.atomic():
            try:
                imp = preview_import(
                    actor=actor,
                    bank=obj,
                    data=data,
                    file_name=path.name,
                    file_format=opts["format"],
                    classification=opts["classification"],
                    source=opts["source"],
                    signature=signature,
                    public_key_pem=pem,
                    max_rows=None,
                )
            except BankError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(json.dumps(imp.summary, indent=2, sort_keys=True, default=str))
            if imp.status != BankImport.Status.PENDING:
                for e in imp.errors:
                    self.stderr.write(f"line {e['line']}: {e['column']}: {e['message']}")
                raise CommandError("Nothing was imported.")
            if opts["dry_run"]:
                transaction.set_rollback(True)
                self.stdout.write("Dry run: nothing was changed.")
                return
            result = apply_import(actor=actor, bank_import=imp)
        self.stdout.write(self.style.SUCCESS(f"Imported into {obj.slug}: {result.as_dict()}"))
